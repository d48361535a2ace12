// Module Worker script for createWorkerClient() in browsers.
import { start } from './runtime.js';
import { browserPlatform } from './platform-browser.js';
import { serve } from './worker-host.js';

start(browserPlatform());
serve({
  post: (m, transfer) => self.postMessage(m, transfer || []),
  onMessage: (fn) => self.addEventListener('message', (e) => fn(e.data)),
});
