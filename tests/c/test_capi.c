/* Tests of the C ABI (chunker.h), written in C99 and linked against the
 * shared library, as a C program would use it.
 *
 * References are independent of the library: the fastcdc-rs v2020 vectors
 * and the official BLAKE3 vectors (tests/data), b3sum, sha256sum, the
 * zstd/lz4/xz/bzip2 programs, nix-hash / nix-store, and the Nix base32 pairs
 * printed by Nix (tests/data/nix-base32-vectors.txt).
 *
 * Usage: test_capi NAME   (one test; CTest registers every TEST(name) below)
 *        test_capi all
 * Exit status: 0 pass, 1 fail, 77 skipped (a reference program is missing
 * and neither CI=true nor CHUNKER_REQUIRE_TOOLS=1 is set: then it fails). */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include <chunker.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CHUNKER_TEST_DATA_DIR
#error "CHUNKER_TEST_DATA_DIR must name tests/data"
#endif

/* ---- a tiny harness ------------------------------------------------------ */

static int g_failures;
static int g_skipped;

#define CHECK(cond)                                                             \
  do {                                                                          \
    if (!(cond)) {                                                              \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);  \
      g_failures++;                                                             \
    }                                                                           \
  } while (0)

#define CHECK_ST(expr, want)                                                                 \
  do {                                                                                       \
    int st_ = (expr);                                                                        \
    if (st_ != (want)) {                                                                     \
      fprintf(stderr, "%s:%d: %s returned %s (%s), expected %s\n", __FILE__, __LINE__, #expr, \
              chunker_status_name(st_), chunker_last_error(), chunker_status_name(want));     \
      g_failures++;                                                                          \
    }                                                                                        \
  } while (0)

#define CHECK_OK(expr) CHECK_ST(expr, CHUNKER_OK)

/* The last error mentions `text`. */
#define CHECK_MSG(text)                                                                           \
  do {                                                                                            \
    if (strstr(chunker_last_error(), (text)) == NULL) {                                           \
      fprintf(stderr, "%s:%d: last error \"%s\" lacks \"%s\"\n", __FILE__, __LINE__,             \
              chunker_last_error(), (text));                                                      \
      g_failures++;                                                                               \
    }                                                                                             \
  } while (0)

#define REQUIRE(cond)                                                                  \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      fprintf(stderr, "%s:%d: REQUIRE failed: %s\n", __FILE__, __LINE__, #cond);       \
      g_failures++;                                                                    \
      return;                                                                          \
    }                                                                                  \
  } while (0)

static int require_tools(void) {
  const char* ci = getenv("CI");
  const char* req = getenv("CHUNKER_REQUIRE_TOOLS");
  return (ci && strcmp(ci, "true") == 0) || (req && strcmp(req, "1") == 0);
}

static int have_program(const char* name) {
  char cmd[256];
  snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", name);
  return system(cmd) == 0;
}

/* Skips the test when a reference program is missing; fails when tools are required. */
#define NEED_PROGRAM(name)                                                                         \
  do {                                                                                             \
    if (!have_program(name)) {                                                                     \
      if (require_tools()) {                                                                       \
        fprintf(stderr, "%s is not installed (required: CI / CHUNKER_REQUIRE_TOOLS=1)\n", name);   \
        g_failures++;                                                                              \
      } else {                                                                                     \
        fprintf(stderr, "skipped: %s not installed (scripts/apt-packages.txt)\n", name);           \
        g_skipped = 1;                                                                             \
      }                                                                                            \
      return;                                                                                      \
    }                                                                                              \
  } while (0)

/* ---- helpers --------------------------------------------------------------- */

typedef struct {
  uint8_t* data;
  size_t len;
} bytes;

static bytes read_file(const char* path) {
  bytes b = {NULL, 0};
  FILE* f = fopen(path, "rb");
  if (!f) return b;
  size_t cap = 1 << 16;
  b.data = malloc(cap);
  size_t n;
  while ((n = fread(b.data + b.len, 1, cap - b.len, f)) > 0) {
    b.len += n;
    if (b.len == cap) b.data = realloc(b.data, cap *= 2);
  }
  fclose(f);
  return b;
}

static int write_file(const char* path, const void* data, size_t len) {
  FILE* f = fopen(path, "wb");
  if (!f) return 0;
  int ok = fwrite(data, 1, len, f) == len;
  return fclose(f) == 0 && ok;
}

/* Output of a shell command (NUL-terminated, trailing newline kept). */
static bytes run_capture(const char* cmd) {
  bytes b = {NULL, 0};
  FILE* p = popen(cmd, "r");
  if (!p) return b;
  size_t cap = 1 << 16;
  b.data = malloc(cap + 1);
  size_t n;
  while ((n = fread(b.data + b.len, 1, cap - b.len, p)) > 0) {
    b.len += n;
    if (b.len == cap) b.data = realloc(b.data, (cap *= 2) + 1);
  }
  b.data[b.len] = 0;
  if (pclose(p) != 0) {
    free(b.data);
    b.data = NULL;
    b.len = 0;
  }
  return b;
}

/* Deterministic pseudo-random bytes (SplitMix64). */
static uint8_t* random_bytes(size_t n, uint64_t seed) {
  uint8_t* p = malloc(n ? n : 1);
  for (size_t i = 0; i < n; i++) {
    if (i % 8 == 0) {
      uint64_t z = (seed += 0x9e3779b97f4a7c15ull);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      seed = z ^ (z >> 31);
    }
    p[i] = (uint8_t)(seed >> (8 * (i % 8)));
  }
  return p;
}

/* Compressible text-like bytes. */
static uint8_t* text_bytes(size_t n) {
  static const char* words[] = {"chunk ", "store ", "hash ", "blake3 ", "nix ", "zstd ", "\n", "data "};
  uint8_t* p = malloc(n ? n : 1);
  uint64_t s = 7;
  size_t i = 0;
  while (i < n) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    const char* w = words[(s >> 33) % 8];
    for (size_t k = 0; w[k] && i < n; k++) p[i++] = (uint8_t)w[k];
  }
  return p;
}

static void to_hex(const uint8_t* in, size_t n, char* out) {
  static const char d[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = d[in[i] >> 4];
    out[2 * i + 1] = d[in[i] & 15];
  }
  out[2 * n] = 0;
}

static int from_hex(const char* s, size_t n, uint8_t* out) {
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    if (sscanf(s + 2 * i, "%2x", &v) != 1) return 0;
    out[i] = (uint8_t)v;
  }
  return 1;
}

static char g_tmp[256];
static const char* tmpdir(void) {
  if (!g_tmp[0]) {
    snprintf(g_tmp, sizeof g_tmp, "%s/chunker-capi-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(g_tmp)) {
      perror("mkdtemp");
      exit(1);
    }
  }
  return g_tmp;
}

static const char* tmp_path(const char* name) {
  static char buf[8][512];
  static int k;
  char* p = buf[k++ % 8];
  snprintf(p, 512, "%s/%s", tmpdir(), name);
  return p;
}

static const char* data_path(const char* name) {
  static char p[512];
  snprintf(p, sizeof p, "%s/%s", CHUNKER_TEST_DATA_DIR, name);
  return p;
}

/* ---- chunk collection through the callback ------------------------------------ */

typedef struct {
  chunker_chunk* v;
  size_t n, cap;
  const uint8_t* input; /* when set: each chunk's data must equal input[offset..] */
  size_t input_len;
  int data_mismatch;
  size_t stop_after; /* return non-zero on this call (1-based); 0 = never */
  size_t calls;
} chunk_list;

static int collect_cb(void* ctx, const chunker_chunk* c, const uint8_t* data) {
  chunk_list* l = ctx;
  l->calls++;
  if (l->n == l->cap) l->v = realloc(l->v, (l->cap = l->cap ? 2 * l->cap : 64) * sizeof *l->v);
  l->v[l->n++] = *c;
  if (l->input && (c->offset + c->length > l->input_len || memcmp(l->input + c->offset, data, c->length) != 0))
    l->data_mismatch = 1;
  return l->stop_after && l->calls == l->stop_after;
}

static int same_chunks(const chunker_chunk* a, size_t na, const chunker_chunk* b, size_t nb) {
  if (na != nb) return 0;
  for (size_t i = 0; i < na; i++)
    if (memcmp(&a[i], &b[i], sizeof a[i]) != 0) return 0;
  return 1;
}

/* Chunks are contiguous and cover exactly `len` bytes. */
static int covers(const chunker_chunk* v, size_t n, size_t len) {
  uint64_t off = 0;
  for (size_t i = 0; i < n; i++) {
    if (v[i].offset != off || v[i].length == 0) return 0;
    off += v[i].length;
  }
  return off == len;
}

static chunker_options opts_sizes(uint32_t min, uint32_t avg, uint32_t max, int hash) {
  chunker_options o;
  chunker_options_init(&o);
  o.min_size = min;
  o.avg_size = avg;
  o.max_size = max;
  o.hash = hash;
  return o;
}

#define TEST(name) static void test_##name(void)

/* ---- versions, errors, options ---------------------------------------------------- */

TEST(version) {
  CHECK(strcmp(chunker_version(), CHUNKER_TEST_VERSION) == 0);
  CHECK(chunker_abi_version() == CHUNKER_ABI_VERSION);
}

TEST(status_names) {
  static const struct {
    int code;
    const char* name;
  } t[] = {{CHUNKER_OK, "OK"},
           {CHUNKER_ERR_INVALID_ARGUMENT, "ERR_INVALID_ARGUMENT"},
           {CHUNKER_ERR_IO, "ERR_IO"},
           {CHUNKER_ERR_CORRUPT_INPUT, "ERR_CORRUPT_INPUT"},
           {CHUNKER_ERR_TRUNCATED_INPUT, "ERR_TRUNCATED_INPUT"},
           {CHUNKER_ERR_TRAILING_DATA, "ERR_TRAILING_DATA"},
           {CHUNKER_ERR_OUTPUT_LIMIT, "ERR_OUTPUT_LIMIT"},
           {CHUNKER_ERR_UNSUPPORTED_FORMAT, "ERR_UNSUPPORTED_FORMAT"},
           {CHUNKER_ERR_VERIFICATION_FAILED, "ERR_VERIFICATION_FAILED"},
           {CHUNKER_ERR_CANCELLED, "ERR_CANCELLED"},
           {CHUNKER_ERR_OUT_OF_MEMORY, "ERR_OUT_OF_MEMORY"},
           {CHUNKER_ERR_INTERNAL, "ERR_INTERNAL"},
           {CHUNKER_ERR_CHANGED, "ERR_CHANGED"}};
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    CHECK(t[i].code == (int)i);
    CHECK(strcmp(chunker_status_name(t[i].code), t[i].name) == 0);
  }
  CHECK(CHUNKER_ERR_IO_ERROR == CHUNKER_ERR_IO);
  CHECK(strcmp(chunker_status_name(-1), "ERR_UNKNOWN") == 0);
  CHECK(strcmp(chunker_status_name(13), "ERR_UNKNOWN") == 0);
  CHECK(strcmp(chunker_status_name(1 << 30), "ERR_UNKNOWN") == 0);
}

static void* fail_on_thread(void* arg) {
  (void)arg;
  static const char* result;
  result = chunker_last_error()[0] == 0 ? "fresh" : "inherited";
  chunker_options_preset(NULL, "4k"); /* fails on this thread only */
  return (void*)result;
}

TEST(last_error_thread_local) {
  CHECK_ST(chunker_options_preset(NULL, "4k"), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_MSG("chunker_options_preset: opts is NULL");
  chunker_options o;
  chunker_options_init(&o);
  CHECK_ST(chunker_options_preset(&o, "nosuch"), CHUNKER_ERR_INVALID_ARGUMENT);
  char mine[1024];
  snprintf(mine, sizeof mine, "%s", chunker_last_error());
  CHECK(strstr(mine, "nosuch") != NULL);
  pthread_t t;
  void* r = NULL;
  REQUIRE(pthread_create(&t, NULL, fail_on_thread, NULL) == 0);
  pthread_join(t, &r);
  CHECK(strcmp((const char*)r, "fresh") == 0);
  CHECK(strcmp(chunker_last_error(), mine) == 0); /* the other thread's failure did not touch it */
  /* Success leaves the message alone (it is "the last failure"). */
  CHECK_OK(chunker_options_preset(&o, "4k"));
  CHECK(strcmp(chunker_last_error(), mine) == 0);
}

TEST(options) {
  chunker_options o;
  memset(&o, 0xff, sizeof o);
  CHECK_OK(chunker_options_init(&o));
  CHECK(o.struct_size == sizeof o);
  CHECK(o.min_size == 256 * 1024 && o.avg_size == 1024 * 1024 && o.max_size == 4 * 1024 * 1024);
  CHECK(o.level == 1 && o.seed == 0 && o.hash == CHUNKER_HASH_SHA256 && o.threads == 1);
  CHECK_ST(chunker_options_init(NULL), CHUNKER_ERR_INVALID_ARGUMENT);

  o.hash = CHUNKER_HASH_BLAKE3;
  o.threads = 3;
  CHECK_OK(chunker_options_preset(&o, "64k"));
  CHECK(o.min_size == 16384 && o.avg_size == 65536 && o.max_size == 262144 && o.level == 1 && o.seed == 0);
  CHECK(o.hash == CHUNKER_HASH_BLAKE3 && o.threads == 3); /* kept */
  CHECK_OK(chunker_options_preset(&o, "nar"));
  CHECK(o.avg_size == 1024 * 1024);
  CHECK_ST(chunker_options_preset(&o, "3k"), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_options_preset(&o, NULL), CHUNKER_ERR_INVALID_ARGUMENT);

  int h = -1;
  CHECK_OK(chunker_hash_parse("blake3", &h));
  CHECK(h == CHUNKER_HASH_BLAKE3);
  CHECK_OK(chunker_hash_parse("sha-256", &h));
  CHECK(h == CHUNKER_HASH_SHA256);
  CHECK_OK(chunker_hash_parse("none", &h));
  CHECK(h == CHUNKER_HASH_NONE);
  CHECK_ST(chunker_hash_parse("md5", &h), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_hash_parse(NULL, &h), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_hash_parse("none", NULL), CHUNKER_ERR_INVALID_ARGUMENT);
}

static int count_cb(void* ctx, const chunker_chunk* c, const uint8_t* d) {
  (void)c, (void)d;
  ++*(size_t*)ctx;
  return 0;
}

TEST(options_checked) {
  uint8_t buf[100] = {0};
  size_t n = 0;
  chunker_options o = opts_sizes(4096, 16384, 65536, CHUNKER_HASH_NONE);
  chunker_options bad = o;
  bad.struct_size = 0;
  CHECK_ST(chunker_chunk_buffer(buf, sizeof buf, &bad, count_cb, &n), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_MSG("struct_size");
  bad = o;
  bad.hash = 3;
  CHECK_ST(chunker_chunk_buffer(buf, sizeof buf, &bad, count_cb, &n), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_MSG("options.hash");
  bad = o;
  bad.min_size = 63;
  CHECK_ST(chunker_chunk_buffer(buf, sizeof buf, &bad, count_cb, &n), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_MSG("min_size");
  bad = o;
  bad.min_size = 32768; /* > avg */
  CHECK_ST(chunker_chunk_buffer(buf, sizeof buf, &bad, count_cb, &n), CHUNKER_ERR_INVALID_ARGUMENT);
  bad = o;
  bad.threads = CHUNKER_MAX_THREADS + 1;
  CHECK_ST(chunker_chunk_buffer(buf, sizeof buf, &bad, count_cb, &n), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_MSG("options.threads");
  bad = o;
  bad.level = 4;
  CHECK_ST(chunker_chunk_buffer(buf, sizeof buf, &bad, count_cb, &n), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK(n == 0);

  /* A caller built against a newer header (a longer struct): unknown fields
   * left zero are fine, set ones are refused. */
  struct {
    chunker_options o;
    uint64_t future;
  } longer;
  memset(&longer, 0, sizeof longer);
  longer.o = o;
  longer.o.struct_size = sizeof longer;
  CHECK_OK(chunker_chunk_buffer(buf, sizeof buf, &longer.o, count_cb, &n));
  CHECK(n == 1);
  longer.future = 1;
  CHECK_ST(chunker_chunk_buffer(buf, sizeof buf, &longer.o, count_cb, &n), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_MSG("does not know");

  /* NULL options = defaults: one chunk for 100 bytes. */
  n = 0;
  CHECK_OK(chunker_chunk_buffer(buf, sizeof buf, NULL, count_cb, &n));
  CHECK(n == 1);
}

/* ---- chunking: fastcdc-rs vectors --------------------------------------------------- */

typedef struct {
  uint32_t min, avg, max, level;
  uint64_t seed;
  size_t n;
  uint64_t fp[16];
  uint32_t len[16];
} vector_case;

/* Reads tests/data/fastcdc_vectors.json (a fixed, simple layout). */
static size_t load_fastcdc_vectors(vector_case* out, size_t cap) {
  bytes j = read_file(data_path("fastcdc_vectors.json"));
  if (!j.data) return 0;
  j.data = realloc(j.data, j.len + 1);
  j.data[j.len] = 0;
  size_t k = 0;
  const char* p = (const char*)j.data;
  while (k < cap && (p = strstr(p, "{\"min\":")) != NULL) {
    vector_case* c = &out[k++];
    memset(c, 0, sizeof *c);
    c->min = (uint32_t)strtoul(strstr(p, "\"min\":") + 6, NULL, 10);
    c->avg = (uint32_t)strtoul(strstr(p, "\"avg\":") + 6, NULL, 10);
    c->max = (uint32_t)strtoul(strstr(p, "\"max\":") + 6, NULL, 10);
    c->level = (uint32_t)strtoul(strstr(p, "\"level\":") + 8, NULL, 10);
    c->seed = strtoull(strstr(p, "\"seed\": \"") + 9, NULL, 10);
    const char* q = strstr(p, "\"chunks\": [") + 11;
    const char* end = strstr(q, "]]");
    while (q < end && (q = strstr(q, "[\"")) != NULL && q < end) {
      char* after;
      c->fp[c->n] = strtoull(q + 2, &after, 10);
      c->len[c->n] = (uint32_t)strtoul(after + 2, &after, 10);
      c->n++;
      q = after;
    }
    p = end;
  }
  free(j.data);
  return k;
}

TEST(chunk_fastcdc_vectors) {
  vector_case cases[8];
  size_t nc = load_fastcdc_vectors(cases, 8);
  REQUIRE(nc == 3);
  bytes img = read_file(data_path("SekienAkashita.jpg"));
  REQUIRE(img.data != NULL && img.len == 109466);
  for (size_t k = 0; k < nc; k++) {
    for (uint32_t threads = 1; threads <= 2; threads++) {
      chunker_options o = opts_sizes(cases[k].min, cases[k].avg, cases[k].max, CHUNKER_HASH_NONE);
      o.level = cases[k].level;
      o.seed = cases[k].seed;
      o.threads = threads;
      chunk_list l = {0};
      l.input = img.data;
      l.input_len = img.len;
      CHECK_OK(chunker_chunk_buffer(img.data, img.len, &o, collect_cb, &l));
      CHECK(l.n == cases[k].n);
      CHECK(!l.data_mismatch);
      CHECK(covers(l.v, l.n, img.len));
      for (size_t i = 0; i < l.n && i < cases[k].n; i++) {
        CHECK(l.v[i].fingerprint == cases[k].fp[i]);
        CHECK(l.v[i].length == cases[k].len[i]);
        CHECK(l.v[i].hash_len == 0);
        static const uint8_t zero[32];
        CHECK(memcmp(l.v[i].hash, zero, 32) == 0);
      }
      free(l.v);
    }
  }
  free(img.data);
}

/* Each chunk's hash equals what b3sum / sha256sum print for its bytes. */
static void check_chunk_hashes(int algo, const char* program) {
  bytes img = read_file(data_path("SekienAkashita.jpg"));
  REQUIRE(img.data);
  chunker_options o = opts_sizes(4096, 16384, 65535, algo);
  chunk_list l = {0};
  CHECK_OK(chunker_chunk_buffer(img.data, img.len, &o, collect_cb, &l));
  REQUIRE(l.n == 5);
  char cmd[8192];
  int at = snprintf(cmd, sizeof cmd, "%s", program);
  for (size_t i = 0; i < l.n; i++) {
    char name[64];
    snprintf(name, sizeof name, "chunk%zu", i);
    const char* p = tmp_path(name);
    REQUIRE(write_file(p, img.data + l.v[i].offset, l.v[i].length));
    at += snprintf(cmd + at, sizeof cmd - at, " %s", p);
  }
  bytes out = run_capture(cmd);
  REQUIRE(out.data);
  const char* line = (const char*)out.data;
  for (size_t i = 0; i < l.n; i++) {
    char hex[65];
    CHECK(l.v[i].hash_len == 32);
    to_hex(l.v[i].hash, 32, hex);
    CHECK(strncmp(line, hex, 64) == 0);
    line = strchr(line, '\n');
    REQUIRE(line);
    line++;
  }
  free(out.data);
  free(l.v);
  free(img.data);
}

TEST(chunk_hashes_b3sum) {
  NEED_PROGRAM("b3sum");
  check_chunk_hashes(CHUNKER_HASH_BLAKE3, "b3sum");
}

TEST(chunk_hashes_sha256sum) {
  NEED_PROGRAM("sha256sum");
  check_chunk_hashes(CHUNKER_HASH_SHA256, "sha256sum");
}

/* Threads (1, 2, all) and the collecting form give identical records. */
TEST(chunk_threads_and_collect) {
  const size_t len = (12u << 20) + 12345;
  uint8_t* data = random_bytes(len, 42);
  chunker_options o = opts_sizes(16384, 65536, 262144, CHUNKER_HASH_BLAKE3);
  chunk_list one = {0};
  one.input = data;
  one.input_len = len;
  CHECK_OK(chunker_chunk_buffer(data, len, &o, collect_cb, &one));
  CHECK(!one.data_mismatch);
  CHECK(covers(one.v, one.n, len));
  CHECK(one.n > 100);
  for (uint32_t t = 0; t <= 2; t += 2) {
    o.threads = t;
    chunk_list l = {0};
    l.input = data;
    l.input_len = len;
    CHECK_OK(chunker_chunk_buffer(data, len, &o, collect_cb, &l));
    CHECK(!l.data_mismatch);
    CHECK(same_chunks(one.v, one.n, l.v, l.n));
    free(l.v);
    chunker_buffer b = {0};
    CHECK_OK(chunker_chunk_buffer_collect(data, len, &o, &b));
    CHECK(b.len == one.n * sizeof(chunker_chunk));
    CHECK(same_chunks(one.v, one.n, (const chunker_chunk*)b.data, b.len / sizeof(chunker_chunk)));
    chunker_buffer_free(&b);
    CHECK(b.data == NULL && b.len == 0);
  }
  /* The file forms read the same bytes. */
  const char* path = tmp_path("random.bin");
  REQUIRE(write_file(path, data, len));
  o.threads = 2;
  chunker_buffer b = {0};
  CHECK_OK(chunker_chunk_file_collect(path, &o, &b));
  CHECK(same_chunks(one.v, one.n, (const chunker_chunk*)b.data, b.len / sizeof(chunker_chunk)));
  chunker_buffer_free(&b);
  chunk_list f = {0};
  f.input = data;
  f.input_len = len;
  CHECK_OK(chunker_chunk_file(path, &o, collect_cb, &f));
  CHECK(!f.data_mismatch);
  CHECK(same_chunks(one.v, one.n, f.v, f.n));
  free(f.v);
  int fd = open(path, O_RDONLY);
  REQUIRE(fd >= 0);
  CHECK(lseek(fd, 1000, SEEK_SET) == 1000); /* a regular file is chunked whole, whatever the offset */
  CHECK_OK(chunker_chunk_fd_collect(fd, &o, &b));
  CHECK(same_chunks(one.v, one.n, (const chunker_chunk*)b.data, b.len / sizeof(chunker_chunk)));
  chunker_buffer_free(&b);
  CHECK(fcntl(fd, F_GETFD) != -1); /* still open, still the caller's */
  close(fd);
  free(one.v);
  free(data);
}

TEST(chunk_empty_input) {
  size_t n = 0;
  chunker_options o = opts_sizes(4096, 16384, 65536, CHUNKER_HASH_SHA256);
  CHECK_OK(chunker_chunk_buffer(NULL, 0, &o, count_cb, &n));
  CHECK(n == 0);
  chunker_buffer b = {(uint8_t*)1, 5};
  CHECK_OK(chunker_chunk_buffer_collect(NULL, 0, &o, &b));
  CHECK(b.data == NULL && b.len == 0);
  const char* path = tmp_path("empty");
  REQUIRE(write_file(path, "", 0));
  CHECK_OK(chunker_chunk_file(path, &o, count_cb, &n));
  CHECK(n == 0);
}

TEST(chunk_fd_pipe) {
  bytes img = read_file(data_path("SekienAkashita.jpg"));
  REQUIRE(img.data);
  chunker_options o = opts_sizes(4096, 16384, 65535, CHUNKER_HASH_SHA256);
  chunk_list ref = {0};
  CHECK_OK(chunker_chunk_buffer(img.data, img.len, &o, collect_cb, &ref));
  int p[2];
  REQUIRE(pipe(p) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) { /* writer: the image in small pieces */
    close(p[0]);
    for (size_t off = 0; off < img.len; off += 1000) {
      size_t k = img.len - off < 1000 ? img.len - off : 1000;
      if (write(p[1], img.data + off, k) != (ssize_t)k) _exit(1);
    }
    _exit(0);
  }
  close(p[1]);
  chunk_list l = {0};
  l.input = img.data;
  l.input_len = img.len;
  CHECK_OK(chunker_chunk_fd(p[0], &o, collect_cb, &l));
  close(p[0]);
  int ws = 0;
  waitpid(pid, &ws, 0);
  CHECK(!l.data_mismatch);
  CHECK(same_chunks(ref.v, ref.n, l.v, l.n));
  free(l.v);
  free(ref.v);
  free(img.data);
}

TEST(chunk_bad_input) {
  size_t n = 0;
  uint8_t x[4] = {0};
  chunker_options o = opts_sizes(4096, 16384, 65536, CHUNKER_HASH_NONE);
  CHECK_ST(chunker_chunk_buffer(NULL, 1, &o, count_cb, &n), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_MSG("data is NULL");
  CHECK_ST(chunker_chunk_buffer(x, 4, &o, NULL, &n), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_MSG("fn is NULL");
  CHECK_ST(chunker_chunk_file(NULL, &o, count_cb, &n), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_chunk_fd(-1, &o, count_cb, &n), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_chunk_buffer_collect(x, 4, &o, NULL), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_chunk_fd_collect(-5, &o, NULL), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_chunk_file_collect(NULL, &o, NULL), CHUNKER_ERR_INVALID_ARGUMENT);

  const char* missing = tmp_path("does-not-exist");
  CHECK_ST(chunker_chunk_file(missing, &o, count_cb, &n), CHUNKER_ERR_IO);
  CHECK_MSG(missing);
  CHECK_ST(chunker_chunk_file(tmpdir(), &o, count_cb, &n), CHUNKER_ERR_IO);
  CHECK_MSG("directory");
  /* A descriptor that is not open. */
  int fd = open(data_path("SekienAkashita.jpg"), O_RDONLY);
  REQUIRE(fd >= 0);
  close(fd);
  CHECK_ST(chunker_chunk_fd(fd, &o, count_cb, &n), CHUNKER_ERR_IO);
  CHECK(n == 0);
}

TEST(chunk_cancel) {
  const size_t len = 6u << 20;
  uint8_t* data = random_bytes(len, 7);
  chunker_options o = opts_sizes(4096, 16384, 65536, CHUNKER_HASH_BLAKE3);
  for (uint32_t t = 1; t <= 2; t++) {
    o.threads = t;
    chunk_list l = {0};
    l.stop_after = 3;
    CHECK_ST(chunker_chunk_buffer(data, len, &o, collect_cb, &l), CHUNKER_ERR_CANCELLED);
    CHECK_MSG("callback");
    CHECK(l.calls == 3); /* no call after the one that said stop */
    free(l.v);
  }
  const char* path = tmp_path("cancel.bin");
  REQUIRE(write_file(path, data, len));
  chunk_list l = {0};
  l.stop_after = 1;
  CHECK_ST(chunker_chunk_file(path, &o, collect_cb, &l), CHUNKER_ERR_CANCELLED);
  CHECK(l.calls == 1);
  free(l.v);
  free(data);
}

/* Appends to the file being chunked from inside the callback. */
typedef struct {
  const char* path;
  int done;
} change_ctx;
static int change_cb(void* ctx, const chunker_chunk* c, const uint8_t* d) {
  (void)c, (void)d;
  change_ctx* x = ctx;
  if (!x->done) {
    FILE* f = fopen(x->path, "ab");
    if (f) {
      fputs("more", f);
      fclose(f);
    }
    x->done = 1;
  }
  return 0;
}

TEST(chunk_file_changed) {
  const char* path = tmp_path("changing.bin");
  for (int big = 0; big <= 1; big++) { /* read whole / read by position in slots */
    size_t len = big ? (10u << 20) : 200000;
    uint8_t* data = random_bytes(len, 9);
    REQUIRE(write_file(path, data, len));
    free(data);
    chunker_options o = opts_sizes(4096, 16384, 65536, CHUNKER_HASH_NONE);
    change_ctx x = {path, 0};
    CHECK_ST(chunker_chunk_file(path, &o, change_cb, &x), CHUNKER_ERR_CHANGED);
    CHECK_MSG("changed while being read");
    CHECK(x.done);
  }
}

/* ---- streaming ------------------------------------------------------------------------ */

TEST(stream) {
  const size_t len = (3u << 20) + 777;
  uint8_t* data = random_bytes(len, 11);
  for (uint32_t t = 1; t <= 2; t++) {
    chunker_options o = opts_sizes(4096, 16384, 65536, CHUNKER_HASH_SHA256);
    o.threads = t;
    chunk_list ref = {0};
    CHECK_OK(chunker_chunk_buffer(data, len, &o, collect_cb, &ref));
    chunker_stream* s = NULL;
    CHECK_OK(chunker_stream_new(&o, &s));
    REQUIRE(s);
    for (int round = 0; round < 2; round++) { /* a second stream on the same handle */
      chunk_list l = {0};
      l.input = data;
      l.input_len = len;
      static const size_t pieces[] = {0, 1, 7, 4095, 70000, 300000, 1, 65536};
      size_t off = 0, k = 0;
      while (off < len) {
        size_t n = pieces[k++ % 8];
        if (n > len - off) n = len - off;
        CHECK_OK(chunker_stream_push(s, data + off, n, collect_cb, &l));
        off += n;
      }
      CHECK_OK(chunker_stream_push(s, NULL, 0, collect_cb, &l));
      CHECK_OK(chunker_stream_finish(s, collect_cb, &l));
      CHECK(!l.data_mismatch);
      CHECK(same_chunks(ref.v, ref.n, l.v, l.n));
      free(l.v);
    }
    /* Collecting forms. */
    chunker_chunk* all = NULL;
    size_t n = 0;
    for (size_t off = 0; off <= len; off += 1000000) {
      size_t k = len - off < 1000000 ? len - off : 1000000;
      chunker_buffer b = {0};
      CHECK_OK(off < len ? chunker_stream_push_collect(s, data + off, k, &b) : chunker_stream_finish_collect(s, &b));
      size_t m = b.len / sizeof(chunker_chunk);
      all = realloc(all, (n + m + 1) * sizeof *all);
      if (m) memcpy(all + n, b.data, b.len);
      n += m;
      chunker_buffer_free(&b);
      if (off + k == len && off + 1000000 > len) {
        CHECK_OK(chunker_stream_finish_collect(s, &b));
        m = b.len / sizeof(chunker_chunk);
        all = realloc(all, (n + m + 1) * sizeof *all);
        if (m) memcpy(all + n, b.data, b.len);
        n += m;
        chunker_buffer_free(&b);
        break;
      }
    }
    CHECK(same_chunks(ref.v, ref.n, all, n));
    free(all);
    /* Cancelled in a push: the stream is reset, a new one starts. */
    chunk_list c = {0};
    c.stop_after = 2;
    CHECK_ST(chunker_stream_push(s, data, len, collect_cb, &c), CHUNKER_ERR_CANCELLED);
    CHECK(c.calls == 2);
    free(c.v);
    chunk_list again = {0};
    CHECK_OK(chunker_stream_push(s, data, len, collect_cb, &again));
    CHECK_OK(chunker_stream_finish(s, collect_cb, &again));
    CHECK(same_chunks(ref.v, ref.n, again.v, again.n));
    free(again.v);
    chunker_stream_free(s);
    free(ref.v);
  }
  free(data);
}

TEST(stream_bad_input) {
  chunker_stream* s = (chunker_stream*)1;
  chunker_options o = opts_sizes(4096, 16384, 65536, CHUNKER_HASH_SHA256);
  CHECK_ST(chunker_stream_new(&o, NULL), CHUNKER_ERR_INVALID_ARGUMENT);
  o.max_size = 100;
  CHECK_ST(chunker_stream_new(&o, &s), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK(s == NULL);
  o.max_size = 65536;
  CHECK_OK(chunker_stream_new(NULL, &s)); /* defaults */
  chunker_stream_free(s);
  CHECK_OK(chunker_stream_new(&o, &s));
  size_t n = 0;
  uint8_t x[1] = {0};
  chunker_buffer b;
  CHECK_ST(chunker_stream_push(NULL, x, 1, count_cb, &n), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_stream_push(s, NULL, 1, count_cb, &n), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_stream_push(s, x, 1, NULL, &n), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_stream_finish(NULL, count_cb, &n), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_stream_finish(s, NULL, &n), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_stream_push_collect(s, x, 1, NULL), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_stream_push_collect(NULL, x, 1, &b), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_stream_finish_collect(s, NULL), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_stream_finish_collect(NULL, &b), CHUNKER_ERR_INVALID_ARGUMENT);
  /* A handle of another type is refused, in every build (its magic differs). */
  chunker_blake3* h = NULL;
  CHECK_OK(chunker_blake3_new(&h));
  CHECK_ST(chunker_stream_push((chunker_stream*)(void*)h, x, 1, count_cb, &n), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_MSG("chunker_stream");
  chunker_blake3_free(h);
  chunker_stream_free(s);
  chunker_stream_free(NULL);
  CHECK(n == 0);
}

/* ---- BLAKE3 --------------------------------------------------------------------------- */

/* Next "name": "hex" string value after p; returns its start and length. */
static const char* json_str(const char* p, const char* key, size_t* n) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\": \"", key);
  const char* s = strstr(p, pat);
  if (!s) return NULL;
  s += strlen(pat);
  *n = (size_t)(strchr(s, '"') - s);
  return s;
}

TEST(blake3_official_vectors) {
  bytes j = read_file(data_path("blake3_test_vectors.json"));
  REQUIRE(j.data);
  j.data = realloc(j.data, j.len + 1);
  j.data[j.len] = 0;
  const char* p = (const char*)j.data;
  size_t klen, clen;
  const char* key = json_str(p, "key", &klen);
  const char* ctx = json_str(p, "context_string", &clen);
  REQUIRE(key && klen == 32 && ctx);
  char context[128];
  snprintf(context, sizeof context, "%.*s", (int)clen, ctx);
  int cases = 0;
  while ((p = strstr(p, "\"input_len\": ")) != NULL) {
    size_t in_len = strtoul(p + 13, NULL, 10);
    uint8_t* in = malloc(in_len + 1);
    for (size_t i = 0; i < in_len; i++) in[i] = (uint8_t)(i % 251);
    static const char* modes[] = {"hash", "keyed_hash", "derive_key"};
    for (int m = 0; m < 3; m++) {
      size_t hl;
      const char* hex = json_str(p, modes[m], &hl);
      REQUIRE(hex);
      size_t out_len = hl / 2;
      uint8_t* want = malloc(out_len);
      uint8_t* got = malloc(out_len);
      REQUIRE(from_hex(hex, out_len, want));
      chunker_blake3* h = NULL;
      if (m == 0) CHECK_OK(chunker_blake3_new(&h));
      if (m == 1) CHECK_OK(chunker_blake3_new_keyed((const uint8_t*)key, &h));
      if (m == 2) CHECK_OK(chunker_blake3_new_derive_key(context, &h));
      REQUIRE(h);
      /* Updates of uneven sizes, then the whole extended output. */
      size_t off = 0, step = 1;
      while (off < in_len) {
        size_t k = in_len - off < step ? in_len - off : step;
        CHECK_OK(chunker_blake3_update(h, in + off, k));
        off += k;
        step = step * 3 + 1;
      }
      CHECK_OK(chunker_blake3_finalize(h, got, out_len));
      CHECK(memcmp(got, want, out_len) == 0);
      /* Seek into the output. */
      CHECK_OK(chunker_blake3_finalize_seek(h, 37, got, out_len - 37));
      CHECK(memcmp(got, want + 37, out_len - 37) == 0);
      /* Reset, then the whole input in one parallel update. */
      CHECK_OK(chunker_blake3_reset(h));
      CHECK_OK(chunker_blake3_update_parallel(h, in, in_len, 4));
      CHECK_OK(chunker_blake3_finalize(h, got, 32));
      CHECK(memcmp(got, want, 32) == 0);
      if (m == 0) {
        uint8_t d[32];
        CHECK_OK(chunker_blake3_hash(in, in_len, d));
        CHECK(memcmp(d, want, 32) == 0);
      }
      chunker_blake3_free(h);
      free(want);
      free(got);
    }
    free(in);
    cases++;
    p += 13;
  }
  CHECK(cases >= 30);
  free(j.data);
}

/* b3sum over a larger input, all three modes and a long output. */
TEST(blake3_b3sum) {
  NEED_PROGRAM("b3sum");
  const size_t len = (5u << 20) + 3;
  uint8_t* data = random_bytes(len, 3);
  const char* path = tmp_path("b3.bin");
  REQUIRE(write_file(path, data, len));
  const uint8_t key[32] = "0123456789abcdef0123456789abcdef";
  const char* keyfile = tmp_path("b3.key");
  REQUIRE(write_file(keyfile, key, 32));
  char cmd[1024];
  for (int m = 0; m < 3; m++) {
    if (m == 0) snprintf(cmd, sizeof cmd, "b3sum --no-names --length 100 %s", path);
    if (m == 1) snprintf(cmd, sizeof cmd, "b3sum --no-names --length 100 --keyed %s < %s", path, keyfile);
    if (m == 2) snprintf(cmd, sizeof cmd, "b3sum --no-names --length 100 --derive-key 'chunker capi test' %s", path);
    bytes out = run_capture(cmd);
    REQUIRE(out.data && out.len >= 200);
    chunker_blake3* h = NULL;
    if (m == 0) CHECK_OK(chunker_blake3_new(&h));
    if (m == 1) CHECK_OK(chunker_blake3_new_keyed(key, &h));
    if (m == 2) CHECK_OK(chunker_blake3_new_derive_key("chunker capi test", &h));
    CHECK_OK(chunker_blake3_update_parallel(h, data, len, 0));
    uint8_t got[100];
    char hex[201];
    CHECK_OK(chunker_blake3_finalize(h, got, sizeof got));
    to_hex(got, sizeof got, hex);
    CHECK(strncmp((const char*)out.data, hex, 200) == 0);
    /* finalize does not modify: more input continues the same stream */
    CHECK_OK(chunker_blake3_update(h, NULL, 0));
    CHECK_OK(chunker_blake3_finalize(h, got, 32));
    to_hex(got, 32, hex);
    CHECK(strncmp((const char*)out.data, hex, 64) == 0);
    chunker_blake3_free(h);
    free(out.data);
  }
  uint8_t d[32];
  char hex[65];
  CHECK_OK(chunker_blake3_hash(data, len, d));
  to_hex(d, 32, hex);
  snprintf(cmd, sizeof cmd, "b3sum --no-names %s", path);
  bytes out = run_capture(cmd);
  REQUIRE(out.data);
  CHECK(strncmp((const char*)out.data, hex, 64) == 0);
  free(out.data);
  free(data);
}

TEST(blake3_bad_input) {
  chunker_blake3* h = (chunker_blake3*)1;
  uint8_t out[32];
  CHECK_ST(chunker_blake3_new(NULL), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_blake3_new_keyed(NULL, &h), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK(h == NULL);
  CHECK_ST(chunker_blake3_new_derive_key(NULL, &h), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_blake3_update(NULL, out, 1), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_blake3_update_parallel(NULL, out, 1, 2), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_blake3_finalize(NULL, out, 32), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_blake3_finalize_seek(NULL, 0, out, 32), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_blake3_reset(NULL), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_blake3_hash(NULL, 1, out), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_blake3_hash(out, 1, NULL), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_OK(chunker_blake3_new(&h));
  CHECK_ST(chunker_blake3_update(h, NULL, 5), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_blake3_finalize(h, NULL, 5), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_OK(chunker_blake3_finalize(h, NULL, 0));
  CHECK_OK(chunker_blake3_update(h, NULL, 0));
  /* Empty input: the published digest of "". */
  CHECK_OK(chunker_blake3_finalize(h, out, 32));
  char hex[65];
  to_hex(out, 32, hex);
  CHECK(strcmp(hex, "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262") == 0);
  CHECK_OK(chunker_blake3_hash(NULL, 0, out));
  to_hex(out, 32, hex);
  CHECK(strcmp(hex, "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262") == 0);
  /* Another type's handle. */
  chunker_sha256* s = NULL;
  CHECK_OK(chunker_sha256_new(&s));
  CHECK_ST(chunker_blake3_update((chunker_blake3*)(void*)s, out, 1), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_sha256_update((chunker_sha256*)(void*)h, out, 1), CHUNKER_ERR_INVALID_ARGUMENT);
  chunker_sha256_free(s);
  chunker_blake3_free(h);
  chunker_blake3_free(NULL);
}

typedef struct {
  const uint8_t* data;
  size_t len;
  uint8_t digest[32];
  int st;
} hash_job;

static void* hash_thread(void* arg) {
  hash_job* j = arg;
  chunker_blake3* h = NULL;
  j->st = chunker_blake3_new(&h);
  for (size_t off = 0; j->st == 0 && off < j->len; off += 4096)
    j->st = chunker_blake3_update(h, j->data + off, j->len - off < 4096 ? j->len - off : 4096);
  if (j->st == 0) j->st = chunker_blake3_finalize(h, j->digest, 32);
  chunker_blake3_free(h);
  return NULL;
}

/* Different handles on different threads at once. */
TEST(blake3_threads) {
  const size_t len = 1u << 20;
  uint8_t* data = random_bytes(len, 5);
  uint8_t want[32];
  CHECK_OK(chunker_blake3_hash(data, len, want));
  hash_job jobs[4];
  pthread_t t[4];
  for (int i = 0; i < 4; i++) {
    jobs[i] = (hash_job){data, len, {0}, -1};
    REQUIRE(pthread_create(&t[i], NULL, hash_thread, &jobs[i]) == 0);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(t[i], NULL);
    CHECK(jobs[i].st == CHUNKER_OK);
    CHECK(memcmp(jobs[i].digest, want, 32) == 0);
  }
  free(data);
}

/* ---- SHA-256 ---------------------------------------------------------------------------- */

TEST(sha256_sha256sum) {
  NEED_PROGRAM("sha256sum");
  const size_t len = (1u << 20) + 13;
  uint8_t* data = random_bytes(len, 8);
  const char* path = tmp_path("s.bin");
  REQUIRE(write_file(path, data, len));
  char cmd[600];
  snprintf(cmd, sizeof cmd, "sha256sum %s", path);
  bytes out = run_capture(cmd);
  REQUIRE(out.data);
  uint8_t d[32];
  char hex[65];
  CHECK_OK(chunker_sha256_hash(data, len, d));
  to_hex(d, 32, hex);
  CHECK(strncmp((const char*)out.data, hex, 64) == 0);
  chunker_sha256* h = NULL;
  CHECK_OK(chunker_sha256_new(&h));
  for (size_t off = 0, step = 1; off < len; step = step * 2 + 1) {
    size_t k = len - off < step ? len - off : step;
    CHECK_OK(chunker_sha256_update(h, data + off, k));
    off += k;
  }
  CHECK_OK(chunker_sha256_finalize(h, d));
  to_hex(d, 32, hex);
  CHECK(strncmp((const char*)out.data, hex, 64) == 0);
  CHECK_OK(chunker_sha256_finalize(h, d)); /* finalize leaves the hasher as it was */
  to_hex(d, 32, hex);
  CHECK(strncmp((const char*)out.data, hex, 64) == 0);
  CHECK_OK(chunker_sha256_reset(h));
  CHECK_OK(chunker_sha256_finalize(h, d));
  to_hex(d, 32, hex);
  CHECK(strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0);
  /* hex_encode agrees with sha256sum's hex too */
  char lib_hex[65];
  CHECK_OK(chunker_sha256_hash(data, len, d));
  CHECK_OK(chunker_hex_encode(d, 32, lib_hex, sizeof lib_hex));
  CHECK(strncmp((const char*)out.data, lib_hex, 64) == 0);
  chunker_sha256_free(h);
  free(out.data);
  free(data);
}

TEST(sha256_bad_input) {
  chunker_sha256* h = (chunker_sha256*)1;
  uint8_t out[32];
  CHECK_ST(chunker_sha256_new(NULL), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_sha256_update(NULL, out, 1), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_sha256_finalize(NULL, out), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_sha256_reset(NULL), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_sha256_hash(NULL, 3, out), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_sha256_hash(out, 3, NULL), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_OK(chunker_sha256_new(&h));
  CHECK_ST(chunker_sha256_update(h, NULL, 3), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_sha256_finalize(h, NULL), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_OK(chunker_sha256_update(h, NULL, 0));
  chunker_sha256_free(h);
  chunker_sha256_free(NULL);
}

/* ---- codecs ----------------------------------------------------------------------------- */

static const struct {
  int codec;
  const char* name;
  const char* program;
  const char* compress_cmd; /* program compressing stdin to stdout */
  int level;
} g_codecs[] = {
    {CHUNKER_CODEC_ZSTD, "zstd", "zstd", "zstd -q -c -5", 5},
    {CHUNKER_CODEC_LZ4, "lz4", "lz4", "lz4 -q -c -9", 9},
    {CHUNKER_CODEC_XZ, "xz", "xz", "xz -q -c -3", 3},
    {CHUNKER_CODEC_BZIP2, "bzip2", "bzip2", "bzip2 -q -c -5", 5},
};

/* Our frame decoded by the program, the program's frame decoded by us; one-shot and streaming. */
static void codec_interop(int idx) {
  NEED_PROGRAM(g_codecs[idx].program);
  const int codec = g_codecs[idx].codec;
  const size_t len = 700000;
  uint8_t* data = text_bytes(len);
  uint8_t* noise = random_bytes(50000, 1);
  memcpy(data + 100000, noise, 50000); /* some incompressible part */
  free(noise);
  const char* raw = tmp_path("raw.bin");
  const char* z = tmp_path("ours.z");
  const char* back = tmp_path("back.bin");
  REQUIRE(write_file(raw, data, len));
  char cmd[1024];

  /* one-shot, allocating */
  chunker_buffer b = {0};
  CHECK_OK(chunker_compress_alloc(codec, CHUNKER_LEVEL_DEFAULT, data, len, &b));
  CHECK(b.len > 0 && b.len < len);
  CHECK(b.len <= chunker_compress_bound(codec, len));
  REQUIRE(write_file(z, b.data, b.len));
  snprintf(cmd, sizeof cmd, "%s -d -q -c < %s > %s", g_codecs[idx].program, z, back);
  CHECK(system(cmd) == 0);
  bytes got = read_file(back);
  CHECK(got.len == len && memcmp(got.data, data, len) == 0);
  free(got.data);

  /* one-shot into a caller buffer of exactly the bound, explicit level */
  size_t cap = chunker_compress_bound(codec, len), written = 0;
  uint8_t* out = malloc(cap);
  CHECK_OK(chunker_compress(codec, g_codecs[idx].level, data, len, out, cap, &written));
  REQUIRE(write_file(z, out, written));
  CHECK(system(cmd) == 0);
  got = read_file(back);
  CHECK(got.len == len && memcmp(got.data, data, len) == 0);
  free(got.data);
  /* ... and a buffer far too small */
  CHECK_ST(chunker_compress(codec, g_codecs[idx].level, data, len, out, written / 2, &written), CHUNKER_ERR_OUTPUT_LIMIT);
  free(out);

  /* streaming, with a small output buffer */
  chunker_compressor* c = NULL;
  CHECK_OK(chunker_compressor_new(codec, CHUNKER_LEVEL_DEFAULT, 1, &c));
  REQUIRE(c);
  for (int frame = 0; frame < 2; frame++) { /* the handle is reusable */
    uint8_t obuf[997];
    FILE* f = fopen(z, "wb");
    size_t off = 0;
    chunker_step st;
    for (;;) {
      size_t k = len - off < 30000 ? len - off : 30000;
      int fin = off + k == len;
      CHECK_OK(chunker_compressor_update(c, data + off, k, obuf, sizeof obuf, fin, &st));
      fwrite(obuf, 1, st.out_used, f);
      off += st.in_used;
      if (fin && st.in_used == k && st.done) break;
      if (st.out_used == 0 && st.in_used == 0 && !fin) {
        CHECK(!"no progress");
        break;
      }
    }
    fclose(f);
    CHECK(system(cmd) == 0);
    got = read_file(back);
    CHECK(got.len == len && memcmp(got.data, data, len) == 0);
    free(got.data);
  }
  chunker_compressor_free(c);

  /* the program's frame, decoded by us */
  snprintf(cmd, sizeof cmd, "%s < %s > %s", g_codecs[idx].compress_cmd, raw, z);
  REQUIRE(system(cmd) == 0);
  bytes theirs = read_file(z);
  REQUIRE(theirs.data);
  uint8_t* dec = malloc(len);
  CHECK_OK(chunker_decompress(theirs.data, theirs.len, dec, len, &written));
  CHECK(written == len && memcmp(dec, data, len) == 0);
  CHECK_ST(chunker_decompress(theirs.data, theirs.len, dec, len - 1, &written), CHUNKER_ERR_OUTPUT_LIMIT);
  chunker_buffer d = {0};
  CHECK_OK(chunker_decompress_alloc(theirs.data, theirs.len, 0, &d));
  CHECK(d.len == len && memcmp(d.data, data, len) == 0);
  chunker_buffer_free(&d);
  CHECK_ST(chunker_decompress_alloc(theirs.data, theirs.len, len - 1, &d), CHUNKER_ERR_OUTPUT_LIMIT);
  CHECK(d.data == NULL && d.len == 0);

  /* streaming decode, byte-sized input pieces at first, small output buffer */
  for (int auto_detect = 0; auto_detect <= 1; auto_detect++) {
    chunker_decompressor* x = NULL;
    CHECK_OK(chunker_decompressor_new(auto_detect ? CHUNKER_CODEC_NONE : codec, 0, &x));
    REQUIRE(x);
    size_t in_off = 0, out_off = 0;
    uint8_t obuf[4093];
    int guard = 0;
    while (in_off < theirs.len || guard == 0) {
      size_t k = in_off < 64 ? 1 : theirs.len - in_off < 5000 ? theirs.len - in_off : 5000;
      chunker_step st;
      int s = chunker_decompressor_update(x, theirs.data + in_off, k, obuf, sizeof obuf, &st);
      CHECK_OK(s);
      if (s) break;
      CHECK(out_off + st.out_used <= len);
      if (out_off + st.out_used > len) break;
      CHECK(memcmp(obuf, data + out_off, st.out_used) == 0);
      out_off += st.out_used;
      in_off += st.in_used;
      if (in_off == theirs.len) {
        /* drain what is buffered */
        do {
          CHECK_OK(chunker_decompressor_update(x, NULL, 0, obuf, sizeof obuf, &st));
          CHECK(out_off + st.out_used <= len);
          if (out_off + st.out_used > len) break;
          CHECK(memcmp(obuf, data + out_off, st.out_used) == 0);
          out_off += st.out_used;
        } while (st.out_used == sizeof obuf);
        guard = 1;
      }
    }
    CHECK(out_off == len);
    CHECK_OK(chunker_decompressor_finish(x));
    /* a truncated frame: finish reports it */
    CHECK_OK(chunker_decompressor_reset(x));
    chunker_step st;
    CHECK_OK(chunker_decompressor_update(x, theirs.data, theirs.len / 2, obuf, sizeof obuf, &st));
    while (st.out_used == sizeof obuf) CHECK_OK(chunker_decompressor_update(x, NULL, 0, obuf, sizeof obuf, &st));
    CHECK_ST(chunker_decompressor_finish(x), CHUNKER_ERR_TRUNCATED_INPUT);
    chunker_decompressor_free(x);
  }
  /* an output limit on the streaming decoder */
  chunker_decompressor* x = NULL;
  CHECK_OK(chunker_decompressor_new(codec, 1000, &x));
  chunker_step st;
  int s = CHUNKER_OK;
  for (size_t in_off = 0; s == CHUNKER_OK && in_off < theirs.len; in_off += st.in_used) {
    s = chunker_decompressor_update(x, theirs.data + in_off, theirs.len - in_off, dec, len, &st);
    if (s == CHUNKER_OK && st.in_used == 0 && st.out_used == 0) break;
  }
  CHECK(s == CHUNKER_ERR_OUTPUT_LIMIT);
  chunker_decompressor_free(x);

  free(dec);
  free(theirs.data);
  chunker_buffer_free(&b);
  free(data);
}

TEST(codec_zstd) { codec_interop(0); }
TEST(codec_lz4) { codec_interop(1); }
TEST(codec_xz) { codec_interop(2); }
TEST(codec_bzip2) { codec_interop(3); }

/* zstd's multithreaded mode writes what `zstd -T2` writes. */
TEST(codec_zstd_threads) {
  NEED_PROGRAM("zstd");
  const size_t len = 6u << 20;
  uint8_t* data = text_bytes(len);
  const char* raw = tmp_path("mt.bin");
  REQUIRE(write_file(raw, data, len));
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "cat %s | zstd -q -c -3 -T2", raw); /* a pipe: no content size, as when streaming */
  bytes want = run_capture(cmd);
  REQUIRE(want.data);
  chunker_compressor* c = NULL;
  CHECK_OK(chunker_compressor_new(CHUNKER_CODEC_ZSTD, 3, 2, &c));
  size_t cap = chunker_compress_bound(CHUNKER_CODEC_ZSTD, len), used = 0, off = 0;
  uint8_t* out = malloc(cap);
  chunker_step st = {0, 0, 0};
  while (!st.done) {
    size_t k = len - off < (1u << 20) ? len - off : (1u << 20);
    CHECK_OK(chunker_compressor_update(c, data + off, k, out + used, cap - used, off + k == len, &st));
    off += st.in_used;
    used += st.out_used;
    if (st.in_used == 0 && st.out_used == 0 && !st.done) break;
  }
  CHECK(used == want.len && memcmp(out, want.data, used) == 0);
  if (used != want.len || memcmp(out, want.data, used) != 0)
    fprintf(stderr, "(the same bytes need the zstd program of the linked libzstd's version: "
                    "eval \"$(bash scripts/zstd-native.sh env)\")\n");
  chunker_compressor_free(c);
  free(out);
  free(want.data);
  free(data);
}

TEST(codec_bad_input) {
  uint8_t in[64] = "not compressed at all, no magic number here...";
  uint8_t out[256];
  size_t w = 123;
  chunker_buffer b = {0};
  int c = -1;
  CHECK_OK(chunker_codec_parse("zstd", &c));
  CHECK(c == CHUNKER_CODEC_ZSTD);
  CHECK_OK(chunker_codec_parse("bz2", &c));
  CHECK(c == CHUNKER_CODEC_BZIP2);
  CHECK_OK(chunker_codec_parse("xz", &c));
  CHECK(c == CHUNKER_CODEC_XZ);
  CHECK_OK(chunker_codec_parse("lz4", &c));
  CHECK(c == CHUNKER_CODEC_LZ4);
  CHECK_ST(chunker_codec_parse("gzip", &c), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_codec_parse(NULL, &c), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_codec_parse("zstd", NULL), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK(chunker_compress_bound(CHUNKER_CODEC_NONE, 100) == 0);
  CHECK(chunker_compress_bound(5, 100) == 0);
  CHECK(chunker_compress_bound(-1, 100) == 0);
  CHECK(chunker_compress_bound(CHUNKER_CODEC_ZSTD, 0) > 0);

  static const int bad_codecs[] = {CHUNKER_CODEC_NONE, 5, -1, 1000};
  for (int i = 0; i < 4; i++) {
    CHECK_ST(chunker_compress(bad_codecs[i], CHUNKER_LEVEL_DEFAULT, in, 10, out, sizeof out, &w),
             CHUNKER_ERR_INVALID_ARGUMENT);
    CHECK_ST(chunker_compress_alloc(bad_codecs[i], CHUNKER_LEVEL_DEFAULT, in, 10, &b), CHUNKER_ERR_INVALID_ARGUMENT);
    chunker_compressor* x = (chunker_compressor*)1;
    CHECK_ST(chunker_compressor_new(bad_codecs[i], CHUNKER_LEVEL_DEFAULT, 1, &x), CHUNKER_ERR_INVALID_ARGUMENT);
    CHECK(x == NULL);
  }
  chunker_decompressor* d = NULL;
  chunker_compressor* cx = NULL;
  CHECK_ST(chunker_compressor_new(CHUNKER_CODEC_ZSTD, 3, CHUNKER_MAX_THREADS + 1, &cx), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK(cx == NULL);
  CHECK_ST(chunker_decompressor_new(5, 0, &d), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_decompressor_new(-1, 0, &d), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_decompressor_new(0, 0, NULL), CHUNKER_ERR_INVALID_ARGUMENT);
  /* levels out of range */
  CHECK_ST(chunker_compress(CHUNKER_CODEC_ZSTD, 23, in, 10, out, sizeof out, &w), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_MSG("level");
  CHECK_ST(chunker_compress(CHUNKER_CODEC_XZ, 10, in, 10, out, sizeof out, &w), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_compress(CHUNKER_CODEC_BZIP2, 0, in, 10, out, sizeof out, &w), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_compress(CHUNKER_CODEC_LZ4, 13, in, 10, out, sizeof out, &w), CHUNKER_ERR_INVALID_ARGUMENT);
  /* NULLs */
  CHECK_ST(chunker_compress(CHUNKER_CODEC_ZSTD, 3, NULL, 10, out, sizeof out, &w), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_compress(CHUNKER_CODEC_ZSTD, 3, in, 10, NULL, 10, &w), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_compress(CHUNKER_CODEC_ZSTD, 3, in, 10, out, sizeof out, NULL), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_compress_alloc(CHUNKER_CODEC_ZSTD, 3, in, 10, NULL), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_decompress(NULL, 10, out, sizeof out, &w), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_decompress(in, 10, out, sizeof out, NULL), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_decompress_alloc(in, 10, 0, NULL), CHUNKER_ERR_INVALID_ARGUMENT);
  /* an output buffer of 0 bytes: too small for any frame */
  CHECK_ST(chunker_compress(CHUNKER_CODEC_ZSTD, 3, in, 10, NULL, 0, &w), CHUNKER_ERR_OUTPUT_LIMIT);
  /* unknown data */
  CHECK_ST(chunker_decompress(in, sizeof in, out, sizeof out, &w), CHUNKER_ERR_UNSUPPORTED_FORMAT);
  CHECK_ST(chunker_decompress_alloc(in, sizeof in, 0, &b), CHUNKER_ERR_UNSUPPORTED_FORMAT);
  /* empty input and empty frames */
  CHECK_OK(chunker_decompress(NULL, 0, NULL, 0, &w));
  CHECK(w == 0);
  CHECK_OK(chunker_compress_alloc(CHUNKER_CODEC_ZSTD, CHUNKER_LEVEL_DEFAULT, NULL, 0, &b));
  CHECK(b.len > 0);
  chunker_buffer e = {(uint8_t*)1, 1};
  CHECK_OK(chunker_decompress_alloc(b.data, b.len, 0, &e));
  CHECK(e.len == 0 && e.data == NULL);
  /* a frame with garbage after it */
  uint8_t tail[512];
  memcpy(tail, b.data, b.len);
  memset(tail + b.len, 0xAB, 16);
  CHECK(chunker_decompress(tail, b.len + 16, out, sizeof out, &w) != CHUNKER_OK);
  /* a corrupt frame: flip a byte in a zstd frame's block */
  chunker_buffer zz = {0};
  uint8_t* t = text_bytes(20000);
  CHECK_OK(chunker_compress_alloc(CHUNKER_CODEC_ZSTD, 3, t, 20000, &zz));
  zz.data[zz.len / 2] ^= 0x55;
  uint8_t* big = malloc(20000);
  int s = chunker_decompress(zz.data, zz.len, big, 20000, &w);
  CHECK(s == CHUNKER_ERR_CORRUPT_INPUT);
  free(big);
  free(t);
  chunker_buffer_free(&zz);
  chunker_buffer_free(&b);
  /* streaming handles: NULLs */
  chunker_step st;
  CHECK_ST(chunker_compressor_update(NULL, in, 1, out, 1, 0, &st), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_decompressor_update(NULL, in, 1, out, 1, &st), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_decompressor_finish(NULL), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_compressor_reset(NULL), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_decompressor_reset(NULL), CHUNKER_ERR_INVALID_ARGUMENT);
  chunker_compressor* c2 = NULL;
  CHECK_OK(chunker_compressor_new(CHUNKER_CODEC_LZ4, CHUNKER_LEVEL_DEFAULT, 0, &c2));
  CHECK_ST(chunker_compressor_update(c2, in, 1, out, 1, 0, NULL), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_compressor_update(c2, NULL, 1, out, 1, 0, &st), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_compressor_update(c2, in, 1, NULL, 1, 0, &st), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_OK(chunker_compressor_reset(c2));
  chunker_compressor_free(c2);
  chunker_compressor_free(NULL);
  chunker_decompressor_free(NULL);
}

/* ---- the caller allocator ------------------------------------------------------------------ */

typedef struct {
  int allocs, frees, fail;
  size_t bytes;
} alloc_stats;

static void* counting_alloc(void* ctx, size_t n) {
  alloc_stats* s = ctx;
  if (s->fail) return NULL;
  s->allocs++;
  s->bytes += n;
  return malloc(n);
}
static void counting_free(void* ctx, void* p) {
  ((alloc_stats*)ctx)->frees++;
  free(p);
}

TEST(allocator) {
  alloc_stats s = {0, 0, 0, 0};
  chunker_allocator a = {counting_alloc, counting_free, &s};
  CHECK_OK(chunker_set_allocator(&a));
  uint8_t* t = text_bytes(100000);
  chunker_buffer z = {0}, back = {0}, chunks = {0};
  CHECK_OK(chunker_compress_alloc(CHUNKER_CODEC_ZSTD, 3, t, 100000, &z));
  CHECK(s.allocs == 1 && s.bytes == z.len);
  CHECK_OK(chunker_decompress_alloc(z.data, z.len, 0, &back));
  CHECK(s.allocs == 2);
  CHECK(back.len == 100000 && memcmp(back.data, t, 100000) == 0);
  chunker_options o = opts_sizes(4096, 16384, 65536, CHUNKER_HASH_BLAKE3);
  CHECK_OK(chunker_chunk_buffer_collect(t, 100000, &o, &chunks));
  CHECK(s.allocs == 3);
  chunker_buffer_free(&z);
  chunker_buffer_free(&back);
  chunker_buffer_free(&chunks);
  chunker_buffer_free(&chunks); /* again: a no-op */
  chunker_buffer_free(NULL);
  CHECK(s.frees == 3);
  /* An allocator that fails: OUT_OF_MEMORY, nothing leaked or half-returned. */
  s.fail = 1;
  CHECK_ST(chunker_compress_alloc(CHUNKER_CODEC_ZSTD, 3, t, 100000, &z), CHUNKER_ERR_OUT_OF_MEMORY);
  CHECK(z.data == NULL && z.len == 0);
  CHECK_ST(chunker_chunk_buffer_collect(t, 100000, &o, &chunks), CHUNKER_ERR_OUT_OF_MEMORY);
  /* Zero-length results allocate nothing, so they succeed. */
  CHECK_OK(chunker_chunk_buffer_collect(NULL, 0, &o, &chunks));
  CHECK(chunks.data == NULL && chunks.len == 0);
  chunker_allocator half = {counting_alloc, NULL, &s};
  CHECK_ST(chunker_set_allocator(&half), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_OK(chunker_set_allocator(NULL)); /* back to malloc/free */
  CHECK_OK(chunker_compress_alloc(CHUNKER_CODEC_ZSTD, 3, t, 100000, &z));
  chunker_buffer_free(&z);
  CHECK(s.frees == 3);
  free(t);
}

/* ---- encodings -------------------------------------------------------------------------- */

TEST(hex) {
  const uint8_t in[5] = {0x00, 0x1f, 0xa0, 0xff, 0x7e};
  char out[11];
  CHECK_OK(chunker_hex_encode(in, 5, out, sizeof out));
  CHECK(strcmp(out, "001fa0ff7e") == 0);
  CHECK_ST(chunker_hex_encode(in, 5, out, 10), CHUNKER_ERR_OUTPUT_LIMIT);
  CHECK_OK(chunker_hex_encode(NULL, 0, out, 1));
  CHECK(out[0] == 0);
  CHECK_ST(chunker_hex_encode(NULL, 1, out, 3), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_hex_encode(in, 1, NULL, 3), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_hex_encode(in, SIZE_MAX / 2 + 1, out, sizeof out), CHUNKER_ERR_OUTPUT_LIMIT);
  uint8_t back[8];
  size_t w = 99;
  CHECK_OK(chunker_hex_decode("001FA0ff7E", 10, back, sizeof back, &w));
  CHECK(w == 5 && memcmp(back, in, 5) == 0);
  CHECK_ST(chunker_hex_decode("001fa0ff7e", 10, back, 4, &w), CHUNKER_ERR_OUTPUT_LIMIT);
  CHECK_ST(chunker_hex_decode("abc", 3, back, sizeof back, &w), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_hex_decode("zz", 2, back, sizeof back, &w), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_hex_decode(NULL, 2, back, sizeof back, &w), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_hex_decode("00", 2, NULL, 1, &w), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_hex_decode("00", 2, back, 1, NULL), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_OK(chunker_hex_decode(NULL, 0, NULL, 0, &w));
  CHECK(w == 0);
  /* text_len, not NUL, ends the input */
  CHECK_OK(chunker_hex_decode("abcd", 2, back, sizeof back, &w));
  CHECK(w == 1 && back[0] == 0xab);
}

TEST(nix_base32) {
  bytes v = read_file(data_path("nix-base32-vectors.txt"));
  REQUIRE(v.data);
  v.data = realloc(v.data, v.len + 1);
  v.data[v.len] = 0;
  int pairs = 0;
  char* save = NULL;
  for (char* line = strtok_r((char*)v.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    if (line[0] == '#' || line[0] == 0) continue;
    char hexs[256], b32[256];
    if (sscanf(line, "%255s %255s", hexs, b32) != 2) continue;
    size_t n = strlen(hexs) / 2;
    uint8_t raw[128], back[128];
    size_t w;
    CHECK_OK(chunker_hex_decode(hexs, strlen(hexs), raw, sizeof raw, &w));
    CHECK(w == n);
    CHECK(chunker_nix_base32_len(n) == strlen(b32));
    char enc[256];
    CHECK_OK(chunker_nix_base32_encode(raw, n, enc, sizeof enc));
    CHECK(strcmp(enc, b32) == 0);
    CHECK_ST(chunker_nix_base32_encode(raw, n, enc, strlen(b32)), CHUNKER_ERR_OUTPUT_LIMIT);
    CHECK_OK(chunker_nix_base32_decode(b32, strlen(b32), back, sizeof back, &w));
    CHECK(w == n && memcmp(back, raw, n) == 0);
    if (n > 0) CHECK_ST(chunker_nix_base32_decode(b32, strlen(b32), back, n - 1, &w), CHUNKER_ERR_OUTPUT_LIMIT);
    pairs++;
  }
  CHECK(pairs >= 3);
  free(v.data);
  CHECK(chunker_nix_base32_len(0) == 0);
  CHECK(chunker_nix_base32_len(1) == 2);
  CHECK(chunker_nix_base32_len(20) == 32);
  CHECK(chunker_nix_base32_len(32) == 52);
  CHECK(chunker_nix_base32_len(SIZE_MAX) > 0); /* no overflow to a small value */
  size_t w;
  uint8_t out[40];
  char enc[4];
  CHECK_ST(chunker_nix_base32_decode("0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c7e", 52, out, sizeof out, &w),
           CHUNKER_ERR_INVALID_ARGUMENT); /* 'e' is not in the alphabet */
  CHECK_MSG("'e'");
  CHECK_ST(chunker_nix_base32_decode("zz", 2, out, sizeof out, &w), CHUNKER_ERR_INVALID_ARGUMENT); /* high bits */
  CHECK_ST(chunker_nix_base32_decode(NULL, 2, out, sizeof out, &w), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_nix_base32_decode("00", 2, out, sizeof out, NULL), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_nix_base32_encode(NULL, 1, enc, sizeof enc), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_nix_base32_encode(out, 1, NULL, 3), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_OK(chunker_nix_base32_encode(NULL, 0, enc, 1));
  CHECK(enc[0] == 0);
}

/* ---- NAR ---------------------------------------------------------------------------------- */

static char g_nix_env[1024];
static const char* nix_env(void) {
  const char* s = tmp_path("nixstate");
  mkdir(s, 0755);
  snprintf(g_nix_env, sizeof g_nix_env,
           "NIX_STATE_DIR=%s/state NIX_STORE_DIR=%s/store NIX_LOG_DIR=%s/log NIX_CONF_DIR=%s/conf NIX_REMOTE= "
           "HOME=%s ",
           s, s, s, s, s);
  return g_nix_env;
}

TEST(nar_hash_nix) {
  NEED_PROGRAM("nix-hash");
  NEED_PROGRAM("nix-store");
  const char* root = tmp_path("tree");
  char p[600];
  REQUIRE(mkdir(root, 0755) == 0);
  snprintf(p, sizeof p, "%s/a.txt", root);
  REQUIRE(write_file(p, "hello\n", 6));
  snprintf(p, sizeof p, "%s/run.sh", root);
  REQUIRE(write_file(p, "#!/bin/sh\necho hi\n", 18));
  REQUIRE(chmod(p, 0755) == 0);
  snprintf(p, sizeof p, "%s/sub", root);
  REQUIRE(mkdir(p, 0755) == 0);
  snprintf(p, sizeof p, "%s/sub/empty", root);
  REQUIRE(write_file(p, "", 0));
  snprintf(p, sizeof p, "%s/link", root);
  REQUIRE(symlink("a.txt", p) == 0);
  const char* paths[3];
  char file_path[600];
  snprintf(file_path, sizeof file_path, "%s/a.txt", root);
  paths[0] = root;
  paths[1] = file_path;
  paths[2] = p; /* the symlink itself */
  for (int i = 0; i < 3; i++) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%snix-hash --type sha256 --base32 %s", nix_env(), paths[i]);
    bytes want = run_capture(cmd);
    REQUIRE(want.data && want.len >= 52);
    snprintf(cmd, sizeof cmd, "%snix-store --dump %s | wc -c", nix_env(), paths[i]);
    bytes size = run_capture(cmd);
    REQUIRE(size.data);
    char got[CHUNKER_NAR_HASH_LEN];
    uint64_t nar_size = 0;
    CHECK_OK(chunker_nar_hash_path(paths[i], got, sizeof got, &nar_size));
    CHECK(strncmp(got, "sha256:", 7) == 0);
    CHECK(strlen(got) == CHUNKER_NAR_HASH_LEN - 1);
    CHECK(strncmp(got + 7, (const char*)want.data, 52) == 0);
    CHECK(nar_size == strtoull((const char*)size.data, NULL, 10));
    CHECK_OK(chunker_nar_hash_path(paths[i], got, sizeof got, NULL));
    free(want.data);
    free(size.data);
  }
}

TEST(nar_bad_input) {
  char out[CHUNKER_NAR_HASH_LEN];
  CHECK_ST(chunker_nar_hash_path(NULL, out, sizeof out, NULL), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_nar_hash_path(data_path("SekienAkashita.jpg"), NULL, sizeof out, NULL), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_nar_hash_path(data_path("SekienAkashita.jpg"), out, sizeof out - 1, NULL), CHUNKER_ERR_OUTPUT_LIMIT);
  const char* missing = tmp_path("no-such-path");
  CHECK_ST(chunker_nar_hash_path(missing, out, sizeof out, NULL), CHUNKER_ERR_IO);
  CHECK_MSG("no-such-path");
  /* a FIFO cannot be archived */
  const char* fifo = tmp_path("fifo");
  REQUIRE(mkfifo(fifo, 0600) == 0);
  CHECK(chunker_nar_hash_path(fifo, out, sizeof out, NULL) != CHUNKER_OK);
}

/* ---- use after free (builds with handle checks) ------------------------------------------------ */

TEST(use_after_free) {
#ifdef CHUNKER_TEST_CAPI_CHECKS
  uint8_t buf[64] = {0};
  size_t n = 0;
  chunker_step st;
  chunker_buffer b;
  chunker_blake3* h = NULL;
  CHECK_OK(chunker_blake3_new(&h));
  chunker_blake3_free(h);
  CHECK_ST(chunker_blake3_update(h, buf, 1), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_MSG("used after free");
  CHECK_ST(chunker_blake3_finalize(h, buf, 32), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_blake3_finalize_seek(h, 0, buf, 32), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_blake3_update_parallel(h, buf, 1, 2), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_blake3_reset(h), CHUNKER_ERR_INVALID_ARGUMENT);
  chunker_blake3_free(h); /* double free: ignored */

  chunker_sha256* s = NULL;
  CHECK_OK(chunker_sha256_new(&s));
  chunker_sha256_free(s);
  CHECK_ST(chunker_sha256_update(s, buf, 1), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_MSG("used after free");
  CHECK_ST(chunker_sha256_finalize(s, buf), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_sha256_reset(s), CHUNKER_ERR_INVALID_ARGUMENT);
  chunker_sha256_free(s);

  chunker_stream* cs = NULL;
  CHECK_OK(chunker_stream_new(NULL, &cs));
  chunker_stream_free(cs);
  CHECK_ST(chunker_stream_push(cs, buf, 1, count_cb, &n), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_MSG("used after free");
  CHECK_ST(chunker_stream_finish(cs, count_cb, &n), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_stream_push_collect(cs, buf, 1, &b), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_stream_finish_collect(cs, &b), CHUNKER_ERR_INVALID_ARGUMENT);
  chunker_stream_free(cs);

  chunker_compressor* c = NULL;
  CHECK_OK(chunker_compressor_new(CHUNKER_CODEC_ZSTD, 3, 1, &c));
  chunker_compressor_free(c);
  CHECK_ST(chunker_compressor_update(c, buf, 1, buf, sizeof buf, 1, &st), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_MSG("used after free");
  CHECK_ST(chunker_compressor_reset(c), CHUNKER_ERR_INVALID_ARGUMENT);
  chunker_compressor_free(c);

  chunker_decompressor* d = NULL;
  CHECK_OK(chunker_decompressor_new(CHUNKER_CODEC_NONE, 0, &d));
  chunker_decompressor_free(d);
  CHECK_ST(chunker_decompressor_update(d, buf, 1, buf, sizeof buf, &st), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_MSG("used after free");
  CHECK_ST(chunker_decompressor_finish(d), CHUNKER_ERR_INVALID_ARGUMENT);
  CHECK_ST(chunker_decompressor_reset(d), CHUNKER_ERR_INVALID_ARGUMENT);
  chunker_decompressor_free(d);
  CHECK(n == 0);
#else
  fprintf(stderr, "skipped: the library was built without handle checks (NDEBUG, CHUNKER_CAPI_CHECKS=OFF)\n");
  g_skipped = 1;
#endif
}

/* ---- registry --------------------------------------------------------------------------------- */

#define ENTRY(name) {#name, test_##name}
static const struct {
  const char* name;
  void (*fn)(void);
} g_tests[] = {
    ENTRY(version),
    ENTRY(status_names),
    ENTRY(last_error_thread_local),
    ENTRY(options),
    ENTRY(options_checked),
    ENTRY(chunk_fastcdc_vectors),
    ENTRY(chunk_hashes_b3sum),
    ENTRY(chunk_hashes_sha256sum),
    ENTRY(chunk_threads_and_collect),
    ENTRY(chunk_empty_input),
    ENTRY(chunk_fd_pipe),
    ENTRY(chunk_bad_input),
    ENTRY(chunk_cancel),
    ENTRY(chunk_file_changed),
    ENTRY(stream),
    ENTRY(stream_bad_input),
    ENTRY(blake3_official_vectors),
    ENTRY(blake3_b3sum),
    ENTRY(blake3_bad_input),
    ENTRY(blake3_threads),
    ENTRY(sha256_sha256sum),
    ENTRY(sha256_bad_input),
    ENTRY(codec_zstd),
    ENTRY(codec_lz4),
    ENTRY(codec_xz),
    ENTRY(codec_bzip2),
    ENTRY(codec_zstd_threads),
    ENTRY(codec_bad_input),
    ENTRY(allocator),
    ENTRY(hex),
    ENTRY(nix_base32),
    ENTRY(nar_hash_nix),
    ENTRY(nar_bad_input),
    ENTRY(use_after_free),
};

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s NAME|all|--list\n", argv[0]);
    return 2;
  }
  const size_t n = sizeof g_tests / sizeof g_tests[0];
  if (strcmp(argv[1], "--list") == 0) {
    for (size_t i = 0; i < n; i++) printf("%s\n", g_tests[i].name);
    return 0;
  }
  int ran = 0, failed = 0;
  for (size_t i = 0; i < n; i++) {
    if (strcmp(argv[1], "all") != 0 && strcmp(argv[1], g_tests[i].name) != 0) continue;
    int before = g_failures;
    g_tests[i].fn();
    ran++;
    if (g_failures != before) failed++;
    fprintf(stderr, "%s %s\n", g_failures != before ? "FAIL" : g_skipped ? "SKIP" : "ok  ", g_tests[i].name);
  }
  if (g_tmp[0]) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "chmod -R u+w '%s' 2>/dev/null; rm -rf '%s'", g_tmp, g_tmp);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", g_tmp);
  }
  if (ran == 0) {
    fprintf(stderr, "no test named %s\n", argv[1]);
    return 2;
  }
  if (failed) return 1;
  return g_skipped && ran == 1 ? 77 : 0;
}
