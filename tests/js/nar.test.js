// NAR reading against archives written by the real `nix-store --dump`
// (Debian nix-bin), with a throwaway store/state dir as the native suite does.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as C from '../../dist/esm/index.node.js';
import { randomBytes } from './helpers.js';

let dir, tree, nar;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunker-nar-'));
  tree = path.join(dir, 'tree');
  fs.mkdirSync(path.join(tree, 'bin'), { recursive: true });
  fs.mkdirSync(path.join(tree, 'share/empty'), { recursive: true });
  fs.writeFileSync(path.join(tree, 'bin/tool'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  fs.writeFileSync(path.join(tree, 'big.bin'), randomBytes(3 << 20, 21));
  fs.writeFileSync(path.join(tree, 'share/empty-file'), '');
  fs.symlinkSync('../big.bin', path.join(tree, 'bin/link'));
  const s = path.join(dir, 'nix');
  const env = { ...process.env, NIX_STATE_DIR: `${s}/state`, NIX_STORE_DIR: `${s}/store`, NIX_LOG_DIR: `${s}/log`,
    NIX_CONF_DIR: `${s}/conf`, NIX_REMOTE: '', HOME: s };
  nar = new Uint8Array(execFileSync('nix-store', ['--dump', tree], { env, maxBuffer: 1 << 28 }));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const slices = (b, n) => (async function* () { for (let o = 0; o < b.length; o += n) yield b.subarray(o, o + n); })();

describe('narEntries over a nix-store --dump archive', () => {
  test('reports every node with its metadata and exact contents, in any slicing', async () => {
    for (const n of [7, 4096, nar.length]) {
      const nodes = [];
      const files = {};
      let cur = null;
      for await (const ev of C.narEntries(slices(nar, n))) {
        if (ev.kind === 'node') {
          nodes.push([ev.path, ev.type, ev.executable ?? null, ev.size ?? null, ev.target ?? null]);
          if (ev.type === 'regular') { cur = ev.path; files[cur] = []; }
        } else if (ev.kind === 'data') files[cur].push(ev.bytes);
      }
      expect(nodes).toEqual([
        ['', 'directory', null, null, null],
        ['big.bin', 'regular', false, 3 << 20, null],
        ['bin', 'directory', null, null, null],
        ['bin/link', 'symlink', null, null, '../big.bin'],
        ['bin/tool', 'regular', true, fs.statSync(path.join(tree, 'bin/tool')).size, null],
        ['share', 'directory', null, null, null],
        ['share/empty', 'directory', null, null, null],
        ['share/empty-file', 'regular', false, 0, null],
      ]);
      for (const [p, parts] of Object.entries(files)) {
        expect(Buffer.compare(Buffer.concat(parts), fs.readFileSync(path.join(tree, p)))).toBe(0);
      }
    }
  });
  test('truncated and corrupt archives fail with a code, and leak no wasm memory', async () => {
    const drain = async (b) => { for await (const ev of C.narEntries([b])) void ev; };
    await expect(drain(nar.subarray(0, nar.length - 8))).rejects.toMatchObject({ code: 'ERR_TRUNCATED_INPUT' });
    const magic = nar.slice(); magic[8] ^= 0xff;   // inside the "nix-archive-1" magic
    await expect(drain(magic)).rejects.toHaveProperty('code', 'ERR_UNSUPPORTED_FORMAT');
    const bad = nar.slice(); bad[Buffer.from(nar).indexOf('regular')] = 0x58;   // "Xegular": unknown node type
    await expect(drain(bad)).rejects.toHaveProperty('code', 'ERR_CORRUPT_INPUT');
    const before = C.memoryUsage().codecs;
    for (let i = 0; i < 300; i++) await drain(bad).catch(() => {});
    expect(C.memoryUsage().codecs).toBe(before);
  });
});

describe('writing NARs: byte-identical to nix-store --dump', () => {
  const fileTree = () => ({
    type: 'directory',
    entries: {   // deliberately unsorted: the writer sorts as Nix does
      share: { type: 'directory', entries: { 'empty-file': { type: 'regular', contents: '' }, empty: { type: 'directory', entries: {} } } },
      bin: {
        type: 'directory',
        entries: [
          ['tool', { type: 'regular', executable: true, contents: fs.readFileSync(path.join(tree, 'bin/tool')) }],
          ['link', { type: 'symlink', target: '../big.bin' }],
        ],
      },
      'big.bin': { type: 'regular', size: 3 << 20, contents: () => fs.createReadStream(path.join(tree, 'big.bin')) },
    },
  });
  test('nar(), narStream() and the streamed contents give the same bytes as nix-store --dump', async () => {
    const seen = [];
    const a = await C.nar(fileTree(), { onProgress: (n) => seen.push(n) });
    expect(Buffer.compare(a, nar)).toBe(0);
    expect(seen.at(-1)).toBe(nar.length);
    const parts = [];
    for await (const p of C.narStream(fileTree())) parts.push(p);
    expect(Buffer.compare(Buffer.concat(parts), nar)).toBe(0);
    // And the reader reads back what the writer wrote.
    let nodes = 0;
    for await (const ev of C.narEntries([a])) if (ev.kind === 'node') nodes++;
    expect(nodes).toBe(8);
  });
  test('single file and symlink roots match nix-store --dump', async () => {
    const s = path.join(dir, 'nix');
    const env = { ...process.env, NIX_STATE_DIR: `${s}/state`, NIX_STORE_DIR: `${s}/store`, NIX_LOG_DIR: `${s}/log`,
      NIX_CONF_DIR: `${s}/conf`, NIX_REMOTE: '', HOME: s };
    const dump = (p) => new Uint8Array(execFileSync('nix-store', ['--dump', p], { env, maxBuffer: 1 << 28 }));
    const tool = fs.readFileSync(path.join(tree, 'bin/tool'));
    expect(Buffer.compare(await C.nar({ type: 'regular', executable: true, contents: new Blob([tool]) }), dump(path.join(tree, 'bin/tool')))).toBe(0);
    expect(Buffer.compare(await C.nar({ type: 'symlink', target: '../big.bin' }), dump(path.join(tree, 'bin/link')))).toBe(0);
  });
  test('low-level NarWriter: misuse and bad trees are ERR_INVALID_ARGUMENT, no leak', async () => {
    const w = await C.NarWriter.create();
    const parts = [w.beginDirectory(), w.beginEntry('b'), w.symlink('x'), w.endEntry()];
    expect(() => w.beginEntry('a')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));   // not sorted
    w.free();
    expect(parts[0].length).toBeGreaterThan(0);
    await expect(C.nar({ type: 'regular', size: 5, contents: [new Uint8Array(3)] })).rejects.toHaveProperty('code', 'ERR_INVALID_ARGUMENT');
    await expect(C.nar({ type: 'directory', entries: { 'a/b': { type: 'symlink', target: 'x' } } })).rejects.toHaveProperty('code', 'ERR_INVALID_ARGUMENT');
    await expect(C.nar({ type: 'fifo' })).rejects.toHaveProperty('code', 'ERR_INVALID_ARGUMENT');
    await expect(C.nar({ type: 'directory', entries: {} }, { signal: AbortSignal.abort() })).rejects.toHaveProperty('code', 'ERR_CANCELLED');
    const bad = () => C.nar({ type: 'directory', entries: { x: { type: 'regular', size: 9, contents: [new Uint8Array(1 << 16)] } } }).catch(() => {});
    for (let i = 0; i < 5; i++) await bad();
    const before = C.memoryUsage().codecs;
    for (let i = 0; i < 300; i++) await bad();
    expect(C.memoryUsage().codecs).toBe(before);
  });
});
