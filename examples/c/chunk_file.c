/* Chunks a file with the C ABI of libchunker and prints each chunk (offset,
 * length, BLAKE3) and the BLAKE3 of the whole file, computed from the same
 * bytes the chunker read (the callback's data).
 *
 *   cc -std=c99 chunk_file.c $(pkg-config --cflags --libs chunker-c) -o chunk_file
 *   ./chunk_file FILE          # FastCDC 4K/16K/64K, a BLAKE3 per chunk
 */
#include <chunker.h>
#include <stdio.h>

struct state {
  chunker_blake3* whole; /* BLAKE3 of the file, fed from the chunks */
  unsigned long chunks;
};

static int on_chunk(void* ctx, const chunker_chunk* c, const uint8_t* data) {
  struct state* s = ctx;
  char hex[2 * 32 + 1];
  chunker_hex_encode(c->hash, c->hash_len, hex, sizeof hex);
  printf("%llu %u %s\n", (unsigned long long)c->offset, c->length, hex);
  s->chunks++;
  return chunker_blake3_update(s->whole, data, c->length); /* non-zero stops the run */
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s FILE\n", argv[0]);
    return 2;
  }
  if (chunker_abi_version() != CHUNKER_ABI_VERSION) {
    fprintf(stderr, "libchunker ABI %d, built against %d\n", chunker_abi_version(), CHUNKER_ABI_VERSION);
    return 1;
  }
  chunker_options opts;
  chunker_options_init(&opts);
  opts.min_size = 4096;
  opts.avg_size = 16384;
  opts.max_size = 65536;
  opts.hash = CHUNKER_HASH_BLAKE3;

  struct state s = {NULL, 0};
  chunker_status st = chunker_blake3_new(&s.whole);
  if (st == CHUNKER_OK) st = chunker_chunk_file(argv[1], &opts, on_chunk, &s);
  if (st != CHUNKER_OK) {
    fprintf(stderr, "%s: %s\n", chunker_status_name(st), chunker_last_error());
    chunker_blake3_free(s.whole);
    return 1;
  }
  uint8_t digest[32];
  char hex[65];
  chunker_blake3_finalize(s.whole, digest, sizeof digest);
  chunker_hex_encode(digest, sizeof digest, hex, sizeof hex);
  printf("%lu chunks, file blake3 %s\n", s.chunks, hex);
  chunker_blake3_free(s.whole);
  return 0;
}
