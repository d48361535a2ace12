// Hex (pure JS: trivial and faster than a wasm crossing for 32-byte digests)
// and Nix base32 (the core's C++ encoder/decoder, same code as native).
import { invalidArg } from './errors.js';
import { check, copyIn, copyOut, getCore, toBytes } from './runtime.js';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function hexAt(u8, p, n) {
  let s = '';
  for (let i = 0; i < n; i++) s += HEX[u8[p + i]];
  return s;
}

export const hex = {
  encode(bytes) {
    const b = toBytes(bytes);
    return hexAt(b, 0, b.length);
  },
  decode(text) {
    if (typeof text != 'string') throw invalidArg('hex.decode: expected a string');
    if (text.length % 2) throw invalidArg(`hex.decode: odd length ${text.length}`);
    const out = new Uint8Array(text.length / 2);
    for (let i = 0; i < out.length; i++) {
      const v = parseHexByte(text, 2 * i);
      if (v < 0) throw invalidArg(`hex.decode: invalid character at position ${2 * i + (v === -2 ? 1 : 0)}`);
      out[i] = v;
    }
    return out;
  },
};

function nib(c) {
  if (c >= 48 && c <= 57) return c - 48;
  c |= 32;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}
function parseHexByte(s, i) {
  const a = nib(s.charCodeAt(i)), b = nib(s.charCodeAt(i + 1));
  if (a < 0) return -1;
  if (b < 0) return -2;
  return (a << 4) | b;
}

export const nixBase32 = {
  encode(bytes) {
    const b = toBytes(bytes);
    const M = getCore();
    const p = copyIn(M, b);
    try {
      return M.nixBase32Encode(p, b.length);
    } finally {
      M._free(p);
    }
  },
  decode(text) {
    if (typeof text != 'string') throw invalidArg('nixBase32.decode: expected a string');
    const M = getCore();
    const n = check(M, M.nixBase32Decode(text));
    return copyOut(M, M.bytesPtr(), n);
  },
};
