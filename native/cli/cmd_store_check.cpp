// chunker store verify / gc.
#include <cstdio>
#include <string>
#include <vector>

#include "args.hpp"
#include "chunker/store.hpp"
#include "cmd_store.hpp"

namespace chunker::cli {

int run_store_verify(int argc, char** argv) {
  unsigned threads = 0;
  ArgParser ap("store verify", "DIR",
               "Checks everything 'get' checks, for every stored file (manifest checksum; each chunk found,\n"
               "decoded, of the right length and hash, in order; the whole file's BLAKE3), plus every pack\n"
               "(name = BLAKE3 of its bytes, footer, every blob) and index file (name = BLAKE3, entries\n"
               "matching the pack footers). Prints one line per problem and exits 1 if there is any.");
  ap.threads_option(&threads, "threads for re-hashing (0 = all cores, the default)");
  std::vector<std::string> pos;
  if (auto rc = ap.parse_or_exit(argc, argv, pos)) return *rc;
  if (pos.size() != 1) return ap.usage_error("expected exactly one DIR");
  auto st = store::Store::open(pos[0]);
  if (!st) return report(st.status());
  auto rep = st->verify(threads);
  for (const auto& p : rep.problems) std::printf("problem: %s\n", p.c_str());
  if (st->version() >= 2)
    std::printf("%s: %llu packs (%llu chunks), %llu index files, %llu manifests checked, %zu problems\n",
                pos[0].c_str(), static_cast<unsigned long long>(rep.packs_checked),
                static_cast<unsigned long long>(rep.chunks_checked), static_cast<unsigned long long>(rep.index_checked),
                static_cast<unsigned long long>(rep.manifests_checked), rep.problems.size());
  else
    std::printf("%s: %llu chunks, %llu manifests checked, %zu problems\n", pos[0].c_str(),
                static_cast<unsigned long long>(rep.chunks_checked),
                static_cast<unsigned long long>(rep.manifests_checked), rep.problems.size());
  std::fflush(stdout);
  if (!rep.ok()) {
    std::fprintf(stderr, "chunker store verify: %s: %zu problems found\n", pos[0].c_str(), rep.problems.size());
    return kExitFailure;
  }
  return kExitOk;
}

int run_store_gc(int argc, char** argv) {
  store::GcOptions o;
  ArgParser ap("store gc", "DIR [--grace SECONDS] [--wait SECONDS] [--dry-run] [--break-lease ID]",
               "Deletes packs whose chunks no manifest references, repacks packs that are more than 25 %\n"
               "unreferenced, compacts the index files into one and removes stale temporaries. Safe next to\n"
               "running puts whatever --grace is (docs/store-format.md): packs a running put may still\n"
               "reference are never deleted; if a put that started before gc's plan is running, gc waits up\n"
               "to --wait seconds (default 0) and otherwise deletes nothing ('deferred'). --grace (default\n"
               "3600) only spares data younger than that. Refuses to run if a manifest is unreadable.\n"
               "--break-lease ID removes the lease of a put on another machine that is known to be gone.");
  ap.uint_option("--grace", "SECONDS", "grace period in seconds (default 3600)", std::uint64_t{1} << 40,
                 [&](std::uint64_t v) { o.grace_seconds = static_cast<std::int64_t>(v); });
  ap.uint_option("--wait", "SECONDS", "wait this long for running puts (default 0)", 86400 * 7,
                 [&](std::uint64_t v) { o.wait_seconds = static_cast<std::int64_t>(v); });
  ap.option("--break-lease", "ID", "remove this lease (its put must be gone)", [&](const std::string& v) -> Status {
    if (v.size() != 32 || v.find_first_not_of("0123456789abcdef") != std::string::npos)
      return Status(Errc::invalid_argument, "--break-lease: expected the 32 hex digits of a lease file name");
    o.break_leases.push_back(v);
    return {};
  });
  ap.flag("--dry-run", &o.dry_run, "only report what would be deleted");
  std::vector<std::string> pos;
  if (auto rc = ap.parse_or_exit(argc, argv, pos)) return *rc;
  if (pos.size() != 1) return ap.usage_error("expected exactly one DIR");
  auto st = store::Store::open(pos[0]);
  if (!st) return report(st.status());
  auto rep = st->gc(o);
  if (!rep) return report(rep.status());
  const char* verb = o.dry_run ? "would be removed" : "removed";
  if (st->version() < 2) {
    std::printf("%s%llu unreferenced chunks (%llu bytes) %s, %llu kept, %llu unreferenced within the grace period, "
                "%llu tmp files %s\n",
                o.dry_run ? "dry run: " : "", static_cast<unsigned long long>(rep->chunks_removed),
                static_cast<unsigned long long>(rep->bytes_removed), verb, static_cast<unsigned long long>(rep->chunks_kept),
                static_cast<unsigned long long>(rep->chunks_young), static_cast<unsigned long long>(rep->tmp_removed), verb);
  } else if (rep->deferred) {
    std::printf("deferred: %llu puts that started before gc's plan are running; nothing deleted (try again, or --wait)\n",
                static_cast<unsigned long long>(rep->writers_running));
  } else {
    std::printf("%s%llu packs (%llu bytes) %s, %llu of them repacked, %llu kept (%llu too young), %llu index files "
                "compacted, %llu tmp files and %llu dead markers %s\n",
                o.dry_run ? "dry run: " : "", static_cast<unsigned long long>(rep->packs_removed),
                static_cast<unsigned long long>(rep->bytes_removed), verb,
                static_cast<unsigned long long>(rep->packs_repacked), static_cast<unsigned long long>(rep->packs_kept),
                static_cast<unsigned long long>(rep->packs_young), static_cast<unsigned long long>(rep->index_removed),
                static_cast<unsigned long long>(rep->tmp_removed), static_cast<unsigned long long>(rep->markers_removed),
                verb);
  }
  return kExitOk;
}

}  // namespace chunker::cli

namespace chunker::cli {

int run_store_migrate(int argc, char** argv) {
  ArgParser ap("store migrate", "DIR",
               "Converts a version-1 store (one file per chunk) to version 2 in place: every referenced\n"
               "chunk is checked and copied into packs, manifests get checksums, store.json switches to\n"
               "version 2 last, then chunks/ is removed. A crash before the switch leaves a v1 store.");
  std::vector<std::string> pos;
  if (auto rc = ap.parse_or_exit(argc, argv, pos)) return *rc;
  if (pos.size() != 1) return ap.usage_error("expected exactly one DIR");
  auto st = store::Store::open(pos[0]);
  if (!st) return report(st.status());
  if (st->version() >= 2) {
    std::printf("%s: already version 2\n", pos[0].c_str());
    return kExitOk;
  }
  if (Status s = st->migrate(); !s.ok()) return report(s);
  std::printf("%s: migrated to version 2\n", pos[0].c_str());
  return kExitOk;
}

}  // namespace chunker::cli
