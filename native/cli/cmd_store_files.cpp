// chunker store put / get.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "args.hpp"
#include "chunker/store.hpp"
#include "cmd_store.hpp"
#include "codec_io.hpp"
#include "file_walk.hpp"

namespace chunker::cli {

int run_store_put(int argc, char** argv) {
  std::string name;
  unsigned threads = 0;
  bool quiet = false;
  ArgParser ap("store put", "DIR PATH... [options]",
               "Stores files; a directory PATH stores every regular file below it (symlinks skipped).\n"
               "A file's stored name is its path as given, normalised ('./' and repeated '/' dropped,\n"
               "a leading '/' removed); '..' is refused. --name NAME stores a single file PATH as NAME,\n"
               "or a directory PATH's files under NAME/. Storing an existing name replaces it.");
  ap.option("--name", "NAME", "stored name (one PATH only)", &name);
  ap.threads_option(&threads, "threads for chunking, hashing and compression (0 = all cores, the default)");
  ap.flag("--quiet", &quiet, "print nothing on success");
  std::vector<std::string> pos;
  if (auto rc = ap.parse_or_exit(argc, argv, pos)) return *rc;
  if (pos.size() < 2) return ap.usage_error("expected DIR and at least one PATH");
  std::vector<std::string> paths(pos.begin() + 1, pos.end());
  if (!name.empty() && paths.size() != 1) return ap.usage_error("--name needs exactly one PATH");
  if (!name.empty()) {
    if (Status s = store::validate_name(name); !s.ok()) return ap.usage_error(s.message());
  }
  auto st = store::Store::open(pos[0]);
  if (!st) return report(st.status());

  WalkResult walk = walk_paths(paths, false);
  int rc = kExitOk;
  for (const auto& e : walk.errors) {
    std::fprintf(stderr, "chunker store put: %s\n", e.c_str());
    rc = kExitFailure;
  }
  std::uint64_t files = 0, bytes = 0, new_chunks = 0, new_bytes = 0;
  for (const auto& f : walk.files) {
    Result<std::string> stored = name.empty()       ? store::normalize_name(f.path)
                                 : f.relative.empty() ? Result<std::string>(name)
                                                      : Result<std::string>(name + "/" + f.relative);
    if (stored) {
      if (Status s = store::validate_name(*stored); !s.ok()) stored = s;
    }
    if (!stored) {
      std::fprintf(stderr, "chunker store put: %s: %s\n", f.path.c_str(), stored.status().message().c_str());
      rc = kExitFailure;
      continue;
    }
    auto r = st->put(*stored, f.path, threads);
    if (!r) {
      std::fprintf(stderr, "chunker store put: %s\n", r.status().message().c_str());
      rc = kExitFailure;
      continue;
    }
    ++files;
    bytes += r->size;
    new_chunks += r->new_chunks;
    new_bytes += r->new_bytes;
    if (!quiet)
      std::printf("stored %s: %llu bytes, %llu chunks (%llu new, %llu bytes written)\n", r->name.c_str(),
                  static_cast<unsigned long long>(r->size), static_cast<unsigned long long>(r->chunks),
                  static_cast<unsigned long long>(r->new_chunks), static_cast<unsigned long long>(r->new_bytes));
  }
  if (!quiet && files > 1)
    std::printf("total: %llu files, %llu bytes, %llu new chunks, %llu bytes written\n",
                static_cast<unsigned long long>(files), static_cast<unsigned long long>(bytes),
                static_cast<unsigned long long>(new_chunks), static_cast<unsigned long long>(new_bytes));
  if (walk.skipped_symlinks || walk.skipped_other)
    std::fprintf(stderr, "chunker store put: skipped %llu symlinks and %llu other non-regular files\n",
                 static_cast<unsigned long long>(walk.skipped_symlinks),
                 static_cast<unsigned long long>(walk.skipped_other));
  if (std::fflush(stdout) != 0) return report(Status(Errc::io_error, "write error on standard output"));
  return rc;
}

int run_store_get(int argc, char** argv) {
  std::string out_path = "-";
  ArgParser ap("store get", "DIR NAME [-o OUT|-]",
               "Restores the file stored as NAME, byte-exact. Every chunk is decompressed with the\n"
               "store's max chunk size as the output limit and checked against its BLAKE3 name, and the\n"
               "whole file against the manifest's BLAKE3. OUT is written to a temporary file beside it and\n"
               "renamed into place only after that check, so a failed restore (exit 1) leaves OUT as it was.");
  ap.option("--output", "OUT", "output file ('-' = standard output, the default)", &out_path);
  ap.alias("-o", "--output");
  std::vector<std::string> pos;
  if (auto rc = ap.parse_or_exit(argc, argv, pos)) return *rc;
  if (pos.size() != 2) return ap.usage_error("expected DIR and NAME");
  auto st = store::Store::open(pos[0]);
  if (!st) return report(st.status());
  // Check the name and manifest before creating OUT.
  if (auto m = st->read_manifest(pos[1]); !m) return report(m.status());
  // A named OUT is written beside itself and renamed into place only once the
  // whole file has been verified: a failed restore never clobbers an existing OUT.
  const bool named = out_path != "-";
  const std::string tmp_path = named ? out_path + ".chunker-get-" + std::to_string(::getpid()) : out_path;
  auto out = OutputFile::open(tmp_path);
  if (!out) return report(out.status());
  Status s = st->get(pos[1], [&](std::span<const std::uint8_t> b) { return out->write(b); });
  if (s.ok()) s = out->close();
  if (s.ok() && named && ::rename(tmp_path.c_str(), out_path.c_str()) != 0)
    s = Status(Errc::io_error, out_path + ": rename: " + std::strerror(errno));
  if (!s.ok()) {
    out->discard();
    if (named) ::unlink(tmp_path.c_str());
    return report(s);
  }
  return kExitOk;
}

}  // namespace chunker::cli
