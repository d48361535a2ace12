// zstd frames via libzstd's streaming API (ZSTD_compressStream2 /
// ZSTD_decompressStream), with dictionaries (ZDICT training).
#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_createCCtx_advanced / customMem
#include <zdict.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <optional>
#include <string>

#include "codec/alloc.hpp"
#include "codec/backend.hpp"

namespace chunker::codec::detail {

namespace {

Status zstd_error(std::size_t rc, const char* what) {
  auto code = ZSTD_getErrorCode(rc);
  std::string msg = std::string("zstd ") + what + ": " + ZSTD_getErrorName(rc);
  switch (code) {
    case ZSTD_error_memory_allocation: return {Errc::out_of_memory, msg};
    case ZSTD_error_prefix_unknown:
    case ZSTD_error_version_unsupported:
    case ZSTD_error_frameParameter_unsupported:
      return {Errc::unsupported_format, msg};
    case ZSTD_error_frameParameter_windowTooLarge:
      // The decoder's window cap follows the output limit (see make_zstd_decoder).
      return {Errc::output_limit, msg + " (the frame's window is larger than max(8 MiB, output limit), at most "
                                        "128 MiB; raise the output limit)"};
    case ZSTD_error_dictionary_wrong:
      // A data error (as `zstd -d` treats it), not a bad argument: the frame
      // names a dictionary that was not given, or a different one.
      return {Errc::corrupt_input, msg + " (the frame needs a dictionary that was not given, or a different one)"};
    case ZSTD_error_parameter_outOfBound:
    case ZSTD_error_parameter_unsupported:
      return {Errc::invalid_argument, msg};
    default: return {Errc::corrupt_input, msg};
  }
}

ZSTD_customMem custom_mem(Recycler* r) { return ZSTD_customMem{&Recycler::c_alloc, &Recycler::c_free, r}; }

class ZstdEncoder final : public EncoderBackend {
 public:
  ~ZstdEncoder() override { ZSTD_freeCCtx(cctx_); }

  Status init(int level, std::span<const std::uint8_t> dict, bool checksum, unsigned threads) {
    // Worker threads allocate too, and the Recycler is single-threaded: the
    // multithreaded mode uses zstd's own malloc/free.
    cctx_ = threads > 1 ? ZSTD_createCCtx() : ZSTD_createCCtx_advanced(custom_mem(&mem_));
    if (!cctx_) return {Errc::out_of_memory, "zstd: cannot allocate a compression context"};
    std::size_t rc = ZSTD_CCtx_setParameter(cctx_, ZSTD_c_compressionLevel, level);
    if (!ZSTD_isError(rc) && threads > 1) {
      const ZSTD_bounds b = ZSTD_cParam_getBounds(ZSTD_c_nbWorkers);
      if (ZSTD_isError(b.error) || b.upperBound < 1)
        return {Errc::invalid_argument, "threads: this build of libzstd has no multithreaded mode"};
      rc = ZSTD_CCtx_setParameter(cctx_, ZSTD_c_nbWorkers, static_cast<int>(std::min<unsigned>(threads, b.upperBound)));
    }
    if (!ZSTD_isError(rc)) rc = ZSTD_CCtx_setParameter(cctx_, ZSTD_c_checksumFlag, checksum ? 1 : 0);
    if (!ZSTD_isError(rc) && !dict.empty()) rc = ZSTD_CCtx_loadDictionary(cctx_, dict.data(), dict.size());
    if (ZSTD_isError(rc)) return zstd_error(rc, "setup");
    return {};
  }

  Status begin(std::size_t size_hint) override {
    // Keeps level and dictionary; drops any unfinished frame.
    ZSTD_CCtx_reset(cctx_, ZSTD_reset_session_only);
    pledged_.reset();
    fed_ = 0;
    ending_ = ended_ = false;
    // One-shot calls pass the exact input size (0 = unknown, streaming): the
    // frame records its content size, as `zstd FILE` does (some decoders need
    // it), and zstd sizes its tables to the input. zstd infers both by itself
    // when the first call ends the frame; pledging also covers a one-shot call
    // whose output span is smaller than the bound and needs several steps.
    if (size_hint) {
      const std::size_t rc = ZSTD_CCtx_setPledgedSrcSize(cctx_, size_hint);
      if (ZSTD_isError(rc)) return zstd_error(rc, "setup");
    }
    return {};
  }

  Status pledge(std::uint64_t size) override {
    const std::size_t rc = ZSTD_CCtx_setPledgedSrcSize(cctx_, size);
    if (ZSTD_isError(rc)) return zstd_error(rc, "setup");
    pledged_ = size;
    return {};
  }

  Result<Step> step(std::span<const std::uint8_t> in, std::span<std::uint8_t> out, bool finish) override {
    if (!pledged_) {
      ZSTD_inBuffer ib{in.data(), in.size(), 0};
      ZSTD_outBuffer ob{out.data(), out.size(), 0};
      const std::size_t rc = ZSTD_compressStream2(cctx_, &ob, &ib, finish ? ZSTD_e_end : ZSTD_e_continue);
      if (ZSTD_isError(rc)) return zstd_error(rc, "compression");
      return Step{ib.pos, ob.pos, finish && rc == 0};
    }
    // A pledged frame (a named file) is fed the way the zstd program feeds
    // it: ZSTD_CStreamInSize() pieces, the frame ended together with the
    // piece that completes the pledged size. Single-threaded zstd's block
    // decisions depend on that, and the README promises zstd's exact bytes.
    Step s;
    while (!ended_) {
      const std::size_t piece = std::min(in.size() - s.in_used, ZSTD_CStreamInSize());
      if (fed_ + piece == *pledged_ || finish) ending_ = true;
      ZSTD_inBuffer ib{in.data() + s.in_used, piece, 0};
      ZSTD_outBuffer ob{out.data() + s.out_used, out.size() - s.out_used, 0};
      const std::size_t rc = ZSTD_compressStream2(cctx_, &ob, &ib, ending_ ? ZSTD_e_end : ZSTD_e_continue);
      if (ZSTD_isError(rc) && ZSTD_getErrorCode(rc) == ZSTD_error_srcSize_wrong)
        return Status(Errc::io_error, "zstd compression: the input's size differs from the size pledged for the "
                                      "frame header (did the file change while it was read?)");
      if (ZSTD_isError(rc)) return zstd_error(rc, "compression");
      s.in_used += ib.pos;
      s.out_used += ob.pos;
      fed_ += ib.pos;
      if (ending_ && rc == 0 && ib.pos == piece) ended_ = true;
      if (s.out_used == out.size() || (s.in_used == in.size() && !ending_)) break;
      if (ib.pos == 0 && ob.pos == 0) break;
    }
    if (ended_ && s.in_used < in.size())
      return Status(Errc::io_error, "zstd compression: the input is longer than the size pledged for the frame "
                                    "header (did the file change while it was read?)");
    s.done = finish && ended_;
    return s;
  }

 private:
  Recycler mem_;
  ZSTD_CCtx* cctx_ = nullptr;
  std::optional<std::uint64_t> pledged_;
  std::uint64_t fed_ = 0;      // input bytes of the pledged frame given to zstd
  bool ending_ = false;        // ZSTD_e_end issued (kept until the frame is flushed)
  bool ended_ = false;         // frame complete: further input is an error
};

class ZstdDecoder final : public DecoderBackend {
 public:
  ~ZstdDecoder() override { ZSTD_freeDCtx(dctx_); }

  Status init(std::span<const std::uint8_t> dict) {
    dctx_ = ZSTD_createDCtx_advanced(custom_mem(&mem_));
    if (!dctx_) return {Errc::out_of_memory, "zstd: cannot allocate a decompression context"};
    std::size_t rc = 0;
    if (!dict.empty()) rc = ZSTD_DCtx_loadDictionary(dctx_, dict.data(), dict.size());
    if (ZSTD_isError(rc)) return zstd_error(rc, "setup");
    return {};
  }

  Status begin(std::uint64_t output_limit) override {
    ZSTD_DCtx_reset(dctx_, ZSTD_reset_session_only);
    // The window is the decoder's big allocation, and a frame header alone can
    // ask for 128 MiB. A frame never needs a window larger than its output, so
    // cap it at the output limit; but not below 8 MiB (zstd -19's window), so
    // that frames from every standard level decode under a small limit.
    int log = 23;
    while (log < 27 && (std::uint64_t{1} << log) < output_limit) ++log;
    std::size_t rc = ZSTD_DCtx_setParameter(dctx_, ZSTD_d_windowLogMax, log);
    if (ZSTD_isError(rc)) return zstd_error(rc, "setup");
    header_len_ = 0;
    header_known_ = false;
    content_size_ = ZSTD_CONTENTSIZE_UNKNOWN;
    produced_ = 0;
    limit_ = output_limit;
    return {};
  }

  Result<Step> step(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) override {
    // A frame that declares more content than the limit allows fails before
    // any decoding, as output_limit. Without this, how it fails would depend
    // on the caller's buffer: libzstd decodes straight into an output span at
    // least as large as the declared size, and a frame that holds more than
    // it declares then fails as "destination too small" (corrupt) there, but
    // as output_limit when streamed through smaller spans.
    if (!header_known_ && declared_beyond_limit(in))
      return fail({Errc::output_limit, "zstd decompression: the frame declares " + std::to_string(content_size_) +
                                           " bytes of content, more than the output limit allows (" +
                                           std::to_string(limit_) + " more bytes)"});
    ZSTD_inBuffer ib{in.data(), in.size(), 0};
    ZSTD_outBuffer ob{out.data(), out.size(), 0};
    std::size_t rc = ZSTD_decompressStream(dctx_, &ob, &ib);
    if (ZSTD_isError(rc)) return fail(zstd_error(rc, "decompression"));
    if (!header_known_) note_header(in.first(ib.pos));
    produced_ += ob.pos;
    // libzstd (1.5.4 at least) does not hold every frame to the content size
    // its header declares; `zstd -d` does, and so do we: too much output fails
    // as soon as it appears, too little at the end of the frame.
    if (content_size_ != ZSTD_CONTENTSIZE_UNKNOWN && (produced_ > content_size_ || (rc == 0 && produced_ != content_size_)))
      return fail({Errc::corrupt_input, "zstd decompression: the frame's header declares " +
                                            std::to_string(content_size_) + " bytes of content but it holds " +
                                            (produced_ > content_size_ ? "more" : std::to_string(produced_))});
    return Step{ib.pos, ob.pos, rc == 0};
  }

 private:
  Status fail(Status s) {
    ZSTD_DCtx_reset(dctx_, ZSTD_reset_session_only);
    return s;
  }

  // Collects the consumed bytes of the frame header until it parses, then
  // keeps the declared content size (skippable frames declare none).
  void note_header(std::span<const std::uint8_t> consumed) {
    const std::size_t n = std::min(consumed.size(), sizeof header_ - header_len_);
    std::copy_n(consumed.data(), n, header_ + header_len_);
    header_len_ += n;
    ZSTD_frameHeader h;
    const std::size_t rc = ZSTD_getFrameHeader(&h, header_, header_len_);
    if (rc != 0 && !(ZSTD_isError(rc) || header_len_ == sizeof header_)) return;  // needs more bytes
    header_known_ = true;
    if (rc == 0 && h.frameType == ZSTD_frame) content_size_ = h.frameContentSize;
  }

  // Peeks at the header (bytes consumed so far + `in`, nothing recorded).
  bool declared_beyond_limit(std::span<const std::uint8_t> in) {
    std::uint8_t h[ZSTD_FRAMEHEADERSIZE_MAX];
    std::copy_n(header_, header_len_, h);
    const std::size_t n = std::min(in.size(), sizeof h - header_len_);
    std::copy_n(in.data(), n, h + header_len_);
    ZSTD_frameHeader fh;
    if (ZSTD_getFrameHeader(&fh, h, header_len_ + n) != 0 || fh.frameType != ZSTD_frame) return false;
    if (fh.frameContentSize == ZSTD_CONTENTSIZE_UNKNOWN || fh.frameContentSize <= limit_) return false;
    content_size_ = fh.frameContentSize;
    return true;
  }

  std::uint8_t header_[ZSTD_FRAMEHEADERSIZE_MAX] = {};
  std::size_t header_len_ = 0;
  bool header_known_ = false;
  unsigned long long content_size_ = ZSTD_CONTENTSIZE_UNKNOWN;
  std::uint64_t produced_ = 0;
  std::uint64_t limit_ = 0;  // most this frame may produce
  Recycler mem_;
  ZSTD_DCtx* dctx_ = nullptr;
};

}  // namespace

Result<std::unique_ptr<EncoderBackend>> make_zstd_encoder(int level, std::span<const std::uint8_t> dict,
                                                          bool checksum, unsigned threads) {
  auto e = std::make_unique<ZstdEncoder>();
  CHUNKER_TRY(e->init(level, dict, checksum, threads));
  return std::unique_ptr<EncoderBackend>(std::move(e));
}

Result<std::unique_ptr<DecoderBackend>> make_zstd_decoder(std::span<const std::uint8_t> dict) {
  auto d = std::make_unique<ZstdDecoder>();
  CHUNKER_TRY(d->init(dict));
  return std::unique_ptr<DecoderBackend>(std::move(d));
}

std::optional<std::uint64_t> zstd_declared_size(std::span<const std::uint8_t> in) noexcept {
  const unsigned long long n = ZSTD_findDecompressedSize(in.data(), in.size());
  if (n == ZSTD_CONTENTSIZE_UNKNOWN || n == ZSTD_CONTENTSIZE_ERROR) return std::nullopt;
  return n;
}

Result<FrameInfo> zstd_frame_info(std::span<const std::uint8_t> in) {
  FrameInfo f;
  f.codec = Codec::zstd;
  ZSTD_frameHeader h{};
  const std::size_t r = ZSTD_getFrameHeader(&h, in.data(), in.size());
  if (ZSTD_isError(r))
    return Status(Errc::corrupt_input, std::string("zstd frame header: ") + ZSTD_getErrorName(r));
  if (r > 0)
    return Status(Errc::truncated_input, "zstd frame header: needs " + std::to_string(r) + " bytes, input has " +
                                             std::to_string(in.size()));
  // Walks the block headers (or reads a skippable frame's length) without decoding.
  const std::size_t n = ZSTD_findFrameCompressedSize(in.data(), in.size());
  if (ZSTD_isError(n)) {
    const bool cut = ZSTD_getErrorCode(n) == ZSTD_error_srcSize_wrong;
    return Status(cut ? Errc::truncated_input : Errc::corrupt_input,
                  std::string("zstd frame: ") + (cut ? "input ends before the frame's last block (" : "") +
                      ZSTD_getErrorName(n) + (cut ? ")" : ""));
  }
  f.length = n;
  if (h.frameType == ZSTD_skippableFrame) {
    f.content_size = 0;  // decodes to nothing; its header field is the skipped length
    return f;
  }
  f.window = h.windowSize;
  if (h.frameContentSize != ZSTD_CONTENTSIZE_UNKNOWN) f.content_size = h.frameContentSize;
  return f;
}

std::size_t zstd_bound(std::size_t n) noexcept { return ZSTD_compressBound(n); }
int zstd_min_level() noexcept { return ZSTD_minCLevel(); }
int zstd_max_level() noexcept { return ZSTD_maxCLevel(); }

}  // namespace chunker::codec::detail

namespace chunker::codec {

Result<std::vector<std::uint8_t>> train_dictionary(std::span<const std::uint8_t> samples,
                                                   std::span<const std::size_t> sample_sizes,
                                                   std::size_t capacity) {
  std::size_t total = 0;
  for (auto s : sample_sizes) total += s;
  if (total != samples.size())
    return Status(Errc::invalid_argument, "train_dictionary: sample sizes add up to " + std::to_string(total) +
                                              " but " + std::to_string(samples.size()) + " bytes were given");
  if (sample_sizes.size() > 0xFFFFFFFFu)
    return Status(Errc::invalid_argument, "train_dictionary: too many samples");
  if (capacity < 256) return Status(Errc::invalid_argument, "train_dictionary: capacity must be at least 256");
  std::vector<std::uint8_t> dict(capacity);
  std::size_t rc = ZDICT_trainFromBuffer(dict.data(), dict.size(), samples.data(), sample_sizes.data(),
                                         static_cast<unsigned>(sample_sizes.size()));
  if (ZDICT_isError(rc))
    return Status(Errc::invalid_argument,
                  std::string("zstd dictionary training failed: ") + ZDICT_getErrorName(rc) +
                      " (needs more, and more varied, samples)");
  dict.resize(rc);
  return dict;
}

}  // namespace chunker::codec
