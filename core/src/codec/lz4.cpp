// LZ4 *frame* format (what the lz4 program writes) via liblz4's LZ4F API.
// LZ4F_compressUpdate needs room for a worst-case block, so output that does
// not fit the caller's buffer is staged and drained on later calls.
#define LZ4F_STATIC_LINKING_ONLY  // LZ4F_*_advanced with a custom allocator
#include <lz4frame.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "codec/alloc.hpp"
#include "codec/backend.hpp"

namespace chunker::codec::detail {

namespace {

Status lz4_error(std::size_t rc, const char* what) {
  std::string msg = std::string("lz4 ") + what + ": " + LZ4F_getErrorName(rc);
  switch (LZ4F_getErrorCode(rc)) {
    case LZ4F_ERROR_allocation_failed: return {Errc::out_of_memory, msg};
    case LZ4F_ERROR_frameType_unknown:
    case LZ4F_ERROR_headerVersion_wrong:
    case LZ4F_ERROR_maxBlockSize_invalid:
      return {Errc::unsupported_format, msg};
    case LZ4F_ERROR_parameter_null:
    case LZ4F_ERROR_compressionLevel_invalid:
      return {Errc::invalid_argument, msg};
    default: return {Errc::corrupt_input, msg};
  }
}

LZ4F_CustomMem custom_mem(Recycler* r) {
  return LZ4F_CustomMem{&Recycler::c_alloc, &Recycler::c_calloc, &Recycler::c_free, r};
}

// Smallest block size that holds the whole input (as LZ4F_compressFrame does);
// 4 MiB, the lz4 program's default, for streams of unknown length.
LZ4F_blockSizeID_t block_id_for(std::size_t n) {
  if (n == 0) return LZ4F_max4MB;
  if (n <= (64u << 10)) return LZ4F_max64KB;
  if (n <= (256u << 10)) return LZ4F_max256KB;
  if (n <= (1u << 20)) return LZ4F_max1MB;
  return LZ4F_max4MB;
}

class Lz4Encoder final : public EncoderBackend {
 public:
  ~Lz4Encoder() override { LZ4F_freeCompressionContext(cctx_); }

  Status init(int level, bool checksum) {
    cctx_ = LZ4F_createCompressionContext_advanced(custom_mem(&mem_), LZ4F_VERSION);
    if (!cctx_) return {Errc::out_of_memory, "lz4: cannot allocate a compression context"};
    prefs_ = LZ4F_preferences_t{};
    prefs_.compressionLevel = level;
    prefs_.frameInfo.contentChecksumFlag = checksum ? LZ4F_contentChecksumEnabled : LZ4F_noContentChecksum;
    prefs_.frameInfo.blockMode = LZ4F_blockIndependent;  // the lz4 program's default (-BI)
    return {};
  }

  Status begin(std::size_t size_hint) override {
    prefs_.frameInfo.blockSizeID = block_id_for(size_hint);
    prefs_.frameInfo.contentSize = size_hint;  // 0 = unknown
    begun_ = ended_ = false;
    stage_pos_ = stage_len_ = 0;
    return {};
  }

  Result<Step> step(std::span<const std::uint8_t> in, std::span<std::uint8_t> out, bool finish) override {
    Step s;
    for (;;) {
      // Drain staged output first.
      if (stage_pos_ < stage_len_) {
        std::size_t n = std::min(stage_len_ - stage_pos_, out.size() - s.out_used);
        std::memcpy(out.data() + s.out_used, stage_.data() + stage_pos_, n);
        stage_pos_ += n;
        s.out_used += n;
        if (stage_pos_ < stage_len_) return s;  // caller's buffer is full
      }
      std::span<std::uint8_t> room = out.subspan(s.out_used);
      if (!begun_) {
        auto dst = target(room, LZ4F_HEADER_SIZE_MAX);
        std::size_t rc = LZ4F_compressBegin(cctx_, dst.data(), dst.size(), &prefs_);
        if (LZ4F_isError(rc)) return lz4_error(rc, "compression");
        commit(dst, rc, s);
        begun_ = true;
        continue;
      }
      std::span<const std::uint8_t> rest = in.subspan(s.in_used);
      if (!rest.empty()) {
        // Whole remainder straight into the caller's buffer when it surely fits,
        // else one block at a time through the stage.
        std::size_t n = rest.size();
        if (room.size() < LZ4F_compressBound(n, &prefs_)) n = std::min(n, block_bytes());
        auto dst = target(room, LZ4F_compressBound(n, &prefs_));
        std::size_t rc = LZ4F_compressUpdate(cctx_, dst.data(), dst.size(), rest.data(), n, nullptr);
        if (LZ4F_isError(rc)) return lz4_error(rc, "compression");
        s.in_used += n;
        commit(dst, rc, s);
        continue;
      }
      if (!finish) return s;
      if (!ended_) {
        auto dst = target(room, LZ4F_compressBound(0, &prefs_));
        std::size_t rc = LZ4F_compressEnd(cctx_, dst.data(), dst.size(), nullptr);
        if (LZ4F_isError(rc)) return lz4_error(rc, "compression");
        commit(dst, rc, s);
        ended_ = true;
        continue;
      }
      s.done = true;
      return s;
    }
  }

 private:
  std::size_t block_bytes() const { return LZ4F_getBlockSize(prefs_.frameInfo.blockSizeID); }

  // Where the next LZ4F call writes: the caller's buffer if it has `need`
  // bytes of room, else the stage (grown once, then reused).
  std::span<std::uint8_t> target(std::span<std::uint8_t> room, std::size_t need) {
    if (room.size() >= need) return room;
    if (stage_.size() < need) stage_.resize(need);
    staging_ = true;
    return {stage_.data(), need};
  }
  void commit(std::span<std::uint8_t> dst, std::size_t n, Step& s) {
    if (staging_ && dst.data() == stage_.data()) {
      stage_pos_ = 0;
      stage_len_ = n;
      staging_ = false;
    } else {
      s.out_used += n;
    }
  }

  Recycler mem_;
  LZ4F_cctx* cctx_ = nullptr;
  LZ4F_preferences_t prefs_{};
  std::vector<std::uint8_t> stage_;
  std::size_t stage_pos_ = 0, stage_len_ = 0;
  bool staging_ = false, begun_ = false, ended_ = false;
};

class Lz4Decoder final : public DecoderBackend {
 public:
  ~Lz4Decoder() override { LZ4F_freeDecompressionContext(dctx_); }

  Status init() {
    dctx_ = LZ4F_createDecompressionContext_advanced(custom_mem(&mem_), LZ4F_VERSION);
    if (!dctx_) return {Errc::out_of_memory, "lz4: cannot allocate a decompression context"};
    return {};
  }

  Status begin(std::uint64_t) override {
    // LZ4F_resetDecompressionContext (1.9.4) leaves the content-size counter
    // of an abandoned frame behind, and the next frame without a content size
    // then fails with frameSize_wrong. After an unfinished frame, start over
    // with a new context (the Recycler hands back the same memory).
    if (!clean_) {
      LZ4F_freeDecompressionContext(dctx_);
      dctx_ = nullptr;
      CHUNKER_TRY(init());
    }
    clean_ = false;
    return {};
  }

  Result<Step> step(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) override {
    std::size_t src = in.size(), dst = out.size();
    std::size_t rc = LZ4F_decompress(dctx_, out.data(), &dst, in.data(), &src, nullptr);
    if (LZ4F_isError(rc)) return lz4_error(rc, "decompression");
    clean_ = rc == 0;  // frame complete: the context is back at a frame start
    return Step{src, dst, rc == 0};
  }

 private:
  Recycler mem_;
  LZ4F_dctx* dctx_ = nullptr;
  bool clean_ = true;
};

}  // namespace

Result<std::unique_ptr<EncoderBackend>> make_lz4_encoder(int level, bool checksum) {
  auto e = std::make_unique<Lz4Encoder>();
  CHUNKER_TRY(e->init(level, checksum));
  return std::unique_ptr<EncoderBackend>(std::move(e));
}

Result<std::unique_ptr<DecoderBackend>> make_lz4_decoder() {
  auto d = std::make_unique<Lz4Decoder>();
  CHUNKER_TRY(d->init());
  return std::unique_ptr<DecoderBackend>(std::move(d));
}

std::size_t lz4_bound(std::size_t n) noexcept {
  LZ4F_preferences_t p{};
  p.frameInfo.blockSizeID = block_id_for(n);
  p.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
  p.frameInfo.contentSize = n;
  return LZ4F_compressFrameBound(n, &p);
}

}  // namespace chunker::codec::detail
