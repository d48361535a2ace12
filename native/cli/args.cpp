#include "args.hpp"

#include <cctype>
#include <cstdio>
#include <limits>

namespace chunker::cli {

Result<std::uint64_t> parse_uint(const std::string& text, const std::string& field) {
  std::uint64_t v = 0;
  std::size_t i = 0;
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    i = 2;
  }
  if (i >= text.size()) return Status(Errc::invalid_argument, field + ": expected a number, got '" + text + "'");
  for (; i < text.size(); ++i) {
    int d;
    char c = text[i];
    if (c >= '0' && c <= '9') d = c - '0';
    else if (base == 16 && std::isxdigit(static_cast<unsigned char>(c))) d = std::tolower(c) - 'a' + 10;
    else return Status(Errc::invalid_argument, field + ": expected a number, got '" + text + "'");
    if (v > (std::numeric_limits<std::uint64_t>::max() - d) / base)
      return Status(Errc::invalid_argument, field + ": number too large: '" + text + "'");
    v = v * base + d;
  }
  return v;
}

Result<std::uint64_t> parse_size(const std::string& text, const std::string& field) {
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0)
    return Status(Errc::invalid_argument, field + ": expected a size like 4096, 64K or 1M, got '" + text + "'");
  auto base = parse_uint(text.substr(0, digits), field);
  if (!base) return base.status();
  std::string suffix = text.substr(digits);
  for (auto& c : suffix) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  unsigned shift = 0;
  if (suffix.empty() || suffix == "B") shift = 0;
  else if (suffix == "K" || suffix == "KB" || suffix == "KIB") shift = 10;
  else if (suffix == "M" || suffix == "MB" || suffix == "MIB") shift = 20;
  else if (suffix == "G" || suffix == "GB" || suffix == "GIB") shift = 30;
  else if (suffix == "T" || suffix == "TB" || suffix == "TIB") shift = 40;
  else
    return Status(Errc::invalid_argument, field + ": unknown size suffix in '" + text + "' (use K, M, G)");
  if (*base > (std::numeric_limits<std::uint64_t>::max() >> shift))
    return Status(Errc::invalid_argument, field + ": size too large: '" + text + "'");
  return *base << shift;
}

ArgParser::ArgParser(std::string command, std::string synopsis, std::string description)
    : command_(std::move(command)), synopsis_(std::move(synopsis)), description_(std::move(description)) {}

void ArgParser::flag(const std::string& name, bool* out, const std::string& help) {
  Opt o;
  o.name = name;
  o.help = help;
  o.is_flag = true;
  o.flag_out = out;
  opts_.push_back(std::move(o));
}

void ArgParser::option(const std::string& name, const std::string& metavar, const std::string& help,
                       std::function<Status(const std::string&)> handler) {
  Opt o;
  o.name = name;
  o.metavar = metavar;
  o.help = help;
  o.handler = std::move(handler);
  opts_.push_back(std::move(o));
}

void ArgParser::option(const std::string& name, const std::string& metavar, const std::string& help,
                       std::string* out) {
  option(name, metavar, help, [out](const std::string& v) {
    *out = v;
    return Status();
  });
}

void ArgParser::uint_option(const std::string& name, const std::string& metavar, const std::string& help,
                            std::uint64_t max, std::function<void(std::uint64_t)> set) {
  option(name, metavar, help, [name, max, set = std::move(set)](const std::string& v) -> Status {
    auto r = parse_uint(v, name);
    if (!r) return r.status();
    if (*r > max)
      return Status(Errc::invalid_argument, name + " must be between 0 and " + std::to_string(max) + ", got " + v);
    set(*r);
    return {};
  });
}

void ArgParser::size_option(const std::string& name, const std::string& metavar, const std::string& help,
                            std::function<void(std::uint64_t)> set) {
  option(name, metavar, help, [name, set = std::move(set)](const std::string& v) -> Status {
    auto r = parse_size(v, name);
    if (!r) return r.status();
    set(*r);
    return {};
  });
}

void ArgParser::threads_option(unsigned* out, const std::string& help) {
  uint_option("--threads", "N", help, 256, [out](std::uint64_t v) { *out = static_cast<unsigned>(v); });
  alias("-j", "--threads");
}

void ArgParser::alias(const std::string& short_name, const std::string& long_name) {
  aliases_.emplace_back(short_name, long_name);
}

const ArgParser::Opt* ArgParser::find(const std::string& name) const {
  std::string n = name;
  for (const auto& [s, l] : aliases_)
    if (s == name) n = l;
  for (const auto& o : opts_)
    if (o.name == n) return &o;
  return nullptr;
}

std::string ArgParser::help() const {
  std::string h = "Usage: chunker " + command_ + " " + synopsis_ + "\n\n" + description_ + "\n";
  if (!opts_.empty()) h += "\nOptions:\n";
  for (const auto& o : opts_) {
    std::string left = "  " + o.name;
    for (const auto& [s, l] : aliases_)
      if (l == o.name) left = "  " + s + ", " + o.name;
    if (!o.is_flag) left += " " + o.metavar;
    if (left.size() < 26) left.resize(26, ' ');
    else left += "\n" + std::string(26, ' ');
    h += left + o.help + "\n";
  }
  h += "  -h, --help              Show this help\n";
  return h;
}

int ArgParser::usage_error(const std::string& message) const {
  std::fprintf(stderr, "chunker %s: %s\nTry 'chunker %s --help'.\n", command_.c_str(), message.c_str(),
               command_.c_str());
  return kExitUsage;
}

ArgParser::Outcome ArgParser::parse(int argc, char** argv, std::vector<std::string>& positional) {
  bool only_positional = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (only_positional || a == "-" || a.size() < 2 || a[0] != '-') {
      positional.push_back(a);
      continue;
    }
    if (a == "--") {
      only_positional = true;
      continue;
    }
    if (a == "-h" || a == "--help") {
      std::fputs(help().c_str(), stdout);
      return Outcome::exit_ok;
    }
    std::string name = a, value;
    bool has_value = false;
    if (auto eq = a.find('='); eq != std::string::npos && a.rfind("--", 0) == 0) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
      has_value = true;
    }
    const Opt* o = find(name);
    if (!o) {
      usage_error("unknown option '" + name + "'");
      return Outcome::exit_usage;
    }
    if (o->is_flag) {
      if (has_value) {
        usage_error("option '" + name + "' takes no value");
        return Outcome::exit_usage;
      }
      *o->flag_out = true;
      continue;
    }
    if (!has_value) {
      if (i + 1 >= argc) {
        usage_error("option '" + name + "' needs a value (" + o->metavar + ")");
        return Outcome::exit_usage;
      }
      value = argv[++i];
    }
    Status s = o->handler(value);
    if (!s.ok()) {
      usage_error(s.message());
      return Outcome::exit_usage;
    }
  }
  return Outcome::run;
}

int report(const Status& s) {
  std::fprintf(stderr, "chunker: %s\n", s.message().c_str());
  return s.code() == Errc::invalid_argument ? kExitUsage : kExitFailure;
}

std::optional<int> ArgParser::parse_or_exit(int argc, char** argv, std::vector<std::string>& positional) {
  switch (parse(argc, argv, positional)) {
    case Outcome::exit_ok: return kExitOk;
    case Outcome::exit_usage: return kExitUsage;
    case Outcome::run: break;
  }
  return std::nullopt;
}

}  // namespace chunker::cli
