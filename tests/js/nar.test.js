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
