// Multipart uploads: initiate, upload parts, complete (or abort).
#include "s3_impl.hpp"
#include "s3_xml.hpp"

namespace chunker::s3 {

using detail::HttpRequest;

namespace {
constexpr std::size_t kMaxXmlBytes = 16u << 20;
}

Result<std::string> Client::multipart_initiate(std::string_view key) {
  const std::string name = impl_->loc.describe(key);
  HttpRequest req{"POST", impl_->object_url(key, make_query({{"uploads", ""}})),
                  {"Content-Type: application/octet-stream"}, {}, kMaxXmlBytes};
  auto r = impl_->send(req, name);
  if (!r) return r.status();
  if (r->status != 200) return impl_->http_error(*r, name);
  auto id = detail::parse_upload_id(r->body);
  if (!id) return Status(id.status().code(), name + ": " + id.status().message());
  return id;
}

Result<PartInfo> Client::multipart_upload_part(std::string_view key, const std::string& upload_id, int part_number,
                                               std::span<const std::uint8_t> bytes) {
  const std::string name = impl_->loc.describe(key) + " (part " + std::to_string(part_number) + ")";
  if (part_number < 1 || part_number > 10000)
    return Status(Errc::invalid_argument, name + ": part numbers are 1..10000");
  std::string q = make_query({{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}});
  HttpRequest req{"PUT", impl_->object_url(key, q), {"Content-Type: application/octet-stream"}, bytes, kMaxXmlBytes};
  auto r = impl_->send(req, name);
  if (!r) return r.status();
  if (r->status != 200) return impl_->http_error(*r, name);
  PartInfo p{part_number, r->header("etag")};
  if (p.etag.empty()) return Status(Errc::io_error, name + ": UploadPart answer has no ETag");
  return p;
}

Status Client::multipart_complete(std::string_view key, const std::string& upload_id, const std::vector<PartInfo>& parts) {
  const std::string name = impl_->loc.describe(key);
  std::string xml = "<CompleteMultipartUpload>";
  for (const auto& p : parts)
    xml += "<Part><PartNumber>" + std::to_string(p.number) + "</PartNumber><ETag>" + detail::xml_escape(p.etag) +
           "</ETag></Part>";
  xml += "</CompleteMultipartUpload>";
  std::span<const std::uint8_t> body(reinterpret_cast<const std::uint8_t*>(xml.data()), xml.size());
  HttpRequest req{"POST", impl_->object_url(key, make_query({{"uploadId", upload_id}})),
                  {"Content-Type: application/xml"}, body, kMaxXmlBytes};
  int attempts = 0;
  auto r = impl_->send(req, name, &attempts);
  if (!r) return r.status();
  if (r->status == 200) {
    // S3 may answer 200 and put an <Error> in the body; Pacific leaves <ETag> empty.
    if (detail::root_element(r->body) == "Error") return impl_->http_error(*r, name);
    return {};
  }
  if (r->status == 404 && attempts > 1) {
    auto e = detail::parse_error(r->body);
    // An earlier attempt completed the upload but its answer was lost: the
    // caller's size check (put_multipart) confirms the object.
    if (e && e->code == "NoSuchUpload") return {};
  }
  return impl_->http_error(*r, name);
}

Status Client::multipart_abort(std::string_view key, const std::string& upload_id) {
  const std::string name = impl_->loc.describe(key);
  HttpRequest req{"DELETE", impl_->object_url(key, make_query({{"uploadId", upload_id}})), {}, {}, kMaxXmlBytes};
  auto r = impl_->send(req, name);
  if (!r) return r.status();
  if (r->status == 204 || r->status == 200) return {};
  auto e = detail::parse_error(r->body);
  if (r->status == 404 && e && e->code == "NoSuchUpload") return {};
  return impl_->http_error(*r, name);
}

Result<std::vector<UploadInfo>> Client::list_uploads(std::string_view prefix) {
  const std::string full_prefix = impl_->loc.prefix + std::string(prefix);
  const std::string name = impl_->loc.describe(prefix) + " (multipart uploads)";
  std::vector<UploadInfo> out;
  std::string key_marker, id_marker;
  for (;;) {
    std::vector<std::pair<std::string, std::string>> params = {{"prefix", full_prefix}, {"uploads", ""}};
    if (!key_marker.empty()) params.emplace_back("key-marker", key_marker);
    if (!id_marker.empty()) params.emplace_back("upload-id-marker", id_marker);
    auto r = impl_->send({"GET", impl_->bucket_url(make_query(params)), {}, {}, kMaxXmlBytes}, name);
    if (!r) return r.status();
    if (r->status != 200) return impl_->http_error(*r, name);
    auto page = detail::parse_uploads(r->body);
    if (!page) return Status(page.status().code(), name + ": " + page.status().message());
    for (auto& u : page->uploads) {
      if (u.key.compare(0, full_prefix.size(), full_prefix) != 0)
        return Status(Errc::corrupt_input, name + ": listing returned key '" + u.key + "' outside the prefix");
      u.key.erase(0, impl_->loc.prefix.size());
      out.push_back(std::move(u));
    }
    if (!page->truncated) return out;
    if (page->next_key_marker == key_marker && page->next_upload_id_marker == id_marker)
      return Status(Errc::corrupt_input, name + ": listing repeats its markers");
    key_marker = std::move(page->next_key_marker);
    id_marker = std::move(page->next_upload_id_marker);
  }
}

Result<PutResult> Client::put_multipart(std::string_view key, std::span<const std::uint8_t> bytes, bool create_only) {
  const std::string name = impl_->loc.describe(key);
  PutResult out;
  if (create_only) {
    // Best effort: RGW ignores If-None-Match on CompleteMultipartUpload.
    auto h = head(key);
    if (!h) return h.status();
    if (*h) {
      out.created = false;
      return out;
    }
  }
  auto id = multipart_initiate(key);
  if (!id) return id.status();
  std::vector<PartInfo> parts;
  const std::size_t ps = impl_->opt.part_size;
  Status st;
  for (std::size_t off = 0, n = 1; st.ok() && (off < bytes.size() || n == 1); off += ps, ++n) {
    auto part = multipart_upload_part(key, *id, static_cast<int>(n), bytes.subspan(off, std::min(ps, bytes.size() - off)));
    if (!part) st = part.status();
    else parts.push_back(std::move(*part));
  }
  if (st.ok()) st = multipart_complete(key, *id, parts);
  if (!st.ok()) {
    (void)multipart_abort(key, *id);  // best effort; the original error is what matters
    return st;
  }
  // The completion answer carries no usable ETag on Pacific: check the stored size.
  auto h = head(key);
  if (!h) return h.status();
  if (!*h) return Status(Errc::io_error, name + ": multipart upload completed but the object is missing");
  if ((*h)->size != bytes.size())
    return Status(Errc::io_error, name + ": multipart upload completed with " + std::to_string((*h)->size) +
                                      " bytes, expected " + std::to_string(bytes.size()));
  return out;
}

}  // namespace chunker::s3
