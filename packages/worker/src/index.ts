export { WorkerDaemon, type WorkerOptions } from './worker.js';
export { WorkerBlockStore, OutOfMemoryError, parseMemory } from './block-store.js';
