// The official BLAKE3 C implementation (with its assembly kernels), measured the
// same way as bench_blake3's in-memory cases: one-shot hash of the same buffer,
// repeated, best of the samples, wall and process-CPU MiB/s. Built and run by
// bench/blake3_vs_official.sh against the C sources Debian ships in
// librust-blake3-dev (/usr/share/cargo/registry/blake3-*/c); nothing is vendored.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blake3.h"

static double now(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char** argv) {
  double budget = (argc > 1 && strcmp(argv[1], "--quick") == 0) ? 0.3 : 1.5;
  size_t sizes[] = {1024, 13000, 16 << 10, 1 << 20, 64 << 20};
  size_t nsizes = sizeof sizes / sizeof sizes[0];
  size_t cap = (size_t)64 << 20;
  uint8_t* buf = malloc(cap);
  if (!buf) return 1;
  // Same fill as bench_blake3.cpp.
  for (size_t i = 0; i < cap; ++i) buf[i] = (uint8_t)((i * 2654435761u) >> 13);
  unsigned sink = 0;
  printf("{\"benchmark\":\"blake3\",\"unit\":\"MiB/s\",\"backend\":\"official-c-asm %s\",\"results\":[",
         BLAKE3_VERSION_STRING);
  for (size_t s = 0; s < nsizes; ++s) {
    size_t bytes = sizes[s];
    size_t reps = (((size_t)8 << 20) / bytes) > 0 ? ((size_t)8 << 20) / bytes : 1;
    double best_wall = 0, best_cpu = 0, start = now(CLOCK_MONOTONIC);
    for (int samples = 0; samples < 500; ++samples) {
      if (samples >= 3 && now(CLOCK_MONOTONIC) - start > budget) break;
      double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
      for (size_t r = 0; r < reps; ++r) {
        blake3_hasher h;
        uint8_t out[32];
        blake3_hasher_init(&h);
        blake3_hasher_update(&h, buf, bytes);
        blake3_hasher_finalize(&h, out, 32);
        sink += out[0];
      }
      double w = now(CLOCK_MONOTONIC) - w0, c = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
      double mib = (double)bytes * (double)reps / (1024.0 * 1024.0);
      if (mib / w > best_wall) best_wall = mib / w;
      if (c > 0 && mib / c > best_cpu) best_cpu = mib / c;
    }
    printf("%s{\"bytes\":%zu,\"threads\":1,\"mib_s\":%.1f,\"mib_s_cpu\":%.1f}", s ? "," : "", bytes, best_wall,
           best_cpu);
  }
  printf("],\"sink\":%u}\n", sink & 1);
  free(buf);
  return 0;
}
