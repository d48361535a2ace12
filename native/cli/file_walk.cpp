#include "file_walk.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

namespace chunker::cli {
namespace {

struct Walker {
  bool follow;
  WalkResult& r;
  std::set<std::pair<dev_t, ino_t>> seen_dirs;

  void error(const std::string& path, const std::string& what, int err) {
    r.errors.push_back(path + ": " + what + ": " + std::strerror(err));
  }

  void visit(const std::string& path, const std::string& rel, std::size_t arg, bool top) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return error(path, "cannot stat", errno);
    if (S_ISLNK(st.st_mode)) {
      // An explicitly named symlink is followed like `ls` would; others only with the flag.
      if (!follow && !top) {
        ++r.skipped_symlinks;
        return;
      }
      if (::stat(path.c_str(), &st) != 0) {
        if (follow) error(path, "cannot follow symlink", errno);
        else ++r.skipped_symlinks;
        return;
      }
    }
    if (S_ISREG(st.st_mode)) {
      r.files.push_back({path, rel, arg, static_cast<std::uint64_t>(st.st_size)});
      r.total_bytes += static_cast<std::uint64_t>(st.st_size);
      return;
    }
    if (!S_ISDIR(st.st_mode)) {
      ++r.skipped_other;
      return;
    }
    if (!seen_dirs.insert({st.st_dev, st.st_ino}).second) return;  // already walked (symlink cycle)
    DIR* d = ::opendir(path.c_str());
    if (!d) return error(path, "cannot open directory", errno);
    std::vector<std::string> names;
    errno = 0;
    while (dirent* e = ::readdir(d)) {
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.emplace_back(e->d_name);
      errno = 0;
    }
    int err = errno;
    ::closedir(d);
    if (err != 0) error(path, "cannot read directory", err);
    std::sort(names.begin(), names.end());
    const std::string base = path.ends_with("/") ? path : path + "/";
    for (const auto& n : names) visit(base + n, rel.empty() ? n : rel + "/" + n, arg, false);
  }
};

}  // namespace

WalkResult walk_paths(const std::vector<std::string>& paths, bool follow_symlinks) {
  WalkResult r;
  Walker w{follow_symlinks, r, {}};
  for (std::size_t i = 0; i < paths.size(); ++i) w.visit(paths[i], "", i, true);
  return r;
}

}  // namespace chunker::cli
