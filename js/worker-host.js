// The worker side of createWorkerClient(): runs the package inside a
// dedicated Worker (browsers: a module Worker; Node: worker_threads) and
// serves calls from the client. Long operations run through the async,
// sliced forms (chunkStream, hashStream, compress/decompress) so cancel
// messages are seen between slices.
import * as api from './api.js';

const PIECE_ACK = 1;   // the client counts acknowledged bytes for backpressure

export function serve(port) {
  const calls = new Map();   // id -> { ac, queue }
  const post = (m, transfer) => port.post(m, transfer);
  const errorOf = (e) => ({
    name: (e && e.name) || 'Error', code: (e && e.code) || 'ERR_INTERNAL', message: String((e && e.message) || e),
  });

  // Async iterable fed by 'piece' / 'end' messages.
  function pieceQueue(id) {
    const items = [];
    let wake = null, ended = false;
    return {
      push(b) { items.push(b); if (wake) { wake(); wake = null; } },
      end() { ended = true; if (wake) { wake(); wake = null; } },
      async* [Symbol.asyncIterator]() {
        for (;;) {
          if (items.length) {
            const b = items.shift();
            yield b;
            post({ t: 'ack', id, n: b.length, k: PIECE_ACK });
            continue;
          }
          if (ended) return;
          await new Promise((r) => { wake = r; });
        }
      },
    };
  }

  function sourceOf(id, input, call) {
    if (input.kind === 'stream') { call.queue = pieceQueue(id); return call.queue; }
    if (input.kind === 'blob') return input.blob;
    return [input.bytes];
  }

  async function run(m) {
    const call = { ac: new AbortController(), queue: null };
    calls.set(m.id, call);
    const opts = { ...(m.opts || {}) };
    // Streamed operations always watch for cancel (also sent when a consumer
    // stops early); compress/decompress only when the caller passed a signal,
    // since the sliced compress writes a frame without the content size.
    if (m.abortable || m.op === 'chunk' || m.op === 'hash') opts.signal = call.ac.signal;
    if (m.progress) opts.onProgress = (n) => post({ t: 'progress', id: m.id, n });
    try {
      let value;
      switch (m.op) {
        case 'ready': value = await api.ready; break;
        case 'chunk': {
          await api.ready;
          opts._sliceBytes = 16 << 20;   // large pushes: per-chunk hashing spreads over the pthreads
          let batch = [], last = performance.now();
          for await (const c of api.chunkStream(sourceOf(m.id, m.input, call), opts)) {
            batch.push(c);
            if (batch.length >= 4096 || performance.now() - last > 50) {
              post({ t: 'chunks', id: m.id, chunks: batch });
              batch = []; last = performance.now();
            }
          }
          if (batch.length) post({ t: 'chunks', id: m.id, chunks: batch });
          break;
        }
        case 'hash':
          await api.ready;
          value = await api.hashStream(sourceOf(m.id, m.input, call), opts);
          break;
        case 'compress': await api.ready; value = await api.compress(m.input.bytes, opts); break;
        case 'decompress': await api.ready; value = await api.decompress(m.input.bytes, opts); break;
        case 'memoryUsage': value = api.memoryUsage(); break;
        default: throw new api.InvalidArgumentError('ERR_INVALID_ARGUMENT', `worker: unknown operation ${m.op}`);
      }
      post({ t: 'done', id: m.id, value }, value instanceof Uint8Array ? [value.buffer] : []);
    } catch (e) {
      post({ t: 'error', id: m.id, error: errorOf(e) });
    } finally {
      calls.delete(m.id);
    }
  }

  port.onMessage((m) => {
    if (m.t === 'call') { run(m); return; }
    const call = calls.get(m.id);
    if (!call) return;
    if (m.t === 'cancel') {
      call.ac.abort();
      if (call.queue) call.queue.end();   // no more pieces will come
    }
    else if (m.t === 'piece' && call.queue) call.queue.push(m.bytes);
    else if (m.t === 'end' && call.queue) call.queue.end();
  });
}
