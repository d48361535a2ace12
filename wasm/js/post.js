// Helpers our JS glue needs from inside the module scope.

// The live memory object: under pthreads + memory growth, typed-array views
// made earlier may be stale, so the glue builds views from this each time.
Module['getMemory'] = function () { return wasmMemory; };

// Where the web loader fetches its .wasm from (after any bundler rewrite),
// so load errors can name it.
if (typeof wasmBinaryFile == 'string' && !Module['wasmUrl']) Module['wasmUrl'] = wasmBinaryFile;

// Node: pool workers keep the event loop alive; unref them so a script that
// is done can exit. terminateThreads() stops them for good.
Module['unrefThreads'] = function () {
  if (typeof PThread == 'undefined') return;
  PThread.unusedWorkers.concat(PThread.runningWorkers).forEach(function (w) { if (w.unref) w.unref(); });
};
Module['terminateThreads'] = function () {
  if (typeof PThread != 'undefined') PThread.terminateAllThreads();
};
