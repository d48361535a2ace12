// Store::init and Store::open.
#include <vector>

#include "backend.hpp"
#include "chunker/store.hpp"
#include "format.hpp"
#include "markers.hpp"

namespace chunker::store {
namespace {

std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

Result<Store> Store::init(const std::string& dir, const fastcdc::Params& chunking, std::uint64_t pack_size) {
  CHUNKER_TRY(fastcdc::validate(chunking));
  if (pack_size < (1u << 20) || pack_size > kMaxPackBytes)
    return Status(Errc::invalid_argument, "pack size must be between 1 MiB and 1 GiB");
  auto b = open_backend(dir);
  if (!b) return b.status();
  Backend& be = **b;
  StoreConfig cfg;
  cfg.chunking = chunking;
  cfg.id = markers::new_id();
  cfg.pack_size = pack_size;
  const std::string already = be.describe() + ": already a chunk store (store.json exists)";
  auto st = be.stat("store.json");
  if (!st) return st.status();
  if (*st) return Status(Errc::io_error, already);
  SyncSet pending;
  CHUNKER_TRY(be.prepare_root(pending));
  // store.json last (create-only): a location without it is not (yet) a store.
  auto created = be.create("store.json", bytes_of(store_json(cfg)), pending);
  if (!created) return created.status();
  if (!*created) return Status(Errc::io_error, already);
  CHUNKER_TRY(be.sync(pending));
  return Store(dir, std::move(*b), cfg);
}

Result<Store> Store::open(const std::string& dir) {
  auto b = open_backend(dir);
  if (!b) return b.status();
  Backend& be = **b;
  std::vector<std::uint8_t> text;
  auto got = be.read("store.json", kMaxStoreJsonBytes, text);
  if (!got) return got.status();
  if (!*got) return Status(Errc::io_error, be.describe() + ": not a chunk store (no store.json; run 'chunker store init " + dir + "')");
  auto p = parse_store_json({reinterpret_cast<const char*>(text.data()), text.size()});
  if (!p) return Status(p.status().code(), be.describe() + "/" + p.status().message());
  if (p->version < 2 && !be.local())
    return Status(Errc::unsupported_format, be.describe() + ": a version-1 store; version 1 is supported in a local directory only");
  std::vector<const char*> subs = {"manifests", "tmp"};
  if (p->version == 1) subs.push_back("chunks");
  else subs.insert(subs.end(), {"packs", "index"});
  CHUNKER_TRY(be.check_root(subs));
  return Store(dir, std::move(*b), *p);
}

}  // namespace chunker::store
