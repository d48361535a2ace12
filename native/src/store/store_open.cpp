// Store::init and Store::open.
#include <sys/stat.h>

#include <vector>

#include "chunker/store.hpp"
#include "fs_util.hpp"
#include "markers.hpp"

namespace chunker::store {

Result<Store> Store::init(const std::string& dir, const fastcdc::Params& chunking, std::uint64_t pack_size) {
  CHUNKER_TRY(fastcdc::validate(chunking));
  if (pack_size < (1u << 20) || pack_size > kMaxPackBytes)
    return Status(Errc::invalid_argument, "pack size must be between 1 MiB and 1 GiB");
  StoreConfig cfg;
  cfg.chunking = chunking;
  cfg.id = markers::new_id();
  cfg.pack_size = pack_size;
  bool created = false;
  CHUNKER_TRY(fs::make_dir(dir, &created));
  if (fs::exists(dir + "/store.json")) return Status(Errc::invalid_argument, dir + ": already a chunk store (store.json exists)");
  for (const char* sub : {"packs", "index", "manifests", "leases", "gc", "tmp"}) CHUNKER_TRY(fs::make_dir(dir + "/" + sub));
  std::string doc = store_json(cfg);
  // store.json last: a directory without it is not (yet) a store.
  CHUNKER_TRY(fs::write_atomic(dir + "/tmp", dir + "/store.json",
                               {reinterpret_cast<const std::uint8_t*>(doc.data()), doc.size()}));
  CHUNKER_TRY(fs::fsync_dir(dir));
  if (created) {
    auto slash = dir.find_last_of('/');
    std::string parent = slash == std::string::npos ? "." : slash == 0 ? "/" : dir.substr(0, slash);
    CHUNKER_TRY(fs::fsync_dir(parent));
  }
  return Store(dir, cfg);
}

Result<Store> Store::open(const std::string& dir) {
  std::string text;
  Status s = fs::read_text(dir + "/store.json", kMaxStoreJsonBytes, text);
  if (!s.ok()) {
    if (!fs::exists(dir + "/store.json"))
      return Status(Errc::io_error, dir + ": not a chunk store (no store.json; run 'chunker store init " + dir + "')");
    return s;
  }
  auto p = parse_store_json(text);
  if (!p) return Status(p.status().code(), dir + "/" + p.status().message());
  std::vector<const char*> subs = {"manifests", "tmp"};
  if (p->version == 1) subs.push_back("chunks");
  else subs.insert(subs.end(), {"packs", "index"});
  for (const char* sub : subs) {
    struct stat st {};
    std::string path = dir + "/" + sub;
    if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
      return Status(Errc::corrupt_input, path + ": missing directory (not a complete chunk store)");
  }
  return Store(dir, *p);
}

}  // namespace chunker::store
