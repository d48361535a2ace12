// FileStamp from a struct stat: one home for InputFile::open, stamp_of and stamp_path.
#pragma once

#include <sys/stat.h>

#include "chunker/file.hpp"

namespace chunker::detail {

FileStamp stamp_from_stat(const struct stat& st) noexcept;

}  // namespace chunker::detail
