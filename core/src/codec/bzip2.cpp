// .bz2 streams via libbzip2 (BZ2_bzCompress / BZ2_bzDecompress). bzip2 has no
// reset, so every stream is Init..End; the Recycler makes that allocation-free
// after the first stream.
#include <bzlib.h>

#include <algorithm>
#include <climits>
#include <string>

#include "codec/alloc.hpp"
#include "codec/backend.hpp"

namespace chunker::codec::detail {

namespace {

Status bz_status(int rc, const char* what) {
  std::string w = std::string("bzip2 ") + what + ": ";
  switch (rc) {
    case BZ_MEM_ERROR: return {Errc::out_of_memory, w + "out of memory"};
    case BZ_DATA_ERROR: return {Errc::corrupt_input, w + "corrupt data (CRC or structure)"};
    case BZ_DATA_ERROR_MAGIC: return {Errc::unsupported_format, w + "not a .bz2 stream"};
    case BZ_PARAM_ERROR: return {Errc::invalid_argument, w + "invalid parameter"};
    default: return {Errc::internal, w + "unexpected return code " + std::to_string(rc)};
  }
}

// bz_stream counts in unsigned int: feed at most this much per call.
constexpr std::size_t kMaxIo = UINT_MAX;

class Bz2Base {
 protected:
  Bz2Base() { reset_stream(); }
  void reset_stream() {
    strm_ = bz_stream{};
    strm_.bzalloc = &Recycler::c_alloc_int;
    strm_.bzfree = &Recycler::c_free;
    strm_.opaque = &mem_;
  }
  void set(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) {
    // bzlib's API is not const-correct; it never writes through next_in.
    strm_.next_in = const_cast<char*>(reinterpret_cast<const char*>(in.data()));
    strm_.avail_in = static_cast<unsigned>(std::min(in.size(), kMaxIo));
    strm_.next_out = reinterpret_cast<char*>(out.data());
    strm_.avail_out = static_cast<unsigned>(std::min(out.size(), kMaxIo));
  }
  Step used(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) const {
    return Step{std::min(in.size(), kMaxIo) - strm_.avail_in, std::min(out.size(), kMaxIo) - strm_.avail_out,
                false};
  }
  Recycler mem_;
  bz_stream strm_{};
  bool live_ = false;
};

class Bz2Encoder final : public EncoderBackend, Bz2Base {
 public:
  explicit Bz2Encoder(int level) : level_(level) {}
  ~Bz2Encoder() override {
    if (live_) BZ2_bzCompressEnd(&strm_);
  }

  Status begin(std::size_t) override {
    if (live_) BZ2_bzCompressEnd(&strm_);
    live_ = false;
    reset_stream();
    int rc = BZ2_bzCompressInit(&strm_, level_, 0, 0);  // workFactor 0 = default 30
    if (rc != BZ_OK) return bz_status(rc, "encoder setup");
    live_ = true;
    return {};
  }

  Result<Step> step(std::span<const std::uint8_t> in, std::span<std::uint8_t> out, bool finish) override {
    if (!live_) return Status(Errc::internal, "bzip2: step before begin");
    set(in, out);
    // BZ_FINISH must be passed with all remaining input; the facade only sets
    // finish once the caller has given its last input.
    int rc = BZ2_bzCompress(&strm_, finish && in.size() <= kMaxIo ? BZ_FINISH : BZ_RUN);
    Step s = used(in, out);
    if (rc == BZ_STREAM_END) {
      s.done = true;
      BZ2_bzCompressEnd(&strm_);
      live_ = false;
      return s;
    }
    if (rc != BZ_RUN_OK && rc != BZ_FINISH_OK) return bz_status(rc, "compression");
    return s;
  }

 private:
  int level_;
};

class Bz2Decoder final : public DecoderBackend, Bz2Base {
 public:
  ~Bz2Decoder() override {
    if (live_) BZ2_bzDecompressEnd(&strm_);
  }

  Status begin(std::uint64_t) override {
    if (live_) BZ2_bzDecompressEnd(&strm_);
    live_ = false;
    reset_stream();
    int rc = BZ2_bzDecompressInit(&strm_, 0, 0);
    if (rc != BZ_OK) return bz_status(rc, "decoder setup");
    live_ = true;
    return {};
  }

  Result<Step> step(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) override {
    if (!live_) return Status(Errc::internal, "bzip2: step before begin");
    set(in, out);
    int rc = BZ2_bzDecompress(&strm_);
    Step s = used(in, out);
    if (rc == BZ_STREAM_END) {
      s.done = true;
      BZ2_bzDecompressEnd(&strm_);
      live_ = false;
      return s;
    }
    if (rc != BZ_OK) {
      BZ2_bzDecompressEnd(&strm_);
      live_ = false;
      return bz_status(rc, "decompression");
    }
    return s;
  }
};

}  // namespace

Result<std::unique_ptr<EncoderBackend>> make_bzip2_encoder(int level) {
  return std::unique_ptr<EncoderBackend>(std::make_unique<Bz2Encoder>(level));
}

Result<std::unique_ptr<DecoderBackend>> make_bzip2_decoder() {
  return std::unique_ptr<DecoderBackend>(std::make_unique<Bz2Decoder>());
}

// bzip2's documented worst case: 1% + 600 bytes.
std::size_t bzip2_bound(std::size_t n) noexcept { return n + n / 100 + 600; }

}  // namespace chunker::codec::detail
