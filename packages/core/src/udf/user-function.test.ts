/** shipFunction on the driver (source analysis, captures) and compileUserFunction on a worker, without a session. */
import { describe, expect, it } from 'vitest';
import { compileUserFunction } from './compile-function.js';
import { decodeValue } from './captured-values.js';
import { shipFunction } from './user-function.js';

const run = (fn: unknown, captures?: Record<string, unknown>) => compileUserFunction(shipFunction(fn, captures, 'udf'));
const refusal = (fn: unknown, captures?: Record<string, unknown>): string => {
  try {
    shipFunction(fn, captures, 'udf');
  } catch (e) {
    expect((e as Error).name).toBe('AnalysisError');
    return (e as Error).message;
  }
  throw new Error('shipFunction accepted the function');
};

describe('shipFunction accepts', () => {
  it('a function of its arguments and worker globals, with nothing to capture', () => {
    const f = shipFunction((x: number) => Math.sqrt(x) + Number.EPSILON * 0, undefined, 'udf');
    expect(f.captures).toEqual([]);
    expect(compileUserFunction(f)(16)).toBe(4);
  });

  it('captured plain data of every kind, copied when shipped and rebuilt on the worker', () => {
    const k = 3, name = 'q', big = 2n ** 70n, when = new Date(86_400_000), nothing = null, missing = undefined;
    const weights = new Float64Array([0.5, 1.5]);
    const cfg = { scale: [1, 2, { deep: true }], label: 'x', nan: NaN };
    const f = shipFunction(() => [k, name, big, when, nothing, missing, weights, cfg], { k, name, big, when, nothing, missing, weights, cfg, unused: () => 1 }, 'udf');
    expect(f.captures.map((c) => c.name)).toEqual(['k', 'name', 'big', 'when', 'nothing', 'missing', 'weights', 'cfg']);
    expect(f.captures.map((c) => decodeValue(c.value))).toEqual([k, name, big, when, null, undefined, weights, cfg]);
    weights[0] = 99;
    expect((compileUserFunction(f)() as unknown[])[6]).toEqual(new Float64Array([0.5, 1.5]));
  });

  it('local declarations, destructuring, inner closures and classes, and their own this and arguments', () => {
    function body(this: unknown, a: number, { b }: { b: number }) {
      class Acc { total = 0; add(x: number) { this.total += x; return this; } }
      const twice = (y: number) => y * 2;
      let n = 0;
      for (const v of [a, b]) n += twice(v);
      return new Acc().add(n).total + arguments.length;
    }
    expect(run(body)(1, { b: 2 })).toBe(8);
  });

  it('method shorthand and async functions', async () => {
    const obj = { plusOne(x: number) { return x + 1; } };
    expect(run(obj.plusOne)(1)).toBe(2);
    expect(await run(async (x: number) => x * 2)(4)).toBe(8);
  });

  it("require of Node's built-in modules", () => {
    expect(run((p: string) => require('node:path').basename(p))('/a/b.txt')).toBe('b.txt');
  });

  it("keeps the function's own lines and columns in stack frames", () => {
    // Built outside vitest's transform, which would reformat the function's text.
    const fails = new Function('return (x) => {\n  throw new Error(`bad ${x}`);\n}')() as (x: number) => never;
    const frames = (() => { try { run(fails)(1); } catch (e) { return (e as Error).stack!; } return ''; })();
    expect(frames).toContain('at quiver-udf:anonymous:2:9');
    const method = new Function('return { check(x) { if (x) throw new Error("no"); } }.check')() as (x: number) => void;
    expect((() => { try { run(method)(1); } catch (e) { return (e as Error).stack!; } return ''; })()).toContain('at check (quiver-udf:check:1:25)');
  });

  it('compiles each shipped function once per thread', () => {
    const f = shipFunction((x: number) => x + 1, undefined, 'udf');
    expect(compileUserFunction(f)).toBe(compileUserFunction({ ...f }));
    expect(shipFunction((x: number) => x + 1, undefined, 'udf').id).toBe(f.id);
    const k = 1;
    expect(shipFunction((x: number) => x + k, { k: 2 }, 'udf').id).not.toBe(shipFunction((x: number) => x + k, { k: 3 }, 'udf').id);
  });
});

describe('shipFunction refuses, naming the function and why', () => {
  const threshold = 5;
  function helper(x: number) { return x; }
  class Point { constructor(readonly x: number) {} }

  it('a free variable not passed in captures', () => {
    expect(refusal(function above(x: number) { return x > threshold; })).toBe(
      "udf function 'above' uses 'threshold', which workers do not have: pass its value in captures, e.g. { captures: { threshold } }");
  });

  it('driver-only globals', () => {
    expect(refusal(() => process.pid)).toContain("uses 'process'");
  });

  it('a captured function', () => {
    expect(refusal((x: number) => helper(x), { helper })).toContain("captures 'helper', which is a function (helper)");
  });

  it('a captured class instance, Map or native handle', () => {
    expect(refusal(() => p, { p: new Point(1) })).toContain("captures 'p', which is an instance of Point, not a plain object");
    expect(refusal(() => m, { m: new Map() })).toContain('is an instance of Map');
    expect(refusal(() => out, { out: process.stdout })).toContain("captures 'out', which is an instance of");
  });

  it('a captured Promise', () => {
    expect(refusal(() => p, { p: Promise.resolve(1) })).toContain("captures 'p', which is a Promise (await it on the driver");
  });

  it('values nested inside captured data, with their path', () => {
    expect(refusal(() => cfg, { cfg: { steps: [1, { fn: () => 2 }] } })).toContain("captures 'cfg.steps[1].fn', which is a function");
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(refusal(() => loop, { loop })).toContain("captures 'loop.self', which contains itself");
    expect(refusal(() => s, { s: Symbol('x') })).toContain("captures 's', which is a symbol");
  });

  it('this from the driver', () => {
    const obj = { factor: 2, make() { return (x: number) => x * this.factor; } };
    expect(refusal(obj.make())).toContain("uses 'this', which is an object on the driver");
  });

  it('bound and native functions, classes and non-functions', () => {
    expect(refusal(helper.bind(null))).toBe("udf function 'bound helper' is a bound function (made by bind()): workers cannot rebuild its target and bound arguments; pass an unbound function and give it its values in captures");
    expect(refusal(Math.max)).toContain("udf function 'max' is a native function");
    expect(refusal(Point)).toBe("udf function 'Point' is a class: pass a function");
    expect(refusal(42)).toBe('udf needs a function, got number');
  });

  it('require of anything but a built-in module, and import()', () => {
    expect(refusal(() => require('./helpers.js'))).toContain("calls require('./helpers.js'): shipped code can only load Node's built-in modules");
    const name = 'node:fs';
    expect(refusal(() => require(name), { name })).toContain("uses require other than require('<built-in module name>')");
    // Built outside vitest's transform, which rewrites import() in test files.
    const importing = new Function("return async () => import('node:fs')")() as () => Promise<unknown>;
    expect(refusal(importing)).toContain('uses import()');
  });

  it('a function calling itself through the variable it is assigned to, and generators', () => {
    const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
    expect(refusal(fact)).toContain("udf function 'fact' calls itself through the variable it is assigned to, which workers do not have: make it a named function expression");
    expect(run(function fact2(n: number): number { return n <= 1 ? 1 : n * fact2(n - 1); })(5)).toBe(120);
    expect(refusal(function* rows() { yield 1; })).toBe("udf function 'rows' is a generator: return the result itself");
  });

  it('captures that are not an object', () => {
    expect(() => shipFunction(() => 1, [1] as never, 'udf')).toThrow('udf: captures must be an object of name: value, got an array');
  });
});
