// Chunks a file with FastCDC (16 KiB / 64 KiB / 256 KiB) and prints each chunk,
// then shows the error model with a deliberately invalid parameter set.
//   chunk_file FILE
#include <chunker/fastcdc.hpp>
#include <chunker/file.hpp>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: chunk_file FILE\n");
    return 2;
  }
  auto params = chunker::fastcdc::preset("64k");  // Result<Params>
  std::size_t count = 0;
  chunker::Status st = chunker::chunk_file(argv[1], *params, [&](const chunker::fastcdc::Chunk& c, auto bytes) {
    std::printf("chunk %zu: offset=%llu length=%u fingerprint=%llu (first byte 0x%02x)\n", count++,
                static_cast<unsigned long long>(c.offset), c.length,
                static_cast<unsigned long long>(c.fingerprint), bytes.empty() ? 0 : bytes[0]);
  });
  if (!st.ok()) {  // errors are values: a code and a message naming the file
    std::fprintf(stderr, "%s\n", st.to_string().c_str());
    return 1;
  }
  chunker::fastcdc::Params bad;
  bad.min_size = 10;
  std::printf("invalid params -> %s\n", chunker::fastcdc::validate(bad).to_string().c_str());
  return 0;
}
