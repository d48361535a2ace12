// Loading, variant choice and error model of the core module.
import { describe, expect, test } from 'vitest';
import * as C from '../../dist/esm/index.node.js';
import { expectedVariant } from './helpers.js';

describe('loading', () => {
  test('ready resolves with the expected variant and the simd128 BLAKE3 kernel', async () => {
    const info = await C.ready;
    expect(info.variant).toBe(expectedVariant);
    expect(C.info().variant).toBe(expectedVariant);
    if (expectedVariant === 'single') expect(info.threads).toBe(1);
    else expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(info.blake3Backend).toBe('simd128');
    expect(info.fastcdcBackend).toBe('simd128');
    expect(info.sha256Backend).toBe('simd128');
  });

  test('errors are ChunkerError subclasses with a stable code', async () => {
    await C.ready;
    let err;
    try { C.chunk(new Uint8Array(10), { min: 10 }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(C.InvalidArgumentError);
    expect(err).toBeInstanceOf(C.ChunkerError);
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe('ERR_INVALID_ARGUMENT');
    expect(err.message).toMatch(/min/);
  });

  test('non-byte input is rejected with ERR_INVALID_ARGUMENT', async () => {
    await C.ready;
    for (const bad of ['text', 42, null, undefined, {}, [1, 2]]) {
      expect(() => C.blake3(bad)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
      expect(() => C.chunk(bad)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    }
  });

  test('10 000 failing calls do not grow wasm memory', async () => {
    await C.ready;
    const big = new Uint8Array(1 << 20);
    // Warm up: the first calls may size the heap once.
    for (let i = 0; i < 10; i++) {
      try { C.chunk(big, { min: 1 }); } catch { /* expected */ }
      try { C.nixBase32.decode('eeee'); } catch { /* expected */ }
    }
    const before = C.memoryUsage().core;
    let failures = 0;
    for (let i = 0; i < 10000; i++) {
      try { C.chunk(big, { min: 1, avg: 2, max: 3 }); } catch (e) { if (e.code === 'ERR_INVALID_ARGUMENT') failures++; }
      try { C.nixBase32.decode('!'.repeat(52)); } catch (e) { if (e.code === 'ERR_INVALID_ARGUMENT') failures++; }
    }
    expect(failures).toBe(20000);
    expect(C.memoryUsage().core).toBe(before);
    // Still works afterwards.
    expect(C.chunk(big, { avg: 16384, hash: 'none' }).length).toBeGreaterThan(0);
  }, 120000);
});
