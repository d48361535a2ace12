// Ed25519 against RFC 8032 vectors and node:crypto; narinfo against real
// cache.nixos.org files and their signatures (tests/data, shared with native).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import * as C from '../../dist/esm/index.node.js';
import { DATA, readJson, toHex } from './helpers.js';

const fromHex = (h) => new Uint8Array(Buffer.from(h, 'hex'));
const rfc = readJson('ed25519_rfc8032.json').vectors;
const CACHE_KEY = 'cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=';
const narinfos = fs.readdirSync(path.join(DATA, 'narinfo')).filter((f) => f.endsWith('.narinfo'))
  .map((f) => [f, fs.readFileSync(path.join(DATA, 'narinfo', f), 'utf8')]);

describe('Ed25519 (RFC 8032 vectors)', () => {
  test.each(rfc.map((v) => [v.name, v]))('%s', async (_, v) => {
    const seed = fromHex(v.secret_key), msg = fromHex(v.message);
    expect(toHex(await C.ed25519.publicKey(seed))).toBe(v.public_key);
    expect(toHex(await C.ed25519.sign(seed, msg))).toBe(v.signature);
    expect(toHex(await C.ed25519.sign(new Uint8Array([...seed, ...fromHex(v.public_key)]), msg))).toBe(v.signature);
    expect(await C.ed25519.verify(fromHex(v.public_key), msg, fromHex(v.signature))).toBe(true);
    const bad = fromHex(v.signature); bad[0] ^= 1;
    expect(await C.ed25519.verify(fromHex(v.public_key), msg, bad)).toBe(false);
  });
  test('malformed keys are ERR_INVALID_ARGUMENT, not a crash', async () => {
    await expect(C.ed25519.sign(new Uint8Array(5), 'x')).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(C.ed25519.verify(new Uint8Array(31), 'x', new Uint8Array(64))).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });
});

describe('Nix keys', () => {
  test('generated keys sign like node:crypto and verify both ways', async () => {
    const { secretKey, publicKey } = await C.nix.generateKey('test-cache-1');
    expect(secretKey.startsWith('test-cache-1:')).toBe(true);
    expect(publicKey.startsWith('test-cache-1:')).toBe(true);
    expect(await C.nix.publicKey(secretKey)).toBe(publicKey);
    const sk = Buffer.from(secretKey.split(':')[1], 'base64');
    const pk = Buffer.from(publicKey.split(':')[1], 'base64');
    expect(sk.length).toBe(64);
    expect(Buffer.compare(sk.subarray(32), pk)).toBe(0);
    const key = crypto.createPrivateKey({ format: 'jwk', key: {
      kty: 'OKP', crv: 'Ed25519', d: sk.subarray(0, 32).toString('base64url'), x: pk.toString('base64url') } });
    const msg = '1;/nix/store/aaaa-x;sha256:abc;123;';
    const nodeSig = crypto.sign(null, Buffer.from(msg), key).toString('base64');
    expect(await C.nix.sign(secretKey, msg)).toBe(`test-cache-1:${nodeSig}`);
    expect(await C.nix.verify(publicKey, msg, `test-cache-1:${nodeSig}`)).toBe(true);
    expect(await C.nix.verify(publicKey, msg + 'x', `test-cache-1:${nodeSig}`)).toBe(false);
    await expect(C.nix.publicKey('no-colon')).rejects.toHaveProperty('code', 'ERR_INVALID_ARGUMENT');
  });
});

describe('narinfo (real cache.nixos.org files)', () => {
  test.each(narinfos)('%s: fingerprint and signature', async (_, text) => {
    const field = (k) => text.match(new RegExp(`^${k}: (.*)$`, 'm'))[1];
    const dir = field('StorePath').replace(/\/[^/]+$/, '');
    const refs = field('References').split(' ').filter(Boolean).map((r) => `${dir}/${r}`).join(',');
    expect(await C.narinfo.fingerprint(text))
      .toBe(`1;${field('StorePath')};${field('NarHash')};${field('NarSize')};${refs}`);
    expect(await C.narinfo.verify(text, [CACHE_KEY])).toBe(true);
    const altered = text.replace(/^NarSize: (\d+)$/m, (_, n) => `NarSize: ${Number(n) + 1}`);
    expect(await C.narinfo.verify(altered, [CACHE_KEY])).toBe(false);
  });
  test('sign with our key, verify with it', async () => {
    const [, text] = narinfos[0];
    const { secretKey, publicKey } = await C.nix.generateKey('my-cache-1');
    const signed = await C.narinfo.sign(text, secretKey);
    expect(signed).toMatch(/^Sig: my-cache-1:/m);
    expect(await C.narinfo.verify(signed, [publicKey])).toBe(true);
    expect(await C.narinfo.verify(text, [publicKey])).toBe(false);
    await expect(C.narinfo.verify('garbage', [publicKey])).rejects.toHaveProperty('code');
  });
});

describe('narinfo parse / format (real cache.nixos.org files)', () => {
  test.each(narinfos)('%s: parse gives the fields; format(parse(t)) is byte-identical', async (_, text) => {
    const field = (k) => text.match(new RegExp(`^${k}: (.*)$`, 'm'))[1];
    const o = await C.narinfo.parse(text);
    expect(o.StorePath).toBe(field('StorePath'));
    expect(o.URL).toBe(field('URL'));
    expect(o.Compression).toBe(field('Compression'));
    expect(o.FileHash).toBe(field('FileHash'));
    expect(o.FileSize).toBe(Number(field('FileSize')));
    expect(o.NarHash).toBe(field('NarHash'));
    expect(o.NarSize).toBe(Number(field('NarSize')));
    expect(o.References).toEqual(field('References').split(' '));
    expect(o.Sig).toEqual([field('Sig')]);
    expect(o.Deriver).toBeUndefined();
    expect(o.extra).toEqual([]);
    expect(await C.narinfo.format(o)).toBe(text);
    // Through JSON (a plain object) and with fields in another order.
    const shuffled = Object.fromEntries(Object.entries(JSON.parse(JSON.stringify(o))).reverse());
    expect(await C.narinfo.format(shuffled)).toBe(text);
  });
  test('edits round-trip and keep the signature check honest', async () => {
    const [, text] = narinfos[0];
    const o = await C.narinfo.parse(text);
    const edited = await C.narinfo.format({ ...o, Deriver: 'z3ndxagmx2rnqmg3y2ry2y7xwmdjhyrx-hello-2.10.drv', extra: [['Note', 'x y']] });
    expect(edited).toMatch(/^Deriver: z3ndxagmx2rnqmg3y2ry2y7xwmdjhyrx-hello-2.10.drv$/m);
    expect(edited.endsWith('Note: x y\n')).toBe(true);
    expect(await C.narinfo.verify(edited, [CACHE_KEY])).toBe(true);   // Deriver is not in the fingerprint
    expect(await C.narinfo.verify(await C.narinfo.format({ ...o, NarSize: o.NarSize + 1 }), [CACHE_KEY])).toBe(false);
  });
  test('bad input: parse -> ERR_CORRUPT_INPUT naming the line; format -> ERR_INVALID_ARGUMENT', async () => {
    await expect(C.narinfo.parse('StorePath: /nix/store/x\n')).rejects.toMatchObject({ code: 'ERR_CORRUPT_INPUT', message: expect.stringMatching(/line 1/) });
    const o = await C.narinfo.parse(narinfos[0][1]);
    await expect(C.narinfo.format({ ...o, NarSize: 0 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(C.narinfo.format({ ...o, References: 'x' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(C.narinfo.format({ ...o, URL: 'a\nSig: x:y' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(C.narinfo.format({ ...o, Bogus: 1 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });
});
