// What Quiver's own packages (the worker daemon, the scheduler's client) need from core and users do not.
export { decodeTask } from './physical/proto-codec.js';
export { runTask, type TaskOutput } from './exec/task.js';
export { toShared } from './types/arrow.js';
