// .xz streams via liblzma (lzma_easy_encoder / lzma_auto_decoder), one
// stream per frame; the facade handles concatenation and stream padding.
// Decoding also takes LZMA-alone (.lzma); encoding writes .xz only.
#include <lzma.h>

#include <string>

#include "codec/alloc.hpp"
#include "codec/backend.hpp"

namespace chunker::codec::detail {

namespace {

Status lzma_status(lzma_ret rc, const char* what, std::uint64_t memlimit = 0) {
  std::string w = std::string("xz ") + what + ": ";
  switch (rc) {
    case LZMA_MEM_ERROR: return {Errc::out_of_memory, w + "out of memory"};
    case LZMA_MEMLIMIT_ERROR:
      return {Errc::output_limit, w + "the stream needs more than the decoder memory limit of " +
                                      std::to_string(memlimit >> 20) + " MiB"};
    case LZMA_FORMAT_ERROR: return {Errc::unsupported_format, w + "not an .xz stream"};
    case LZMA_OPTIONS_ERROR: return {Errc::unsupported_format, w + "unsupported options (filters or flags)"};
    case LZMA_DATA_ERROR: return {Errc::corrupt_input, w + "corrupt data"};
    case LZMA_BUF_ERROR: return {Errc::truncated_input, w + "unexpected end of input"};
    case LZMA_PROG_ERROR: return {Errc::internal, w + "programming error"};
    default: return {Errc::corrupt_input, w + "error " + std::to_string(static_cast<int>(rc))};
  }
}

class XzBase {
 protected:
  XzBase() {
    alloc_ = lzma_allocator{&Recycler::c_alloc_n, &Recycler::c_free, &mem_};
    strm_ = LZMA_STREAM_INIT;
    strm_.allocator = &alloc_;
  }
  ~XzBase() { lzma_end(&strm_); }

  // One lzma_code call; LZMA_BUF_ERROR only means "no progress possible now".
  lzma_ret code(std::span<const std::uint8_t> in, std::span<std::uint8_t> out, lzma_action a, Step& s) {
    strm_.next_in = in.data();
    strm_.avail_in = in.size();
    strm_.next_out = out.data();
    strm_.avail_out = out.size();
    lzma_ret rc = lzma_code(&strm_, a);
    s.in_used = in.size() - strm_.avail_in;
    s.out_used = out.size() - strm_.avail_out;
    return rc;
  }

  Recycler mem_;  // declared before strm_ users: freed after lzma_end
  lzma_allocator alloc_{};
  lzma_stream strm_;
};

class XzEncoder final : public EncoderBackend, XzBase {
 public:
  XzEncoder(int level, bool checksum)
      : level_(static_cast<std::uint32_t>(level)), check_(checksum ? LZMA_CHECK_CRC64 : LZMA_CHECK_NONE) {}

  Status begin(std::size_t) override {
    // Re-initialising the same lzma_stream reuses its memory.
    lzma_ret rc = lzma_easy_encoder(&strm_, level_, check_);  // CRC64: the xz program's default
    if (rc != LZMA_OK) return lzma_status(rc, "encoder setup");
    return {};
  }

  Result<Step> step(std::span<const std::uint8_t> in, std::span<std::uint8_t> out, bool finish) override {
    Step s;
    lzma_ret rc = code(in, out, finish ? LZMA_FINISH : LZMA_RUN, s);
    if (rc == LZMA_STREAM_END) {
      s.done = true;
      return s;
    }
    if (rc != LZMA_OK && rc != LZMA_BUF_ERROR) return lzma_status(rc, "compression");
    return s;
  }

 private:
  std::uint32_t level_;
  lzma_check check_;
};

class XzDecoder final : public DecoderBackend, XzBase {
 public:
  explicit XzDecoder(std::uint64_t memlimit) : memlimit_(memlimit) {}

  Status begin(std::uint64_t) override {
    // The auto-decoder reads .xz and LZMA-alone (.lzma) streams, as `xz -d`;
    // the facade has already told them (and nothing else) apart by magic.
    // An integrity check type liblzma cannot verify is refused (`xz -d`
    // decodes such a stream unverified, with a warning and exit status 2).
    lzma_ret rc = lzma_auto_decoder(&strm_, memlimit_, LZMA_TELL_UNSUPPORTED_CHECK);
    if (rc != LZMA_OK) return lzma_status(rc, "decoder setup", memlimit_);
    return {};
  }

  Result<Step> step(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) override {
    Step s;
    lzma_ret rc = code(in, out, LZMA_RUN, s);
    if (rc == LZMA_STREAM_END) {
      s.done = true;
      return s;
    }
    if (rc == LZMA_UNSUPPORTED_CHECK)
      return Status(Errc::unsupported_format, "xz decompression: the stream's integrity check type is not "
                                              "supported, so its data cannot be verified");
    if (rc != LZMA_OK && rc != LZMA_BUF_ERROR) return lzma_status(rc, "decompression", memlimit_);
    return s;
  }

 private:
  std::uint64_t memlimit_;
};

}  // namespace

Result<std::unique_ptr<EncoderBackend>> make_xz_encoder(int level, bool checksum) {
  return std::unique_ptr<EncoderBackend>(std::make_unique<XzEncoder>(level, checksum));
}

Result<std::unique_ptr<DecoderBackend>> make_xz_decoder(std::uint64_t memlimit) {
  return std::unique_ptr<DecoderBackend>(std::make_unique<XzDecoder>(memlimit));
}

std::size_t xz_bound(std::size_t n) noexcept { return lzma_stream_buffer_bound(n); }

}  // namespace chunker::codec::detail
