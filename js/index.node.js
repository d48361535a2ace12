// Node entry point (ESM; the CJS build is generated from this file).
import { start } from './runtime.js';
import { nodePlatform } from './platform-node.js';

start(nodePlatform());
export * from './api.js';
