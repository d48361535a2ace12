// The one lifecycle of every JS object that owns a wasm object (hashers,
// chunkers, codec streams, NAR readers and writers): own it, reach it only
// through _live() (which turns use after free() into ERR_INVALID_ARGUMENT
// naming the object), release it once on free(), and let a
// FinalizationRegistry release the ones a caller dropped without free().
import { invalidArg } from './errors.js';

// The held value is the release function alone: it must not reach the Handle
// itself, or the Handle could never be collected.
const registry = typeof FinalizationRegistry != 'undefined'
  ? new FinalizationRegistry((release) => { try { release(); } catch { /* already gone */ } })
  : null;

export class Handle {
  // `what` starts the "already freed" message ("sha256 hasher", "chunker", ...).
  constructor(what) {
    this._what = what;
    this._h = null;
    this._release = null;
  }
  // Takes ownership of `h`; `release` (default: h.delete()) frees it and
  // whatever goes with it. release null: nothing to free (a JS-only object).
  _own(h, release = () => h.delete()) {
    this._h = h;
    this._release = release;
    if (registry && release) registry.register(this, release, this);
    return h;
  }
  _live() {
    if (!this._h) throw invalidArg(`${this._what}: already freed`);
    return this._h;
  }
  // Releases the wasm state now (otherwise the garbage collector does it).
  // Later calls fail with ERR_INVALID_ARGUMENT; a second free() does nothing.
  free() {
    if (!this._h) return;
    const release = this._release;
    this._h = null;
    this._release = null;
    if (release) {
      if (registry) registry.unregister(this);
      release();
    }
  }
}
