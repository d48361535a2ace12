// chunker store: a content-addressed chunk store on disk (docs/store-format.md).
// This file: dispatch, init and ls.
#include "cmd_store.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "args.hpp"
#include "chunk_options.hpp"
#include "chunker/json_reader.hpp"
#include "chunker/encoding.hpp"
#include "chunker/store.hpp"
#include "command.hpp"
#include "output.hpp"

namespace chunker::cli {
namespace {

constexpr const char* kStoreUsage =
    "Usage: chunker store <subcommand> DIR [args]\n\n"
    "A content-addressed chunk store: each file is split with FastCDC, every unique chunk is kept\n"
    "once (BLAKE3-named, zstd-compressed when that helps) in pack files, one manifest per file.\n"
    "Format: docs/store-format.md (version 2). Crash-safe commit order: packs, index, manifests;\n"
    "put and gc never race (leases and gc plans, no locks).\n\n"
    "DIR is a directory or an S3 location (docs/s3.md), the same format and commands on both:\n"
    "  's3://BUCKET[/PREFIX]?endpoint=http://HOST:PORT[&region=REGION]'\n"
    "with credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (CHUNKER_S3_STATS=1 prints the\n"
    "requests made to standard error at the end).\n\n"
    "Subcommands:\n"
    "  init DIR [--preset P | --min/--avg/--max SIZE] [--level N] [--seed N]\n"
    "                                  create a store (default chunking: preset 64k = 16K/64K/256K)\n"
    "  put DIR PATH... [--name NAME] [--no-cache]\n"
    "                                  store files (directories recursively); the stored name is the\n"
    "                                  path as given, normalised (or NAME, a prefix for a directory);\n"
    "                                  unchanged files are skipped by the files cache\n"
    "  get DIR NAME [-o OUT|-]         restore a file byte-exact (every chunk and the whole file are\n"
    "                                  hash-checked); default: standard output\n"
    "  ls DIR [--json]                 list stored files: size, chunks, name\n"
    "  verify DIR                      check everything get checks, for every file, plus packs and\n"
    "                                  index; exit 1 on problems\n"
    "  gc DIR [--grace SECONDS] [--wait SECONDS] [--dry-run]\n"
    "                                  drop or repack packs with unreferenced chunks, compact the index\n"
    "  migrate DIR                     convert a version-1 store (one file per chunk) to version 2\n\n"
    "Run 'chunker store <subcommand> --help' for details.\n";

int dispatch(int argc, char** argv) {
  return dispatch_subcommand("store", kStoreUsage,
                             {{"init", run_store_init}, {"put", run_store_put}, {"get", run_store_get}, {"ls", run_store_ls}, {"verify", run_store_verify}, {"gc", run_store_gc}, {"migrate", run_store_migrate}},
                             argc, argv);
}

int run_store(int argc, char** argv) {
  const int rc = dispatch(argc, argv);
  // After the subcommand: every request it made is counted.
  if (const char* v = std::getenv("CHUNKER_S3_STATS"); v && *v && std::string(v) != "0") {
    const std::string stats = store::s3_request_stats();
    if (!stats.empty()) std::fprintf(stderr, "chunker store: s3 %s\n", stats.c_str());
  }
  return rc;
}

const Command reg{"store", "a deduplicating chunk store on disk: init, put, get, ls, verify, gc, migrate", run_store, 16};

}  // namespace

int run_store_init(int argc, char** argv) {
  ChunkOptions co;
  ArgParser ap("store init", "DIR [options]",
               "Creates a chunk store in DIR (created if missing; must not already be a store), or under\n"
               "an S3 location 's3://BUCKET[/PREFIX]?endpoint=URL[&region=R]' (the bucket must exist).\n"
               "The chunking parameters are fixed for the store's lifetime (store.json).");
  add_chunk_options(ap, co, "default 64k = 16K/64K/256K");
  std::vector<std::string> pos;
  if (auto rc = ap.parse_or_exit(argc, argv, pos)) return *rc;
  if (pos.size() != 1) return ap.usage_error("expected exactly one DIR");
  auto p = resolve_chunk_options(co, *fastcdc::preset("64k"));
  if (!p) return ap.usage_error(p.status().message());
  auto s = store::Store::init(pos[0], *p);
  if (!s) return report(s.status());  // "already a store" is a data error (exit 1); a bad URL is usage (2)
  std::printf("initialised chunk store %s (min %u, avg %u, max %u, level %u, seed %llu)\n", pos[0].c_str(),
              p->min_size, p->avg_size, p->max_size, p->level, static_cast<unsigned long long>(p->seed));
  return kExitOk;
}

// Control characters (and the backslash that introduces escapes) as \xNN, \u00NN / \\,
// so a name cannot move the cursor, clear the screen or fake another line.
std::string printable_name(const std::string& name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    const unsigned char next = i + 1 < name.size() ? static_cast<unsigned char>(name[i + 1]) : 0;
    if (c == 0xc2 && next >= 0x80 && next <= 0x9f) {  // C1 controls U+0080..U+009F
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", next);
      out += buf;
      ++i;
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

int run_store_ls(int argc, char** argv) {
  bool json = false;
  ArgParser ap("store ls", "DIR [--json]",
               "Lists the stored files, sorted by name: size in bytes, chunk count, name (control\n"
               "characters in names shown as \\xNN, a backslash as \\\\).\n"
               "--json prints one array of {\"name\",\"size\",\"chunks\",\"blake3\"} objects.");
  ap.flag("--json", &json, "JSON output");
  std::vector<std::string> pos;
  if (auto rc = ap.parse_or_exit(argc, argv, pos)) return *rc;
  if (pos.size() != 1) return ap.usage_error("expected exactly one DIR");
  auto st = store::Store::open(pos[0]);
  if (!st) return report(st.status());
  auto list = st->list();
  if (!list) return report(list.status());
  OutputBuffer out(stdout);
  int rc = kExitOk;
  bool first = true;
  if (json) out.append("[");
  for (const auto& e : *list) {
    if (!e.manifest) {
      std::fprintf(stderr, "chunker store ls: %s\n", e.manifest.status().message().c_str());
      rc = kExitFailure;
      continue;
    }
    const auto& m = *e.manifest;
    if (json) {
      std::string o = first ? "{\"name\":" : ",{\"name\":";
      json::append_string(o, m.name);
      o += ",\"size\":" + std::to_string(m.size) + ",\"chunks\":" + std::to_string(m.chunks.size()) +
           ",\"blake3\":\"" + hex_encode(m.blake3) + "\"}";
      out.append(o);
    } else {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%14llu %8zu  ", static_cast<unsigned long long>(m.size), m.chunks.size());
      out.append(buf);
      out.append(printable_name(m.name));
      out.append("\n");
    }
    first = false;
  }
  if (json) out.append("]\n");
  if (Status f = out.flush(); !f.ok()) return report(f);
  return rc;
}

}  // namespace chunker::cli
