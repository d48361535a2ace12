// Nix support (codecs module, loaded on first use): Ed25519 in raw RFC 8032
// form and in Nix's "name:base64" text form, and narinfo fingerprint / sign /
// verify. All async because the module holding libsodium loads lazily.
import { AbortError, invalidArg } from './errors.js';
import { bytesOf } from './chunk.js';
import { check, copyIn, copyOut, getCodecs, malloc, toBytes } from './runtime.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const msgBytes = (m, what = 'message') => (typeof m == 'string' ? enc.encode(m) : toBytes(m, what));
const str = (v, what) => {
  if (typeof v != 'string') throw invalidArg(`${what}: expected a string`);
  return v;
};

// Runs fn(M, alloc) with wasm copies of byte arguments freed afterwards.
async function withModule(fn) {
  const M = await getCodecs();
  const ptrs = [];
  const put = (bytes) => { const p = copyIn(M, bytes); ptrs.push(p); return p; };
  const out = (n) => { const p = malloc(M, n); ptrs.push(p); return p; };
  try {
    return fn(M, put, out);
  } finally {
    for (const p of ptrs) M._free(p);
  }
}

// Text result of a binding (keys, signatures, narinfo), then wiped in wasm.
function text(M, n) {
  const s = dec.decode(copyOut(M, M.textPtr(), n));
  M.wipeText();
  return s;
}

export const ed25519 = {
  // secretKey: 32-byte seed (RFC 8032 "SECRET KEY") or 64-byte seed||public.
  async sign(secretKey, message) {
    const k = toBytes(secretKey, 'secretKey');
    const m = msgBytes(message);
    return withModule((M, put, out) => {
      const sig = out(64);
      check(M, M.ed25519Sign(put(k), k.length, put(m), m.length, sig));
      return copyOut(M, sig, 64);
    });
  },
  async publicKey(secretKey) {
    const k = toBytes(secretKey, 'secretKey');
    return withModule((M, put, out) => {
      const pub = out(32);
      check(M, M.ed25519PublicKey(put(k), k.length, pub));
      return copyOut(M, pub, 32);
    });
  },
  // false for a wrong signature or message; throws only for a malformed key.
  async verify(publicKey, message, signature) {
    const k = toBytes(publicKey, 'publicKey');
    const m = msgBytes(message);
    const s = toBytes(signature, 'signature');
    return withModule((M, put) => check(M, M.ed25519Verify(put(k), k.length, put(m), m.length, put(s), s.length)) === 1);
  },
};

export const nix = {
  // -> { secretKey: "name:base64(64 bytes)", publicKey: "name:base64(32 bytes)" }
  async generateKey(name) {
    str(name, 'key name');
    return withModule((M, put) => {
      const secretKey = text(M, check(M, M.nixGenerateKey(name)));
      const sk = enc.encode(secretKey);
      const publicKey = text(M, check(M, M.nixPublicKey(put(sk), sk.length)));
      sk.fill(0);
      return { secretKey, publicKey };
    });
  },
  async publicKey(secretKey) {
    const sk = enc.encode(str(secretKey, 'secretKey'));
    return withModule((M, put) => text(M, check(M, M.nixPublicKey(put(sk), sk.length))));
  },
  // -> "name:base64(signature)", the form of a narinfo Sig: line.
  async sign(secretKey, message) {
    const sk = enc.encode(str(secretKey, 'secretKey'));
    const m = msgBytes(message);
    return withModule((M, put) => text(M, check(M, M.nixSign(put(sk), sk.length, put(m), m.length))));
  },
  async verify(publicKey, message, signature) {
    const m = msgBytes(message);
    return withModule((M, put) =>
      check(M, M.nixVerify(str(publicKey, 'publicKey'), put(m), m.length, str(signature, 'signature'))) === 1);
  },
};

export const narinfo = {
  // Nix's signed message: "1;<StorePath>;<NarHash>;<NarSize>;<References,...>".
  async fingerprint(text_) {
    const t = str(text_, 'narinfo');
    return withModule((M) => text(M, check(M, M.narinfoFingerprint(t))));
  },
  // Returns the narinfo with this key's Sig: line added (Nix's field order).
  async sign(text_, secretKey) {
    const t = str(text_, 'narinfo');
    const sk = enc.encode(str(secretKey, 'secretKey'));
    return withModule((M, put) => text(M, check(M, M.narinfoSign(t, put(sk), sk.length))));
  },
  // trusted: array of "name:base64" public keys. true when a trusted key signed it.
  async verify(text_, trusted) {
    const t = str(text_, 'narinfo');
    if (!Array.isArray(trusted) || !trusted.every((k) => typeof k == 'string')) {
      throw invalidArg('trusted: expected an array of "name:base64" public keys');
    }
    return withModule((M) => check(M, M.narinfoVerify(t, trusted.join(' '))) === 1);
  },
};

const NAR_SLICE = 1 << 20;

// Reads a NAR (Nix archive) from any byte source (ReadableStream, Blob, Node
// stream, (async) iterable) and yields its events in order:
//   { kind: "node", path, type: "regular" | "symlink" | "directory", executable?, size?, target? }
//   { kind: "data", bytes }   contents of the current regular file, in pieces
//   { kind: "end", path }
// Malformed archives fail with ERR_CORRUPT_INPUT / ERR_TRUNCATED_INPUT naming the offset.
export async function* narEntries(source, opts = {}) {
  const { signal } = opts;
  const M = await getCodecs();
  const r = new M.NarReader();
  try {
    for await (const piece of bytesOf(source)) {
      if (signal && signal.aborted) throw new AbortError('ERR_CANCELLED', 'the operation was aborted', { cause: signal.reason });
      for (let off = 0; off < piece.length; off += NAR_SLICE) {
        const part = piece.subarray(off, off + NAR_SLICE);
        const p = copyIn(M, part);
        let events;
        try {
          check(M, r.push(p, part.length));
          events = r.events();
        } finally {
          M._free(p);
        }
        yield* events;
      }
    }
    check(M, r.finish());
  } finally {
    r.delete();
  }
}
