// The S3 XML documents the client reads, parsed with libexpat.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "chunker/error.hpp"
#include "s3_client.hpp"

namespace chunker::s3::detail {

struct ErrorDoc {
  std::string code, message;
};
// nullopt unless `body` is an S3 <Error> document.
std::optional<ErrorDoc> parse_error(std::span<const std::uint8_t> body);

struct ListPage {
  std::vector<ObjectInfo> objects;  // full keys (prefix included)
  bool truncated = false;
  std::string next_token;
};
// ListObjectsV2 (ListBucketResult); Errc::corrupt_input when malformed.
Result<ListPage> parse_list(std::span<const std::uint8_t> body);

struct UploadsPage {
  std::vector<UploadInfo> uploads;  // full keys (prefix included)
  bool truncated = false;
  std::string next_key_marker, next_upload_id_marker;
};
// ListMultipartUploads (ListMultipartUploadsResult); Errc::corrupt_input when malformed.
Result<UploadsPage> parse_uploads(std::span<const std::uint8_t> body);

// InitiateMultipartUploadResult -> UploadId.
Result<std::string> parse_upload_id(std::span<const std::uint8_t> body);

// The name of the root element ("" when the body is not XML): a
// CompleteMultipartUpload answer can be 200 with an <Error> inside.
std::string root_element(std::span<const std::uint8_t> body);

// ISO 8601 UTC ("2026-12-05T02:58:37.840Z") -> ns since the epoch.
std::optional<std::int64_t> parse_iso8601_ns(std::string_view s);

// Decimal digits only, no sign, within uint64 (sizes in listings and headers).
bool parse_u64(std::string_view s, std::uint64_t& out);
// An ETag without its surrounding quotes.
std::string unquote(std::string s);

// Text with & < > " escaped, for request bodies.
std::string xml_escape(std::string_view s);

}  // namespace chunker::s3::detail
