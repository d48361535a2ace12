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
               "Re-reads every chunk (decompress + BLAKE3 must equal its name) and every manifest (valid,\n"
               "every chunk present with the right length, lengths summing to the size). Prints one line\n"
               "per problem and exits 1 if there is any.");
  ap.threads_option(&threads, "threads for re-hashing (0 = all cores, the default)");
  std::vector<std::string> pos;
  if (auto rc = ap.parse_or_exit(argc, argv, pos)) return *rc;
  if (pos.size() != 1) return ap.usage_error("expected exactly one DIR");
  auto st = store::Store::open(pos[0]);
  if (!st) return report(st.status());
  auto rep = st->verify(threads);
  for (const auto& p : rep.problems) std::printf("problem: %s\n", p.c_str());
  std::printf("%s: %llu chunks, %llu manifests checked, %zu problems\n", pos[0].c_str(),
              static_cast<unsigned long long>(rep.chunks_checked), static_cast<unsigned long long>(rep.manifests_checked),
              rep.problems.size());
  std::fflush(stdout);
  if (!rep.ok()) {
    std::fprintf(stderr, "chunker store verify: %s: %zu problems found\n", pos[0].c_str(), rep.problems.size());
    return kExitFailure;
  }
  return kExitOk;
}

int run_store_gc(int argc, char** argv) {
  store::GcOptions o;
  ArgParser ap("store gc", "DIR [--grace SECONDS] [--dry-run]",
               "Deletes chunk files that no manifest references, and files in tmp/, if they were last\n"
               "modified more than SECONDS ago (default 3600), so that a concurrent put whose manifest\n"
               "is not yet written keeps its chunks. Refuses to run if a manifest is unreadable.");
  ap.option("--grace", "SECONDS", "grace period in seconds (default 3600)", [&](const std::string& v) -> Status {
    auto r = parse_uint(v, "--grace");
    if (!r) return r.status();
    if (*r > (1ull << 40)) return Status(Errc::invalid_argument, "--grace is too large: " + v);
    o.grace_seconds = static_cast<std::int64_t>(*r);
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
  std::printf("%s%llu unreferenced chunks (%llu bytes) %s, %llu kept, %llu unreferenced within the grace period, "
              "%llu tmp files %s\n",
              o.dry_run ? "dry run: " : "", static_cast<unsigned long long>(rep->chunks_removed),
              static_cast<unsigned long long>(rep->bytes_removed), o.dry_run ? "would be removed" : "removed",
              static_cast<unsigned long long>(rep->chunks_kept), static_cast<unsigned long long>(rep->chunks_young),
              static_cast<unsigned long long>(rep->tmp_removed), o.dry_run ? "would be removed" : "removed");
  return kExitOk;
}

}  // namespace chunker::cli
