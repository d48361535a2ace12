// chunker store put / get.
#include <dirent.h>
#include <signal.h>
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

namespace {

constexpr const char* kGetTmp = ".chunker-get-";

// Temporaries "OUT.chunker-get-<pid>" of earlier gets into OUT whose process
// no longer runs (killed): nobody else will ever remove them.
void remove_stale_temps(const std::string& out_path) {
  const auto slash = out_path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : out_path.substr(0, slash);
  const std::string prefix = (slash == std::string::npos ? out_path : out_path.substr(slash + 1)) + kGetTmp;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string pid_s = n.substr(prefix.size());
    if (pid_s.empty() || pid_s.find_first_not_of("0123456789") != std::string::npos || pid_s.size() > 9) continue;
    const long pid = std::stol(pid_s);
    if (pid > 0 && pid != ::getpid() && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
      ::unlink((dir + "/" + n).c_str());
  }
  ::closedir(d);
}

bool has_dotdot(const std::string& path) {
  std::size_t i = 0;
  while (i <= path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (path.compare(i, j - i, "..") == 0 && j - i == 2) return true;
    i = j + 1;
  }
  return false;
}

}  // namespace

int run_store_put(int argc, char** argv) {
  std::string name;
  unsigned threads = 0;
  bool quiet = false, no_cache = false;
  ArgParser ap("store put", "DIR PATH... [options]",
               "Stores files; a directory PATH stores every regular file below it (symlinks skipped).\n"
               "A file's stored name is its path as given, normalised ('./' and repeated '/' dropped,\n"
               "a leading '/' removed); a PATH with a '..' component is a usage error (exit 2), as is an\n"
               "invalid --name. --name NAME stores a single file PATH as NAME, or a directory PATH's files\n"
               "under NAME/. Storing an existing name replaces it. Files whose path, size, mtime, ctime and\n"
               "inode are unchanged since a put of this machine stored them under the same name are not\n"
               "read again (files cache; --no-cache reads everything). A file that changes while it is\n"
               "read is reported and not stored (exit 1); the other files are.");
  ap.option("--name", "NAME", "stored name (one PATH only)", &name);
  ap.threads_option(&threads, "threads for chunking, hashing and compression (0 = all cores, the default)");
  ap.flag("--no-cache", &no_cache, "read every file, ignoring the files cache");
  ap.alias("--force", "--no-cache");
  ap.flag("--quiet", &quiet, "print nothing on success");
  std::vector<std::string> pos;
  if (auto rc = ap.parse_or_exit(argc, argv, pos)) return *rc;
  if (pos.size() < 2) return ap.usage_error("expected DIR and at least one PATH");
  std::vector<std::string> paths(pos.begin() + 1, pos.end());
  if (!name.empty() && paths.size() != 1) return ap.usage_error("--name needs exactly one PATH");
  if (!name.empty()) {
    if (Status s = store::validate_name(name); !s.ok()) return ap.usage_error(s.message());
  } else {
    for (const auto& p : paths)
      if (has_dotdot(p)) return ap.usage_error(p + ": a '..' component cannot be a stored name; use --name");
  }
  auto st = store::Store::open(pos[0]);
  if (!st) return report(st.status());

  WalkResult walk = walk_paths(paths, false);
  int rc = kExitOk;
  for (const auto& e : walk.errors) {
    std::fprintf(stderr, "chunker store put: %s\n", e.c_str());
    rc = kExitFailure;
  }
  std::vector<store::PutItem> items;
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
    items.push_back({*stored, f.path});
  }
  store::PutOptions po;
  po.threads = threads;
  po.use_cache = !no_cache;
  auto sum = st->put_files(items, po, [&](const store::PutResult& r) {
    if (!r.status.ok()) {
      std::fprintf(stderr, "chunker store put: %s\n", r.status.message().c_str());
      rc = kExitFailure;
      return;
    }
    if (quiet) return;
    if (r.unchanged)
      std::printf("unchanged %s: %llu bytes, %llu chunks (files cache)\n", printable_name(r.name).c_str(),
                  static_cast<unsigned long long>(r.size), static_cast<unsigned long long>(r.chunks));
    else
      std::printf("stored %s: %llu bytes, %llu chunks (%llu new, %llu bytes written)\n", printable_name(r.name).c_str(),
                  static_cast<unsigned long long>(r.size), static_cast<unsigned long long>(r.chunks),
                  static_cast<unsigned long long>(r.new_chunks), static_cast<unsigned long long>(r.new_bytes));
  });
  if (!sum) {
    std::fprintf(stderr, "chunker store put: %s\n", sum.status().message().c_str());
    return kExitFailure;
  }
  if (!quiet && sum->files_ok + sum->files_failed > 1)
    std::printf("total: %llu files (%llu unchanged, %llu failed), %llu bytes, %llu new chunks, %llu bytes written "
                "in %llu packs\n",
                static_cast<unsigned long long>(sum->files_ok), static_cast<unsigned long long>(sum->files_unchanged),
                static_cast<unsigned long long>(sum->files_failed), static_cast<unsigned long long>(sum->bytes),
                static_cast<unsigned long long>(sum->new_chunks), static_cast<unsigned long long>(sum->new_bytes),
                static_cast<unsigned long long>(sum->packs_written));
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
               "whole file against the manifest's BLAKE3; the manifest's checksum is checked before anything\n"
               "is written, and files up to 64 MiB reach standard output only once fully checked. OUT is\n"
               "written to OUT.chunker-get-<pid> and renamed into place only after every check, so a failed\n"
               "restore (exit 1) leaves OUT as it was; temporaries left by killed gets are removed.");
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
  if (named) remove_stale_temps(out_path);
  const std::string tmp_path = named ? out_path + kGetTmp + std::to_string(::getpid()) : out_path;
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
