import { createHash } from 'node:crypto';
import { messageType } from '@quiver/proto';
import { AnalysisError } from '../errors.js';
import { WORKER_GLOBALS, analyzeFunction } from './analyze-source.js';
import { encodeValue } from './captured-values.js';

/**
 * A user function as it travels (proto UserFunction): its source, and its captured values as proto `Value`
 * objects. Made once on the driver, where anything that cannot travel is refused; workers compile it by id.
 */
export interface UserFunction {
  readonly name: string;
  readonly source: string;
  readonly captures: readonly { readonly name: string; readonly value: Record<string, unknown> }[];
  readonly id: string;
}

const UserFunctionType = messageType('UserFunction');

/**
 * Checks `fn` on the driver and packs it for workers. Every free variable must be a worker global or a key of
 * `captures` (JavaScript cannot read a closure's values, so they are passed by name, as `{ captures: { k } }`);
 * captures the function does not read are not shipped. `role` names the API in errors ("udf", "mapPartitions").
 */
export function shipFunction(fn: unknown, captures: Readonly<Record<string, unknown>> | undefined, role: string): UserFunction {
  if (captures !== undefined && (captures === null || typeof captures !== 'object' || Array.isArray(captures))) {
    throw new AnalysisError(`${role}: captures must be an object of name: value, got ${Array.isArray(captures) ? 'an array' : String(captures)}`);
  }
  const analyzed = analyzeFunction(fn, role);
  const what = `${role} function '${analyzed.name}'`;
  const shipped: { name: string; value: Record<string, unknown> }[] = [];
  for (const v of analyzed.freeVariables) {
    if (captures && Object.hasOwn(captures, v)) shipped.push({ name: v, value: encodeValue(captures[v], v, what) });
    else if (v === analyzed.name) {
      throw new AnalysisError(`${what} calls itself through the variable it is assigned to, which workers do not have: make it a named function expression, function ${v}(...) { ... }`);
    } else if (v !== 'require' && !WORKER_GLOBALS.has(v)) {
      throw new AnalysisError(`${what} uses '${v}', which workers do not have: pass its value in captures, e.g. { captures: { ${v} } }`);
    }
  }
  const body = { name: analyzed.name, source: analyzed.source, captures: shipped };
  const id = createHash('sha1').update(UserFunctionType.encode(UserFunctionType.fromObject(body)).finish()).digest('hex');
  return { ...body, id };
}
