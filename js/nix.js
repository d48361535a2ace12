// Nix support (codecs module, loaded on first use): Ed25519 in raw RFC 8032
// form and in Nix's "name:base64" text form, and narinfo fingerprint / sign /
// verify. All async because the module holding libsodium loads lazily.
// NAR reading and writing: nar.js.
import { invalidArg } from './errors.js';
import { check, copyIn, copyOut, getCodecs, malloc, strArg as str, toBytes } from './runtime.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const msgBytes = (m, what = 'message') => (typeof m == 'string' ? enc.encode(m) : toBytes(m, what));

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
  // narinfo text -> { StorePath, URL, Compression?, FileHash?, FileSize?, NarHash,
  // NarSize, References: [], Deriver?, System?, Sig: [], CA?, extra: [[key, value]] }
  // (Nix's field names; optional fields absent when the file has none).
  async parse(text_) {
    const t = str(text_, 'narinfo');
    return withModule((M) => {
      const r = M.narinfoParse(t);
      if (typeof r == 'number') check(M, r);
      return r;
    });
  },
  // The object form (as parse() returns) -> narinfo text in Nix's layout,
  // validated as parse() validates. format(await parse(t)) === t for files
  // Nix wrote.
  async format(info) {
    const t = narinfoText(info);
    return withModule((M) => {
      const r = M.narinfoFormat(t);
      if (r < 0) throw invalidArg(`narinfo.format: ${M.lastError()}`);
      return text(M, r);
    });
  },
};

const NARINFO_FIELDS = ['StorePath', 'URL', 'Compression', 'FileHash', 'FileSize', 'NarHash', 'NarSize',
  'References', 'Deriver', 'System', 'Sig', 'CA', 'extra'];

// Object form -> "Key: value" lines (any order; the core re-validates and lays it out).
function narinfoText(info) {
  if (info === null || typeof info != 'object') throw invalidArg('narinfo.format: expected an object');
  for (const k of Object.keys(info)) {
    if (!NARINFO_FIELDS.includes(k)) throw invalidArg(`narinfo.format: unknown field ${k} (put extra fields in "extra")`);
  }
  const line = (k, v) => {
    const s = typeof v == 'number' && Number.isSafeInteger(v) && v >= 0 ? String(v) : v;
    if (typeof s != 'string' || /[\n\r]/.test(s)) throw invalidArg(`narinfo.format: ${k}: expected a one-line string`);
    return `${k}: ${s}\n`;
  };
  const list = (k) => {
    const v = info[k] === undefined ? [] : info[k];
    if (!Array.isArray(v) || !v.every((x) => typeof x == 'string')) throw invalidArg(`narinfo.format: ${k}: expected an array of strings`);
    return v;
  };
  let out = '';
  for (const k of ['StorePath', 'URL', 'Compression', 'FileHash', 'FileSize', 'NarHash', 'NarSize', 'Deriver', 'System', 'CA']) {
    if (info[k] !== undefined && info[k] !== '') out += line(k, info[k]);
  }
  out += `References: ${list('References').join(' ')}\n`;
  for (const s of list('Sig')) out += line('Sig', s);
  const extra = info.extra === undefined ? [] : info.extra;
  if (!Array.isArray(extra) || !extra.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] == 'string')) {
    throw invalidArg('narinfo.format: extra: expected an array of [key, value] pairs');
  }
  for (const [k, v] of extra) {
    if (NARINFO_FIELDS.includes(k) || !/^[^:\s][^:\n\r]*$/.test(k)) throw invalidArg(`narinfo.format: extra: bad key ${k}`);
    out += line(k, v);
  }
  return out;
}
