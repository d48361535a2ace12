// Subcommand registry: each native/cli/cmd_*.cpp registers itself with
//   static const chunker::cli::Command reg{"name", "one-line summary", run, order};
// so adding a subcommand never touches main.cpp.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

namespace chunker::cli {

using CommandFn = int (*)(int argc, char** argv);  // argv[0] is the subcommand name

struct Command {
  Command(const char* name, const char* summary, CommandFn fn, int order = 100);
  const char* name;
  const char* summary;
  CommandFn fn;
  int order;
};

std::vector<const Command*>& commands();

// Commands with subcommands ("store put", "nar ls"): runs the one argv[1]
// names with argv shifted by one. No subcommand prints `usage` to stderr
// (exit 2); -h/--help/help prints it to stdout (exit 0); an unknown one is a
// usage error naming `group`.
struct Subcommand {
  const char* name;
  CommandFn fn;
};
int dispatch_subcommand(const char* group, const char* usage, std::initializer_list<Subcommand> subs, int argc,
                        char** argv);

// Lines appended to `chunker --version` (e.g. the SIMD backends in use).
using VersionInfoFn = std::string (*)();
struct VersionInfo {
  explicit VersionInfo(VersionInfoFn fn);
};
std::vector<VersionInfoFn>& version_infos();

}  // namespace chunker::cli
