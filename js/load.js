// Instantiates one Emscripten module for either platform, quietly: the
// loader's own messages (load failures, Emscripten warnings such as
// "Blocking on the main thread") go to a small buffer instead of the host's
// console/stderr, and a failed load becomes ChunkerError('ERR_LOAD') naming
// the file.
import { ChunkerError } from './errors.js';

const KEEP_LINES = 8;

export async function loadModule(name, importLoader, opts) {
  const said = [];
  const note = (...a) => { said.push(a.join(' ')); if (said.length > KEEP_LINES) said.shift(); };
  const moduleArg = { ...opts, print: note, printErr: note };
  let aborted;
  moduleArg.onAbort = (what) => { aborted = what; };
  let factory;
  try {
    factory = (await importLoader()).default;
  } catch (e) {
    throw loadError(name, moduleArg, `cannot load its loader (${e && e.message})`, e);
  }
  try {
    // The 3.1.6 loader returns a thenable module object; await settles it.
    return await factory(moduleArg);
  } catch (e) {
    const reason = said.find((l) => /fail|abort|error/i.test(l)) || (e && e.message) || String(aborted || e);
    throw loadError(name, moduleArg, reason, e);
  }
}

function loadError(name, moduleArg, reason, cause) {
  const where = moduleArg.wasmUrl ? ` from ${moduleArg.wasmUrl}` : '';
  return new ChunkerError('ERR_LOAD', `chunker-wasm: cannot load the ${name} module${where}: ${String(reason).replace(/\s+/g, ' ').slice(0, 300)}`,
    { cause });
}
