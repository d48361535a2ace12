// Tiny option parser shared by every subcommand: `--name value`, `--name=value`,
// boolean flags, repeated options, positionals, `--` and `--help`.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "chunker/error.hpp"

namespace chunker::cli {

// Exit statuses of the CLI (documented in README).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // I/O error, bad data, verification failure
inline constexpr int kExitUsage = 2;    // bad command line

// Parses "4096", "64K", "64KiB", "1M", "1MiB", "2G" (binary multiples).
Result<std::uint64_t> parse_size(const std::string& text, const std::string& field);
// Parses a plain unsigned decimal (or 0x-prefixed hex) integer.
Result<std::uint64_t> parse_uint(const std::string& text, const std::string& field);

class ArgParser {
 public:
  ArgParser(std::string command, std::string synopsis, std::string description);

  // Boolean flag (`--json`).
  void flag(const std::string& name, bool* out, const std::string& help);
  // Option taking a value; `handler` returns an error status to reject it.
  void option(const std::string& name, const std::string& metavar, const std::string& help,
              std::function<Status(const std::string&)> handler);
  void option(const std::string& name, const std::string& metavar, const std::string& help,
              std::string* out);
  // A whole number 0..max ("NAME must be between 0 and MAX, got V" otherwise).
  void uint_option(const std::string& name, const std::string& metavar, const std::string& help, std::uint64_t max,
                   std::function<void(std::uint64_t)> set);
  // A size with an optional K/M/G suffix (parse_size).
  void size_option(const std::string& name, const std::string& metavar, const std::string& help,
                   std::function<void(std::uint64_t)> set);
  // `--threads N` / `-j N`: 0..256 (0 = all cores) into *out.
  void threads_option(unsigned* out, const std::string& help);
  // Short alias, e.g. alias('-j', "--threads").
  void alias(const std::string& short_name, const std::string& long_name);

  enum class Outcome { run, exit_ok, exit_usage };
  // Parses argv[1..]; prints help (stdout) or an error + hint (stderr) itself.
  Outcome parse(int argc, char** argv, std::vector<std::string>& positional);
  // parse() for a command's entry point: the exit code to return when the
  // command should not run (help printed: kExitOk; bad usage: kExitUsage),
  // or nullopt to go on. `if (auto rc = ap.parse_or_exit(...)) return *rc;`
  std::optional<int> parse_or_exit(int argc, char** argv, std::vector<std::string>& positional);

  std::string help() const;
  // Prints "chunker <command>: message" and the usage hint to stderr; returns kExitUsage.
  int usage_error(const std::string& message) const;

 private:
  struct Opt {
    std::string name, metavar, help;
    bool is_flag = false;
    bool* flag_out = nullptr;
    std::function<Status(const std::string&)> handler;
  };
  const Opt* find(const std::string& name) const;

  std::string command_, synopsis_, description_;
  std::vector<Opt> opts_;
  std::vector<std::pair<std::string, std::string>> aliases_;
};

// Prints "chunker: <message>" to stderr and returns the exit code for the status.
int report(const Status& s);

}  // namespace chunker::cli
