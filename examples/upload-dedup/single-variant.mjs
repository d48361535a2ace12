// Imported first by server.mjs. When the demo server runs as a program, it
// loads the package's single-thread build unless CHUNKER_WASM_VARIANT says
// otherwise: every hash and codec call of the server runs on one thread
// (threads: 1), and in the threads build the same calls cost ~20 % more
// server CPU per uploaded MiB (its memory is shared: bench/js/
// demo_server_cost.mjs, docs/benchmarks.md "Upload demo"). Imported as a
// module (createServer in the tests and benchmarks) it changes nothing: the
// host process chooses its variant. (An import, not code in server.mjs:
// imports run before a module's own code, and the package picks its build
// when it is first imported.)
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const server = fileURLToPath(new URL('./server.mjs', import.meta.url));
if (process.argv[1] && path.resolve(process.argv[1]) === server && !process.env.CHUNKER_WASM_VARIANT) process.env.CHUNKER_WASM_VARIANT = 'single';
