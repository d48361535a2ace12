// Embind binding of the NAR stream parser (codecs module): the JS glue pushes
// archive bytes in any slicing and collects the parser's events as plain JS
// objects. Contents bytes are copied into fresh JS Uint8Arrays inside the
// callback, so no view into wasm memory outlives the call.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <string>

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
    Status s = parser_.push(in_span(data, len));
    return s.ok() ? 0 : fail(s);
  }
  int finish() {
    events_ = val::array();
    Status s = parser_.finish();
    return s.ok() ? 0 : fail(s);
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
}
