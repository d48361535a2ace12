// C ABI: chunking (buffer, fd, path, stream) through ChunkPipeline,
// read_input and PushChunker; this file only converts records and statuses.
#include <atomic>
#include <cstring>
#include <string>
#include <vector>

#include "capi.hpp"
#include "chunker/file.hpp"
#include "chunker/input.hpp"

using namespace chunker;
using namespace chunker::capi;

struct chunker_stream {
  static constexpr std::uint32_t kMagic = 0x43535452;  // "CSTR"
  static constexpr const char* kName = "chunker_stream";
  HandleHeader hdr;
  PushChunker pc;
  HashAlgo algo;
  std::vector<HashedChunk> tmp;  // the collecting forms' records, reused
  chunker_stream(PushChunker p, HashAlgo a) : pc(std::move(p)), algo(a) {}
};

namespace {

// Passes each chunk to the C callback until it asks to stop; then raises the
// pipeline's cancel flag and drops the rest (a threaded run may still have
// a few chunks in flight).
struct CallbackSink {
  chunker_chunk_fn fn;
  void* ctx;
  HashAlgo algo;
  std::atomic<bool>* cancel = nullptr;
  bool stopped = false;  // the pipeline never calls the sink concurrently
  void operator()(const HashedChunk& c, std::span<const std::uint8_t> bytes) {
    if (stopped) return;
    chunker_chunk r;
    to_c_chunk(c, algo, r);
    if (fn(ctx, &r, bytes.data()) != 0) {
      stopped = true;
      if (cancel) cancel->store(true, std::memory_order_relaxed);
    }
  }
};

struct CollectSink {
  HashAlgo algo;
  std::vector<chunker_chunk> out;
  void operator()(const HashedChunk& c, std::span<const std::uint8_t>) {
    out.emplace_back();
    to_c_chunk(c, algo, out.back());
  }
};

chunker_status cancelled(const char* fn) { return failf(Errc::cancelled, fn, "the callback returned non-zero"); }

chunker_status to_buffer(const std::vector<chunker_chunk>& v, chunker_buffer* out, const char* fn) {
  return copy_to_buffer(v.data(), v.size() * sizeof(chunker_chunk), out, fn);
}

// The three inputs, each through one freshly created pipeline.
enum class Source { buffer, fd, path };
struct Input {
  Source kind;
  const std::uint8_t* data = nullptr;
  std::size_t len = 0;
  int fd = -1;
  const char* path = nullptr;
};

template <class Sink>
chunker_status run(const char* fn, const Input& in, const chunker_options* o, Sink& sink, std::atomic<bool>* cancel) {
  PipelineOptions po;
  if (chunker_status st = to_pipeline_options(o, po, fn)) return st;
  po.cancel = cancel;
  sink.algo = po.hash;
  auto pl = ChunkPipeline::create(po);
  if (!pl) return from(pl.status());
  auto forward = [&](const HashedChunk& c, std::span<const std::uint8_t> b) { sink(c, b); };
  const HashedChunkSink hs(forward);  // refers to `forward`: it must outlive every use of hs
  if (in.kind == Source::buffer) return from(pl->run({in.data, in.len}, hs));
  auto file = in.kind == Source::fd ? InputFile::open_fd(in.fd, "fd " + std::to_string(in.fd))
                                    // InputFile reads "-" as stdin; here it is a file name.
                                    : InputFile::open(std::strcmp(in.path, "-") == 0 ? "./-" : in.path);
  if (!file) return from(file.status());
  auto rep = read_input(*pl, *file, hs);
  return rep ? CHUNKER_OK : from(rep.status());
}

chunker_status check_input(const char* fn, const Input& in) {
  if (in.kind == Source::buffer && in.data == nullptr && in.len != 0) return null_arg(fn, "data");
  if (in.kind == Source::path && in.path == nullptr) return null_arg(fn, "path");
  if (in.kind == Source::fd && in.fd < 0) return failf(Errc::invalid_argument, fn, "fd %d is negative", in.fd);
  return CHUNKER_OK;
}

chunker_status with_callback(const char* fn, const Input& in, const chunker_options* o, chunker_chunk_fn cb,
                             void* ctx) {
  return guard(fn, [&]() -> chunker_status {
    if (chunker_status st = check_input(fn, in)) return st;
    if (cb == nullptr) return null_arg(fn, "fn");
    std::atomic<bool> cancel{false};
    CallbackSink sink{cb, ctx, HashAlgo::none, &cancel};
    chunker_status st = run(fn, in, o, sink, &cancel);
    return sink.stopped ? cancelled(fn) : st;
  });
}

chunker_status collecting(const char* fn, const Input& in, const chunker_options* o, chunker_buffer* chunks) {
  return guard(fn, [&]() -> chunker_status {
    if (chunker_status st = clear_buffer(fn, "chunks", chunks)) return st;
    if (chunker_status st = check_input(fn, in)) return st;
    CollectSink sink{HashAlgo::none, {}};
    if (chunker_status st = run(fn, in, o, sink, nullptr)) return st;
    return to_buffer(sink.out, chunks, fn);
  });
}

// The collecting forms: `step` pushes or finishes into h.tmp; the records go to
// *chunks.
template <class Step>
chunker_status collect_stream(const char* name, chunker_stream* s, chunker_buffer* chunks, Step&& step) {
  return guard(name, [&]() -> chunker_status {
    if (chunker_status st = clear_buffer(name, "chunks", chunks)) return st;
    if (chunker_status st = check_handle(s, name)) return st;
    if (chunker_status st = step(*s)) return st;
    CollectSink sink{s->algo, {}};
    sink.out.reserve(s->tmp.size());
    for (const auto& c : s->tmp) sink(c, {});
    return to_buffer(sink.out, chunks, name);
  });
}

}  // namespace

extern "C" {

chunker_status chunker_chunk_buffer(const uint8_t* data, size_t len, const chunker_options* opts, chunker_chunk_fn fn,
                                    void* ctx) {
  return with_callback("chunker_chunk_buffer", {Source::buffer, data, len}, opts, fn, ctx);
}

chunker_status chunker_chunk_fd(int fd, const chunker_options* opts, chunker_chunk_fn fn, void* ctx) {
  return with_callback("chunker_chunk_fd", {Source::fd, nullptr, 0, fd}, opts, fn, ctx);
}

chunker_status chunker_chunk_file(const char* path, const chunker_options* opts, chunker_chunk_fn fn, void* ctx) {
  return with_callback("chunker_chunk_file", {Source::path, nullptr, 0, -1, path}, opts, fn, ctx);
}

chunker_status chunker_chunk_buffer_collect(const uint8_t* data, size_t len, const chunker_options* opts,
                                            chunker_buffer* chunks) {
  return collecting("chunker_chunk_buffer_collect", {Source::buffer, data, len}, opts, chunks);
}

chunker_status chunker_chunk_fd_collect(int fd, const chunker_options* opts, chunker_buffer* chunks) {
  return collecting("chunker_chunk_fd_collect", {Source::fd, nullptr, 0, fd}, opts, chunks);
}

chunker_status chunker_chunk_file_collect(const char* path, const chunker_options* opts, chunker_buffer* chunks) {
  return collecting("chunker_chunk_file_collect", {Source::path, nullptr, 0, -1, path}, opts, chunks);
}

chunker_status chunker_stream_new(const chunker_options* opts, chunker_stream** out) {
  constexpr const char* fn = "chunker_stream_new";
  return guard(fn, [&]() -> chunker_status {
    if (chunker_status st = clear_out(fn, out)) return st;
    PipelineOptions po;
    if (chunker_status st = to_pipeline_options(opts, po, fn)) return st;
    auto pc = PushChunker::create(po.params, po.hash, po.threads);
    if (!pc) return from(pc.status());
    return new_handle(out, std::move(*pc), po.hash);
  });
}

chunker_status chunker_stream_push(chunker_stream* s, const uint8_t* data, size_t len, chunker_chunk_fn fn, void* ctx) {
  constexpr const char* name = "chunker_stream_push";
  return on_handle(name, s, [&](chunker_stream& h) {
    if (chunker_status st = check_span(name, "data", data, len)) return st;
    if (fn == nullptr) return null_arg(name, "fn");
    CallbackSink sink{fn, ctx, h.algo};
    h.pc.push({data, len}, [&](const HashedChunk& c, std::span<const std::uint8_t> b) { sink(c, b); });
    if (!sink.stopped) return CHUNKER_OK;
    h.pc.reset();
    return cancelled(name);
  });
}

chunker_status chunker_stream_finish(chunker_stream* s, chunker_chunk_fn fn, void* ctx) {
  constexpr const char* name = "chunker_stream_finish";
  return on_handle(name, s, [&](chunker_stream& h) {
    if (fn == nullptr) return null_arg(name, "fn");
    CallbackSink sink{fn, ctx, h.algo};
    h.pc.finish([&](const HashedChunk& c, std::span<const std::uint8_t> b) { sink(c, b); });
    return sink.stopped ? cancelled(name) : CHUNKER_OK;  // finish() reset the stream either way
  });
}

chunker_status chunker_stream_push_collect(chunker_stream* s, const uint8_t* data, size_t len, chunker_buffer* chunks) {
  constexpr const char* name = "chunker_stream_push_collect";
  return collect_stream(name, s, chunks, [&](chunker_stream& h) {
    if (chunker_status st = check_span(name, "data", data, len)) return st;
    h.pc.push({data, len}, h.tmp);
    return CHUNKER_OK;
  });
}

chunker_status chunker_stream_finish_collect(chunker_stream* s, chunker_buffer* chunks) {
  return collect_stream("chunker_stream_finish_collect", s, chunks, [](chunker_stream& h) {
    h.pc.finish(h.tmp);
    return CHUNKER_OK;
  });
}

void chunker_stream_free(chunker_stream* s) { free_handle(s); }

}  // extern "C"
