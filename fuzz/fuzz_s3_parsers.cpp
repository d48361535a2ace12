// Fuzz the S3 client's parsers of untrusted text: s3:// URLs (user input) and
// the XML a server answers (listings, errors, multipart). Properties: never a
// crash; an accepted URL is normalised (prefix empty or ending in '/', an
// endpoint without trailing '/') and parses again to the same location; an
// accepted listing page keeps every key non-empty and a truncated page has a
// continuation token.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "s3/s3_client.hpp"
#include "s3/s3_xml.hpp"

using namespace chunker;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> in(data, size);
  std::string text(reinterpret_cast<const char*>(data), size);

  auto loc = s3::parse_url(text);
  if (loc.ok()) {
    if (!loc->prefix.empty() && loc->prefix.back() != '/') std::abort();
    if (loc->endpoint.empty() || loc->endpoint.back() == '/') std::abort();
    std::string again = "s3://" + loc->bucket + "/" + loc->prefix + "?endpoint=" +
                        s3::uri_encode(loc->endpoint, false) + "&region=" + loc->region;
    auto loc2 = s3::parse_url(again);
    if (!loc2.ok() || loc2->bucket != loc->bucket || loc2->prefix != loc->prefix ||
        loc2->endpoint != loc->endpoint || loc2->region != loc->region)
      std::abort();
  }

  auto page = s3::detail::parse_list(in);
  if (page.ok()) {
    for (const auto& o : page->objects)
      if (o.key.empty()) std::abort();
    if (page->truncated && page->next_token.empty()) std::abort();
  }
  (void)s3::detail::parse_error(in);
  (void)s3::detail::parse_upload_id(in);
  (void)s3::detail::root_element(in);
  (void)s3::detail::parse_iso8601_ns(text);
  return 0;
}
