// Browser entry point: plain ES module, no bundler needed.
import { start } from './runtime.js';
import { browserPlatform } from './platform-browser.js';

start(browserPlatform());
export * from './api.js';
