// Embind bindings of the NAR stream parser and writer (codecs module).
// Reader: the JS glue pushes archive bytes in any slicing and collects the
// parser's events as plain JS objects. Contents bytes are copied into fresh
// JS Uint8Arrays inside the callback, so no view into wasm memory outlives the
// call. Writer: core nar::Writer (the same canonical bytes as native `chunker
// nar dump` / `nix-store --dump`); what each call emitted is read back by the
// glue through outPtr()/outLen() and then dropped with clearOut().
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <string>
#include <vector>

#include "bind_common.hpp"
#include "chunker/nar.hpp"

namespace chunker::wasm {
namespace {

using emscripten::val;

class NarReaderJs : public nar::Visitor {
 public:
  NarReaderJs() : events_(val::array()), parser_(*this) {}

  // 0 or -Errc; the events found are then in events().
  int push(std::uintptr_t data, std::size_t len) {
    events_ = val::array();
    return status_js(parser_.push(in_span(data, len)));
  }
  int finish() {
    events_ = val::array();
    return status_js(parser_.finish());
  }
  val events() const { return events_; }

  Status on_node(const nar::Node& n) override {
    val o = val::object();
    o.set("kind", std::string("node"));
    o.set("path", std::string(n.path));
    o.set("type", std::string(nar::node_type_name(n.type)));
    if (n.type == nar::NodeType::regular) {
      o.set("executable", n.executable);
      o.set("size", static_cast<double>(n.size));
    } else if (n.type == nar::NodeType::symlink) {
      o.set("target", std::string(n.target));
    }
    events_.call<void>("push", o);
    return {};
  }
  Status on_data(std::span<const std::uint8_t> d) override {
    val o = val::object();
    o.set("kind", std::string("data"));
    o.set("bytes", val::global("Uint8Array").new_(emscripten::typed_memory_view(d.size(), d.data())));
    events_.call<void>("push", o);
    return {};
  }
  Status on_node_end(const nar::Node& n, std::uint64_t) override {
    val o = val::object();
    o.set("kind", std::string("end"));
    o.set("path", std::string(n.path));
    events_.call<void>("push", o);
    return {};
  }

 private:
  val events_;
  nar::Parser parser_;
};

class NarWriterJs {
 public:
  NarWriterJs()
      : w_([this](std::span<const std::uint8_t> b) {
          out_.insert(out_.end(), b.begin(), b.end());
          return Status{};
        }) {}

  // Each returns 0 or -Errc (message in lastError()).
  int beginDirectory() { return status_js(w_.begin_directory()); }
  int beginEntry(std::string name) { return status_js(w_.begin_entry(name)); }
  int endEntry() { return status_js(w_.end_entry()); }
  int endDirectory() { return status_js(w_.end_directory()); }
  int beginRegular(bool executable, double size) {
    if (!(size >= 0) || size > 9007199254740991.0) return fail({Errc::invalid_argument, "nar: bad file size"});
    return status_js(w_.begin_regular(executable, static_cast<std::uint64_t>(size)));
  }
  int write(std::uintptr_t data, std::size_t len) { return status_js(w_.write(in_span(data, len))); }
  int endRegular() { return status_js(w_.end_regular()); }
  int symlink(std::string target) { return status_js(w_.symlink(target)); }
  int finish() { return status_js(w_.finish()); }

  std::uintptr_t outPtr() const { return reinterpret_cast<std::uintptr_t>(out_.data()); }
  double outLen() const { return static_cast<double>(out_.size()); }
  void clearOut() {
    out_.clear();
    if (out_.capacity() > (4u << 20)) out_.shrink_to_fit();
  }
  double offset() const { return static_cast<double>(w_.offset()); }

 private:
  std::vector<std::uint8_t> out_;
  nar::Writer w_;
};

}  // namespace
}  // namespace chunker::wasm

EMSCRIPTEN_BINDINGS(chunker_nar) {
  using namespace emscripten;
  using namespace chunker::wasm;
  class_<NarReaderJs>("NarReader")
      .constructor<>()
      .function("push", &NarReaderJs::push)
      .function("finish", &NarReaderJs::finish)
      .function("events", &NarReaderJs::events);
  class_<NarWriterJs>("NarWriter")
      .constructor<>()
      .function("beginDirectory", &NarWriterJs::beginDirectory)
      .function("beginEntry", &NarWriterJs::beginEntry)
      .function("endEntry", &NarWriterJs::endEntry)
      .function("endDirectory", &NarWriterJs::endDirectory)
      .function("beginRegular", &NarWriterJs::beginRegular)
      .function("write", &NarWriterJs::write)
      .function("endRegular", &NarWriterJs::endRegular)
      .function("symlink", &NarWriterJs::symlink)
      .function("finish", &NarWriterJs::finish)
      .function("outPtr", &NarWriterJs::outPtr)
      .function("outLen", &NarWriterJs::outLen)
      .function("clearOut", &NarWriterJs::clearOut)
      .function("offset", &NarWriterJs::offset);
}
