// LZ4 *frame* format (what the lz4 program writes) via liblz4's LZ4F API.
// LZ4F_compressUpdate needs room for a worst-case block, so output that does
// not fit the caller's buffer is staged and drained on later calls.
// The decoder also reads the legacy format (`lz4 -l`, Linux initramfs):
// magic 0x184C2102, then blocks of <u32 LE compressed size><LZ4 block> that
// each decode to at most 8 MiB, up to the end of input or until a "size"
// that no block can have, which is the magic number of the next frame.
#define LZ4F_STATIC_LINKING_ONLY  // LZ4F_*_advanced with a custom allocator
#include <lz4.h>
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

// The legacy format's blocks: decoded whole into a staging buffer (at most
// 8 MiB out), then drained into the caller's buffers.
class Lz4LegacyBlocks {
 public:
  static constexpr std::uint32_t kMagic = 0x184C2102;
  static constexpr std::size_t kBlockMax = 8u << 20;

  void reset() {
    have_ = need_ = 0;
    out_pos_ = out_len_ = 0;
    in_block_ = false;
  }
  // At a block boundary with nothing left to deliver: the stream may end here.
  bool at_boundary() const { return !in_block_ && have_ == 0 && out_pos_ == out_len_; }

  // Consumes blocks; done=true (with the next frame's magic in `next`) when a
  // size field holds a value no block can have.
  Result<Step> step(std::span<const std::uint8_t> in, std::span<std::uint8_t> out, std::uint8_t (&next)[4],
                    bool& ended) {
    Step s;
    for (;;) {
      if (out_pos_ < out_len_) {
        const std::size_t n = std::min(out_len_ - out_pos_, out.size() - s.out_used);
        std::memcpy(out.data() + s.out_used, stage_out_.data() + out_pos_, n);
        out_pos_ += n;
        s.out_used += n;
        if (out_pos_ < out_len_) return s;
      }
      if (s.in_used == in.size()) return s;
      if (!in_block_) {
        while (have_ < 4 && s.in_used < in.size()) size_[have_++] = in[s.in_used++];
        if (have_ < 4) return s;
        const std::uint32_t v = std::uint32_t{size_[0]} | std::uint32_t{size_[1]} << 8 |
                                std::uint32_t{size_[2]} << 16 | std::uint32_t{size_[3]} << 24;
        have_ = 0;
        if (v == kMagic) continue;  // a new legacy stream follows: same format, go on
        if (v > static_cast<std::uint32_t>(LZ4_COMPRESSBOUND(kBlockMax))) {
          std::memcpy(next, size_, 4);
          ended = true;
          s.done = true;
          return s;
        }
        if (v == 0)  // liblz4 (and so `lz4 -d`) refuses an empty block
          return Status(Errc::corrupt_input, "lz4 decompression: empty block in a legacy (lz4 -l) frame");
        need_ = v;
        in_block_ = true;
        if (stage_in_.size() < need_) stage_in_.resize(need_);
      }
      const std::size_t n = std::min(need_ - have_, in.size() - s.in_used);
      std::memcpy(stage_in_.data() + have_, in.data() + s.in_used, n);
      have_ += n;
      s.in_used += n;
      if (have_ < need_) return s;
      // An LZ4 block expands at most ~255x (one length byte per 255 bytes of
      // match), so small blocks need no 8 MiB buffer.
      const std::size_t cap = std::min(kBlockMax, need_ * 256 + 64);
      if (stage_out_.size() < cap) stage_out_.resize(cap);
      const int got = LZ4_decompress_safe(reinterpret_cast<const char*>(stage_in_.data()),
                                          reinterpret_cast<char*>(stage_out_.data()), static_cast<int>(need_),
                                          static_cast<int>(cap));
      if (got < 0) return Status(Errc::corrupt_input, "lz4 decompression: corrupt block in a legacy (lz4 -l) frame");
      out_pos_ = 0;
      out_len_ = static_cast<std::size_t>(got);
      have_ = need_ = 0;
      in_block_ = false;
    }
  }

 private:
  std::uint8_t size_[4] = {};
  std::size_t have_ = 0, need_ = 0;  // bytes of the size field / block gathered, block size
  bool in_block_ = false;
  std::vector<std::uint8_t> stage_in_, stage_out_;
  std::size_t out_pos_ = 0, out_len_ = 0;
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
    magic_have_ = 0;
    legacy_ = false;
    ended_ = false;
    legacy_blocks_.reset();
    return {};
  }

  Result<Step> step(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) override {
    if (magic_have_ < 4) {
      // The frame's first bytes tell frame from legacy format; they are kept
      // until all four are seen (the facade hands the magic over first).
      Step s;
      while (magic_have_ < 4 && s.in_used < in.size()) magic_[magic_have_++] = in[s.in_used++];
      if (magic_have_ < 4) return s;
      legacy_ = magic_[0] == 0x02 && magic_[1] == 0x21 && magic_[2] == 0x4C && magic_[3] == 0x18;
      if (!legacy_) {
        std::size_t src = 4, dst = 0;
        std::size_t rc = LZ4F_decompress(dctx_, nullptr, &dst, magic_, &src, nullptr);
        if (LZ4F_isError(rc)) return lz4_error(rc, "decompression");
      }
      auto r = step(in.subspan(s.in_used), out);
      if (!r) return r;
      r->in_used += s.in_used;
      return r;
    }
    if (legacy_) {
      auto r = legacy_blocks_.step(in, out, next_magic_, ended_);
      if (!r) clean_ = true;  // the LZ4F context was not used
      return r;
    }
    std::size_t src = in.size(), dst = out.size();
    std::size_t rc = LZ4F_decompress(dctx_, out.data(), &dst, in.data(), &src, nullptr);
    if (LZ4F_isError(rc)) return lz4_error(rc, "decompression");
    clean_ = rc == 0;  // frame complete: the context is back at a frame start
    return Step{src, dst, rc == 0};
  }

  bool can_end_here() const override { return legacy_ && magic_have_ == 4 && legacy_blocks_.at_boundary(); }

  std::size_t take_next_magic(std::uint8_t* buf) override {
    if (!ended_) return 0;
    ended_ = false;
    std::memcpy(buf, next_magic_, 4);
    return 4;
  }

 private:
  Recycler mem_;
  LZ4F_dctx* dctx_ = nullptr;
  bool clean_ = true;
  std::uint8_t magic_[4] = {};
  std::size_t magic_have_ = 0;
  bool legacy_ = false, ended_ = false;
  std::uint8_t next_magic_[4] = {};
  Lz4LegacyBlocks legacy_blocks_;
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

// LZ4 frame format: magic (4 bytes), FLG (bit 3: content size present), BD,
// then the content size as 8 little-endian bytes. Legacy frames declare none.
std::optional<std::uint64_t> lz4_declared_size(std::span<const std::uint8_t> in) noexcept {
  if (in.size() < 14 || in[0] != 0x04 || in[1] != 0x22 || in[2] != 0x4d || in[3] != 0x18 || !(in[4] & 0x08))
    return std::nullopt;
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | in[6 + i];
  return n;
}

// LZ4 frame format (lz4_Frame_format.md): magic, FLG (version 01 in bits 7-6,
// block checksum bit 4, content size bit 3, content checksum bit 2, dictionary
// ID bit 0), BD (block maximum size id in bits 6-4), optional 8-byte content
// size and 4-byte dictionary ID, header checksum byte; then blocks, each a
// 4-byte little-endian size (high bit: stored uncompressed) and optional
// 4-byte checksum, ended by a zero size and an optional content checksum.
Result<FrameInfo> lz4_frame_info(std::span<const std::uint8_t> in) {
  const auto truncated = [&](const char* where) {
    return Status(Errc::truncated_input, std::string("lz4 frame: input (") + std::to_string(in.size()) +
                                             " bytes) ends inside " + where);
  };
  if (in.size() < 7) return truncated("the frame header");
  const std::uint8_t flg = in[4], bd = in[5];
  if ((flg >> 6) != 1)
    return Status(Errc::corrupt_input, "lz4 frame header: version " + std::to_string(flg >> 6) + ", expected 1");
  if ((flg & 0x02) || (bd & 0x8F))
    return Status(Errc::corrupt_input, "lz4 frame header: reserved bits set");
  const unsigned block_id = (bd >> 4) & 7;
  if (block_id < 4) return Status(Errc::corrupt_input, "lz4 frame header: invalid block maximum size id " +
                                                          std::to_string(block_id));
  const std::uint64_t block_max = std::uint64_t{1} << (8 + 2 * block_id);  // 64 KiB .. 4 MiB
  std::size_t p = 6;
  FrameInfo f;
  f.codec = Codec::lz4;
  f.window = block_max;
  if (flg & 0x08) {
    if (in.size() < p + 8) return truncated("the frame header");
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | in[p + i];
    f.content_size = n;
    p += 8;
  }
  if (flg & 0x01) p += 4;
  p += 1;  // header checksum
  if (in.size() < p) return truncated("the frame header");
  const std::size_t block_checksum = (flg & 0x10) ? 4 : 0;
  for (;;) {
    if (in.size() - p < 4) return truncated("a block header");
    const std::uint32_t h = std::uint32_t{in[p]} | std::uint32_t{in[p + 1]} << 8 |
                            std::uint32_t{in[p + 2]} << 16 | std::uint32_t{in[p + 3]} << 24;
    p += 4;
    if (h == 0) break;  // end mark
    const std::uint32_t size = h & 0x7FFFFFFFu;
    if (size > block_max)
      return Status(Errc::corrupt_input, "lz4 frame: block of " + std::to_string(size) +
                                             " bytes, more than the block maximum size " + std::to_string(block_max));
    if (in.size() - p < size + block_checksum) return truncated("a block");
    p += size + block_checksum;
  }
  if (flg & 0x04) {
    if (in.size() - p < 4) return truncated("the content checksum");
    p += 4;
  }
  f.length = p;
  return f;
}

std::size_t lz4_bound(std::size_t n) noexcept {
  LZ4F_preferences_t p{};
  p.frameInfo.blockSizeID = block_id_for(n);
  p.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
  p.frameInfo.contentSize = n;
  return LZ4F_compressFrameBound(n, &p);
}

}  // namespace chunker::codec::detail
