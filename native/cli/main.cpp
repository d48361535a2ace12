#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "args.hpp"
#include "command.hpp"
#ifdef __GLIBC__
#include <malloc.h>
#endif

#ifndef CHUNKER_VERSION
#define CHUNKER_VERSION "dev"
#endif

namespace chunker::cli {

Command::Command(const char* n, const char* s, CommandFn f, int o) : name(n), summary(s), fn(f), order(o) {
  commands().push_back(this);
}

std::vector<const Command*>& commands() {
  static std::vector<const Command*> list;
  return list;
}

int dispatch_subcommand(const char* group, const char* usage, std::initializer_list<Subcommand> subs, int argc,
                        char** argv) {
  if (argc < 2) {
    std::fputs(usage, stderr);
    return kExitUsage;
  }
  const std::string sub = argv[1];
  if (sub == "-h" || sub == "--help" || sub == "help") {
    std::fputs(usage, stdout);
    return kExitOk;
  }
  for (const auto& s : subs)
    if (sub == s.name) return s.fn(argc - 1, argv + 1);
  std::fprintf(stderr, "chunker %s: unknown subcommand '%s'\nTry 'chunker %s --help'.\n", group, sub.c_str(), group);
  return kExitUsage;
}

VersionInfo::VersionInfo(VersionInfoFn fn) { version_infos().push_back(fn); }

std::vector<VersionInfoFn>& version_infos() {
  static std::vector<VersionInfoFn> list;
  return list;
}

}  // namespace chunker::cli

namespace {

void print_help() {
  using namespace chunker::cli;
  auto cmds = commands();
  std::sort(cmds.begin(), cmds.end(), [](auto* a, auto* b) {
    return a->order != b->order ? a->order < b->order : std::strcmp(a->name, b->name) < 0;
  });
  std::printf(
      "chunker %s: content-defined chunking, hashing, compression and Nix archives\n\n"
      "Usage: chunker <command> [options] [args]\n\nCommands:\n",
      CHUNKER_VERSION);
  for (auto* c : cmds) std::printf("  %-12s %s\n", c->name, c->summary);
  std::printf(
      "\nRun 'chunker <command> --help' for a command's options.\n"
      "Exit status: 0 success, 1 I/O or data error, 2 usage error.\n");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace chunker::cli;
#ifdef __GLIBC__
  // Pack buffers (16 MiB) and read buffers are allocated and freed over and
  // over, often by different threads: from fresh mmaps (or another thread's
  // arena) every page of each is a new page fault. Kept in one heap, freed
  // memory is reused; the process is short-lived, and its hot loops do not
  // allocate, so one arena costs no lock contention worth measuring.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_ARENA_MAX, 1);
#endif
  if (argc < 2) {
    print_help();
    return 2;
  }
  std::string cmd = argv[1];
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    print_help();
    return 0;
  }
  if (cmd == "-V" || cmd == "--version" || cmd == "version") {
    std::printf("chunker %s\n", CHUNKER_VERSION);
    for (auto fn : version_infos()) std::printf("%s\n", fn().c_str());
    return 0;
  }
  for (auto* c : commands())
    if (cmd == c->name) return c->fn(argc - 1, argv + 1);
  std::fprintf(stderr, "chunker: unknown command '%s'\nTry 'chunker --help'.\n", cmd.c_str());
  return 2;
}
