# Cross toolchain for aarch64 Linux with Debian's g++-aarch64-linux-gnu; the
# binaries run under qemu-user (qemu-user-static), which CMake uses as the
# emulator for gtest discovery and the CLI wrapper the tests call.
#   cmake -S . -B build/aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
#         -DCHUNKER_GTEST_SOURCE_DIR=/usr/src/googletest
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
find_program(CHUNKER_QEMU_AARCH64 NAMES qemu-aarch64-static qemu-aarch64)
if(CHUNKER_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${CHUNKER_QEMU_AARCH64};-L;/usr/aarch64-linux-gnu")
endif()
