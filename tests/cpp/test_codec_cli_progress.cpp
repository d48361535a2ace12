// The compress CLI shows a progress line on a terminal for large inputs, and
// nothing when stderr is not a terminal. `script` (util-linux) gives it a pty.
#include <gtest/gtest.h>

#include "test_util.hpp"

TEST(CodecCliProgress, ProgressLineOnlyOnATerminal) {
  CHUNKER_NEED_PROGRAM("script");
  auto dir = chunker::test::temp_dir();
  chunker::test::write_file(dir + "/zeros", std::vector<std::uint8_t>(64u << 20, 0));  // >= 64 MiB threshold
  const std::string cmd = chunker::test::cli() + " compress --codec bzip2 --level 1 " + dir + "/zeros " + dir + "/out.bz2";
  auto tty = chunker::test::run("script -qec '" + cmd + "' /dev/null");
  EXPECT_EQ(tty.status, 0);
  EXPECT_NE(tty.out.find("\rcompress:"), std::string::npos) << tty.out;
  EXPECT_NE(tty.out.find("%"), std::string::npos);
  auto pipe = chunker::test::run(cmd + " 2>&1");
  EXPECT_EQ(pipe.status, 0);
  EXPECT_EQ(pipe.out, "");
  // The output is a real .bz2 of the input.
  if (chunker::test::have_program("bzip2")) {
    EXPECT_EQ(chunker::test::run("bzip2 -dc " + dir + "/out.bz2 | cmp - " + dir + "/zeros && echo same").out, "same\n");
  }
  chunker::test::run("rm -rf " + dir);
}
