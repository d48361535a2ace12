/* The NIF behind Chunker (lib/chunker.ex): marshalling only, between Erlang
 * terms and the C ABI (chunker.h). Option validation and scheduling policy
 * (which calls run on dirty schedulers) live in Elixir; every check of values
 * is the library's own, and its failures come back as
 * {error, {Code, Message}} with Code the status name as an atom without "ERR_",
 * lower-cased (ERR_OUTPUT_LIMIT -> output_limit). A term of the wrong type
 * raises badarg (ArgumentError in Elixir). */
#include <stdint.h>
#include <string.h>

#include <erl_nif.h>

#include "chunker.h"

static ERL_NIF_TERM atom_ok, atom_error, atom_nil, atom_offset, atom_length, atom_fingerprint, atom_hash,
    atom_nar_size;
static ErlNifResourceType* stream_type;
static ErlNifResourceType* buffer_type;

/* ---- terms ---------------------------------------------------------------- */

static ERL_NIF_TERM ok(ErlNifEnv* env, ERL_NIF_TERM value) { return enif_make_tuple2(env, atom_ok, value); }

static ERL_NIF_TERM binary_of(ErlNifEnv* env, const void* data, size_t len) {
  ERL_NIF_TERM t;
  unsigned char* p = enif_make_new_binary(env, len, &t);
  if (len) memcpy(p, data, len);
  return t;
}

static ERL_NIF_TERM error_term(ErlNifEnv* env, const char* code, const char* message) {
  return enif_make_tuple2(env, atom_error,
                          enif_make_tuple2(env, enif_make_atom(env, code), binary_of(env, message, strlen(message))));
}

/* {error, {invalid_argument, "min_size must be ..."}} for a failed call: the
 * message is the calling thread's chunker_last_error(), read right after the
 * call on the same (possibly dirty) scheduler thread. */
static ERL_NIF_TERM status_error(ErlNifEnv* env, chunker_status st) {
  const char* name = chunker_status_name(st);
  char code[64];
  size_t n = 0;
  if (strncmp(name, "ERR_", 4) == 0) name += 4;
  for (; name[n] && n + 1 < sizeof code; ++n) code[n] = (char)(name[n] >= 'A' && name[n] <= 'Z' ? name[n] + 32 : name[n]);
  code[n] = '\0';
  return error_term(env, code, chunker_last_error());
}

/* A binary argument, or iodata flattened by the VM (Elixir passes binaries). */
static int get_bytes(ErlNifEnv* env, ERL_NIF_TERM t, ErlNifBinary* bin) {
  return enif_inspect_binary(env, t, bin) || enif_inspect_iolist_as_binary(env, t, bin);
}

/* A path as a NUL-terminated string in `buf`; no embedded NUL. */
static int get_path(ErlNifEnv* env, ERL_NIF_TERM t, char* buf, size_t cap) {
  ErlNifBinary bin;
  if (!get_bytes(env, t, &bin) || bin.size == 0 || bin.size >= cap || memchr(bin.data, 0, bin.size)) return 0;
  memcpy(buf, bin.data, bin.size);
  buf[bin.size] = '\0';
  return 1;
}

/* An atom or a binary as a NUL-terminated name (preset, hash, codec). */
static int get_name(ErlNifEnv* env, ERL_NIF_TERM t, char* buf, size_t cap) {
  ErlNifBinary bin;
  if (enif_get_atom(env, t, buf, (unsigned)cap, ERL_NIF_LATIN1) > 0) return 1;
  if (!enif_inspect_binary(env, t, &bin) || bin.size >= cap || memchr(bin.data, 0, bin.size)) return 0;
  memcpy(buf, bin.data, bin.size);
  buf[bin.size] = '\0';
  return 1;
}

static int is_nil(ERL_NIF_TERM t) { return enif_is_identical(t, atom_nil); }

static int get_u32_or_nil(ErlNifEnv* env, ERL_NIF_TERM t, uint32_t* out) {
  unsigned v;
  if (is_nil(t)) return 1;
  if (!enif_get_uint(env, t, &v)) return 0;
  *out = (uint32_t)v;
  return 1;
}

/* Options tuple built by Chunker.Options:
 * {Preset, Min, Avg, Max, Level, Seed, Hash, Threads}, nil = the library's
 * default (chunker_options_init, then the preset); Hash is a name for
 * chunker_hash_parse ("none", "sha256", "blake3"). Returns 0 for badarg, else
 * 1 with *st the library's status. */
static int get_options(ErlNifEnv* env, ERL_NIF_TERM t, chunker_options* o, chunker_status* st) {
  const ERL_NIF_TERM* e;
  int arity;
  char name[32];
  ErlNifUInt64 seed;
  *st = chunker_options_init(o);
  if (*st != CHUNKER_OK) return 1;
  if (!enif_get_tuple(env, t, &arity, &e) || arity != 8) return 0;
  if (!is_nil(e[0])) {
    if (!get_name(env, e[0], name, sizeof name)) return 0;
    if ((*st = chunker_options_preset(o, name)) != CHUNKER_OK) return 1;
  }
  if (!get_u32_or_nil(env, e[1], &o->min_size) || !get_u32_or_nil(env, e[2], &o->avg_size) ||
      !get_u32_or_nil(env, e[3], &o->max_size) || !get_u32_or_nil(env, e[4], &o->level) ||
      !get_u32_or_nil(env, e[7], &o->threads))
    return 0;
  if (!is_nil(e[5])) {
    if (!enif_get_uint64(env, e[5], &seed)) return 0;
    o->seed = seed;
  }
  if (!is_nil(e[6])) {
    if (!get_name(env, e[6], name, sizeof name)) return 0;
    *st = chunker_hash_parse(name, &o->hash);
  }
  return 1;
}

/* [%{offset:, length:, fingerprint:, hash:}] from collected chunk records. */
static ERL_NIF_TERM chunk_list(ErlNifEnv* env, const chunker_buffer* records) {
  const chunker_chunk* c = (const chunker_chunk*)records->data;
  size_t n = records->len / sizeof(chunker_chunk);
  ERL_NIF_TERM list = enif_make_list(env, 0);
  ERL_NIF_TERM keys[4] = {atom_offset, atom_length, atom_fingerprint, atom_hash};
  while (n-- > 0) {
    ERL_NIF_TERM values[4], map;
    values[0] = enif_make_uint64(env, c[n].offset);
    values[1] = enif_make_uint(env, c[n].length);
    values[2] = enif_make_uint64(env, c[n].fingerprint);
    values[3] = c[n].hash_len ? binary_of(env, c[n].hash, c[n].hash_len) : atom_nil;
    enif_make_map_from_arrays(env, keys, values, 4, &map);
    list = enif_make_list_cell(env, map, list);
  }
  return list;
}

static ERL_NIF_TERM chunks_result(ErlNifEnv* env, chunker_status st, chunker_buffer* records) {
  ERL_NIF_TERM r = st == CHUNKER_OK ? ok(env, chunk_list(env, records)) : status_error(env, st);
  chunker_buffer_free(records);
  return r;
}

/* ---- chunking ------------------------------------------------------------- */

static ERL_NIF_TERM nif_chunk(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]) {
  ErlNifBinary data;
  chunker_options o;
  chunker_status st;
  chunker_buffer records = {NULL, 0};
  (void)argc;
  if (!get_bytes(env, argv[0], &data) || !get_options(env, argv[1], &o, &st)) return enif_make_badarg(env);
  if (st != CHUNKER_OK) return status_error(env, st);
  st = chunker_chunk_buffer_collect(data.data, data.size, &o, &records);
  return chunks_result(env, st, &records);
}

static ERL_NIF_TERM nif_chunk_file(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]) {
  char path[4096];
  chunker_options o;
  chunker_status st;
  chunker_buffer records = {NULL, 0};
  (void)argc;
  if (!get_path(env, argv[0], path, sizeof path) || !get_options(env, argv[1], &o, &st))
    return enif_make_badarg(env);
  if (st != CHUNKER_OK) return status_error(env, st);
  st = chunker_chunk_file_collect(path, &o, &records);
  return chunks_result(env, st, &records);
}

/* A stream resource: the handle, and a lock because two Erlang processes may
 * hold the same reference (one handle, one thread at a time). s == NULL after
 * close/1. */
typedef struct {
  ErlNifMutex* lock;
  chunker_stream* s;
} stream_res;

static void stream_dtor(ErlNifEnv* env, void* obj) {
  stream_res* r = obj;
  (void)env;
  chunker_stream_free(r->s);
  if (r->lock) enif_mutex_destroy(r->lock);
}

static ERL_NIF_TERM nif_stream_new(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]) {
  chunker_options o;
  chunker_status st;
  stream_res* r;
  ERL_NIF_TERM t;
  (void)argc;
  if (!get_options(env, argv[0], &o, &st)) return enif_make_badarg(env);
  if (st != CHUNKER_OK) return status_error(env, st);
  r = enif_alloc_resource(stream_type, sizeof *r);
  r->s = NULL;
  r->lock = enif_mutex_create("chunker_stream");
  if (!r->lock) {
    enif_release_resource(r);
    return error_term(env, "out_of_memory", "enif_mutex_create failed");
  }
  st = chunker_stream_new(&o, &r->s);
  if (st != CHUNKER_OK) {
    enif_release_resource(r);
    return status_error(env, st);
  }
  t = enif_make_resource(env, r);
  enif_release_resource(r);  /* the term owns it now; the destructor frees the stream */
  /* The effective max size and whether chunks are hashed: what one push may
   * cost beyond its own bytes (Chunker.Stream's scheduling policy). */
  return enif_make_tuple4(env, atom_ok, t, enif_make_uint(env, o.max_size),
                          enif_make_atom(env, o.hash == CHUNKER_HASH_NONE ? "false" : "true"));
}

static ERL_NIF_TERM stream_call(ErlNifEnv* env, const ERL_NIF_TERM argv[], int finish) {
  stream_res* r;
  ErlNifBinary data = {0};
  chunker_status st;
  chunker_buffer records = {NULL, 0};
  if (!enif_get_resource(env, argv[0], stream_type, (void**)&r)) return enif_make_badarg(env);
  if (!finish && !get_bytes(env, argv[1], &data)) return enif_make_badarg(env);
  enif_mutex_lock(r->lock);
  if (!r->s) {
    enif_mutex_unlock(r->lock);
    return error_term(env, "invalid_argument", "the stream is closed");
  }
  st = finish ? chunker_stream_finish_collect(r->s, &records)
              : chunker_stream_push_collect(r->s, data.data, data.size, &records);
  enif_mutex_unlock(r->lock);
  return chunks_result(env, st, &records);
}

static ERL_NIF_TERM nif_stream_push(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]) {
  (void)argc;
  return stream_call(env, argv, 0);
}

static ERL_NIF_TERM nif_stream_finish(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]) {
  (void)argc;
  return stream_call(env, argv, 1);
}

/* Frees the handle now rather than at garbage collection. */
static ERL_NIF_TERM nif_stream_close(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]) {
  stream_res* r;
  (void)argc;
  if (!enif_get_resource(env, argv[0], stream_type, (void**)&r)) return enif_make_badarg(env);
  enif_mutex_lock(r->lock);
  chunker_stream_free(r->s);
  r->s = NULL;
  enif_mutex_unlock(r->lock);
  return atom_ok;
}

/* ---- hashes and encodings ----------------------------------------------- */

static ERL_NIF_TERM nif_blake3(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]) {
  ErlNifBinary data;
  ERL_NIF_TERM t;
  chunker_status st;
  (void)argc;
  if (!get_bytes(env, argv[0], &data)) return enif_make_badarg(env);
  st = chunker_blake3_hash(data.data, data.size, enif_make_new_binary(env, CHUNKER_BLAKE3_OUT_LEN, &t));
  return st == CHUNKER_OK ? t : status_error(env, st);
}

static ERL_NIF_TERM nif_sha256(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]) {
  ErlNifBinary data;
  ERL_NIF_TERM t;
  chunker_status st;
  (void)argc;
  if (!get_bytes(env, argv[0], &data)) return enif_make_badarg(env);
  st = chunker_sha256_hash(data.data, data.size, enif_make_new_binary(env, CHUNKER_SHA256_LEN, &t));
  return st == CHUNKER_OK ? t : status_error(env, st);
}

static ERL_NIF_TERM nif_nix_base32_encode(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]) {
  ErlNifBinary data, text;
  chunker_status st;
  ERL_NIF_TERM t;
  (void)argc;
  if (!get_bytes(env, argv[0], &data)) return enif_make_badarg(env);
  /* The library writes a NUL after the text: encode into a scratch binary one longer. */
  if (!enif_alloc_binary(chunker_nix_base32_len(data.size) + 1, &text))
    return error_term(env, "out_of_memory", "enif_alloc_binary failed");
  st = chunker_nix_base32_encode(data.data, data.size, (char*)text.data, text.size);
  if (st != CHUNKER_OK) {
    enif_release_binary(&text);
    return status_error(env, st);
  }
  enif_realloc_binary(&text, text.size - 1);
  t = enif_make_binary(env, &text);
  return t;
}

static ERL_NIF_TERM nif_nix_base32_decode(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]) {
  ErlNifBinary text;
  ERL_NIF_TERM t;
  unsigned char* out;
  size_t cap, written = 0;
  chunker_status st;
  (void)argc;
  if (!get_bytes(env, argv[0], &text)) return enif_make_badarg(env);
  cap = text.size * 5 / 8;
  out = enif_make_new_binary(env, cap, &t);
  st = chunker_nix_base32_decode((const char*)text.data, text.size, out, cap, &written);
  if (st != CHUNKER_OK) return status_error(env, st);
  return ok(env, written == cap ? t : enif_make_sub_binary(env, t, 0, written));
}

/* ---- compression ---------------------------------------------------------- */

/* A buffer the library allocated, handed to the VM without a copy: a resource
 * binary whose destructor gives it back (chunker_buffer_free). */
static void buffer_dtor(ErlNifEnv* env, void* obj) {
  (void)env;
  chunker_buffer_free((chunker_buffer*)obj);
}

static ERL_NIF_TERM buffer_binary(ErlNifEnv* env, chunker_buffer* b) {
  chunker_buffer* r;
  ERL_NIF_TERM t;
  if (b->len == 0) {
    chunker_buffer_free(b);
    return binary_of(env, NULL, 0);
  }
  r = enif_alloc_resource(buffer_type, sizeof *r);
  *r = *b;
  t = enif_make_resource_binary(env, r, r->data, r->len);
  enif_release_resource(r);
  return t;
}

static ERL_NIF_TERM nif_compress(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]) {
  ErlNifBinary data;
  char name[16];
  int codec, level;
  chunker_status st;
  chunker_buffer out = {NULL, 0};
  (void)argc;
  if (!get_bytes(env, argv[0], &data) || !get_name(env, argv[1], name, sizeof name)) return enif_make_badarg(env);
  if (is_nil(argv[2]))
    level = CHUNKER_LEVEL_DEFAULT;
  else if (!enif_get_int(env, argv[2], &level))
    return enif_make_badarg(env);
  if ((st = chunker_codec_parse(name, &codec)) != CHUNKER_OK) return status_error(env, st);
  st = chunker_compress_alloc(codec, level, data.data, data.size, &out);
  return st == CHUNKER_OK ? ok(env, buffer_binary(env, &out)) : status_error(env, st);
}

static ERL_NIF_TERM nif_decompress(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]) {
  ErlNifBinary data;
  ErlNifUInt64 limit;
  chunker_status st;
  chunker_buffer out = {NULL, 0};
  (void)argc;
  if (!get_bytes(env, argv[0], &data) || !enif_get_uint64(env, argv[1], &limit)) return enif_make_badarg(env);
  st = chunker_decompress_alloc(data.data, data.size, limit, &out);
  return st == CHUNKER_OK ? ok(env, buffer_binary(env, &out)) : status_error(env, st);
}

/* ---- NAR ------------------------------------------------------------------ */

static ERL_NIF_TERM nif_nar_hash(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]) {
  char path[4096], hash[CHUNKER_NAR_HASH_LEN];
  uint64_t size = 0;
  chunker_status st;
  ERL_NIF_TERM keys[2], values[2], map;
  (void)argc;
  if (!get_path(env, argv[0], path, sizeof path)) return enif_make_badarg(env);
  st = chunker_nar_hash_path(path, hash, sizeof hash, &size);
  if (st != CHUNKER_OK) return status_error(env, st);
  keys[0] = atom_hash;
  keys[1] = atom_nar_size;
  values[0] = binary_of(env, hash, strlen(hash));
  values[1] = enif_make_uint64(env, size);
  enif_make_map_from_arrays(env, keys, values, 2, &map);
  return ok(env, map);
}

static ERL_NIF_TERM nif_version(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]) {
  const char* v = chunker_version();
  (void)argc;
  (void)argv;
  return binary_of(env, v, strlen(v));
}

/* ---- load ------------------------------------------------------------------- */

static int load(ErlNifEnv* env, void** priv, ERL_NIF_TERM info) {
  (void)priv;
  (void)info;
  /* The header this was compiled against must describe the library loaded. */
  if (chunker_abi_version() != CHUNKER_ABI_VERSION) return 1;
  atom_ok = enif_make_atom(env, "ok");
  atom_error = enif_make_atom(env, "error");
  atom_nil = enif_make_atom(env, "nil");
  atom_offset = enif_make_atom(env, "offset");
  atom_length = enif_make_atom(env, "length");
  atom_fingerprint = enif_make_atom(env, "fingerprint");
  atom_hash = enif_make_atom(env, "hash");
  atom_nar_size = enif_make_atom(env, "nar_size");
  stream_type = enif_open_resource_type(env, NULL, "chunker_stream", stream_dtor, ERL_NIF_RT_CREATE, NULL);
  buffer_type = enif_open_resource_type(env, NULL, "chunker_buffer", buffer_dtor, ERL_NIF_RT_CREATE, NULL);
  return stream_type && buffer_type ? 0 : 1;
}

/* Each call that can take long has a *_dirty twin: the same C function on a
 * dirty scheduler. Chunker (lib/chunker.ex) picks one by input size. */
#define CPU ERL_NIF_DIRTY_JOB_CPU_BOUND
#define IO ERL_NIF_DIRTY_JOB_IO_BOUND
static ErlNifFunc funcs[] = {
    {"chunk", 2, nif_chunk, 0},
    {"chunk_dirty", 2, nif_chunk, CPU},
    {"chunk_file", 2, nif_chunk_file, IO},
    {"stream_new", 1, nif_stream_new, 0},
    {"stream_push", 2, nif_stream_push, 0},
    {"stream_push_dirty", 2, nif_stream_push, CPU},
    {"stream_finish", 1, nif_stream_finish, CPU},
    {"stream_close", 1, nif_stream_close, 0},
    {"blake3", 1, nif_blake3, 0},
    {"blake3_dirty", 1, nif_blake3, CPU},
    {"sha256", 1, nif_sha256, 0},
    {"sha256_dirty", 1, nif_sha256, CPU},
    {"nix_base32_encode", 1, nif_nix_base32_encode, 0},
    {"nix_base32_encode_dirty", 1, nif_nix_base32_encode, CPU},
    {"nix_base32_decode", 1, nif_nix_base32_decode, 0},
    {"nix_base32_decode_dirty", 1, nif_nix_base32_decode, CPU},
    {"compress", 3, nif_compress, CPU},
    {"decompress", 2, nif_decompress, CPU},
    {"nar_hash", 1, nif_nar_hash, IO},
    {"version", 0, nif_version, 0},
};

ERL_NIF_INIT(Elixir.Chunker.Native, funcs, load, NULL, NULL, NULL)
