// `chunker store` subcommands (docs/store.md), split over cmd_store*.cpp.
#pragma once

#include <string>

namespace chunker::cli {

// A stored name for terminal output: control characters escaped (docs/store.md).
std::string printable_name(const std::string& name);

int run_store_init(int argc, char** argv);
int run_store_put(int argc, char** argv);
int run_store_get(int argc, char** argv);
int run_store_ls(int argc, char** argv);
int run_store_verify(int argc, char** argv);
int run_store_gc(int argc, char** argv);
int run_store_migrate(int argc, char** argv);

}  // namespace chunker::cli
