import { createRequire, isBuiltin } from 'node:module';
import vm from 'node:vm';
import { decodeValue } from './captured-values.js';
import type { UserFunction } from './user-function.js';

/**
 * Worker side: turns a shipped function back into a callable, once per id and thread. The source is compiled
 * by node:vm as the body of a function whose parameters are the captured names (so the values are bound as
 * the closure had them) and `require`, limited to Node's built-in modules as the driver checked.
 */
const compiled = new Map<string, (...args: unknown[]) => unknown>();
/** A worker daemon outlives many jobs, each udf with new captured values a new id: the oldest are dropped past this. */
const MAX_COMPILED = 256;
const nodeRequire = createRequire(import.meta.url);

function requireBuiltin(id: string): unknown {
  if (!isBuiltin(id)) throw new Error(`Shipped functions can only require Node's built-in modules, not '${id}'`);
  return nodeRequire(id);
}

export function compileUserFunction(f: UserFunction): (...args: unknown[]) => unknown {
  let fn = compiled.get(f.id);
  if (!fn) {
    const names = f.captures.map((c) => c.name);
    // The source's first line is its wrapper's: line 1 of a stack frame is then the function's own first line.
    const factory = vm.compileFunction(`'use strict'; return ${f.source};`, [...names, 'require'], { filename: `quiver-udf:${f.name}`, lineOffset: -1 });
    fn = factory(...f.captures.map((c) => decodeValue(c.value)), requireBuiltin) as (...args: unknown[]) => unknown;
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
    compiled.set(f.id, fn);
  }
  return fn;
}
