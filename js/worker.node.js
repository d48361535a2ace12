// worker_threads script for createWorkerClient() in Node.
import { parentPort } from 'node:worker_threads';
import { start } from './runtime.js';
import { nodePlatform } from './platform-node.js';
import { serve } from './worker-host.js';

start(nodePlatform());
serve({
  post: (m, transfer) => parentPort.postMessage(m, transfer || []),
  onMessage: (fn) => parentPort.on('message', fn),
});
