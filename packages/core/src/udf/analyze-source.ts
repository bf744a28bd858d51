import { isBuiltin } from 'node:module';
import * as acorn from 'acorn';
import * as walk from 'acorn-walk';
import { analyze } from 'eslint-scope';
import { AnalysisError } from '../errors.js';

/**
 * What the driver learns from a user function's source before shipping it: the expression that rebuilds it
 * on a worker and the free variables it reads. Scopes are resolved by eslint-scope over an acorn AST (both
 * maintained by the ESLint and acorn projects, and exact about hoisting, destructuring, classes and closures,
 * which a hand-written walk would get subtly wrong); acorn-walk finds what no scope can bind (`this`,
 * `import()`, `require` calls).
 */
export interface AnalyzedFunction {
  readonly name: string;
  /** A JavaScript expression whose value is the function. */
  readonly source: string;
  /** Names the function reads but does not declare, globals included, in order of first use. */
  readonly freeVariables: readonly string[];
}

/** ECMAScript's globals and the few host ones every worker thread has and that hold no process state. */
export const WORKER_GLOBALS: ReadonlySet<string> = new Set([
  'undefined', 'NaN', 'Infinity', 'Object', 'Function', 'Array', 'Number', 'Boolean', 'String', 'Symbol', 'BigInt', 'Date', 'RegExp',
  'Math', 'JSON', 'Intl', 'Reflect', 'Proxy', 'Promise', 'Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef',
  'Error', 'AggregateError', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError',
  'ArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array',
  'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
  'parseInt', 'parseFloat', 'isNaN', 'isFinite', 'encodeURI', 'encodeURIComponent', 'decodeURI', 'decodeURIComponent',
  'console', 'TextEncoder', 'TextDecoder', 'URL', 'URLSearchParams', 'structuredClone', 'atob', 'btoa',
  'queueMicrotask', 'setTimeout', 'clearTimeout',
]);

const NATIVE = /\{\s*\[native code\]\s*\}\s*$/;

/** Reads `fn`'s source and free variables, or throws AnalysisError saying why it cannot be shipped; `role` names the API ("udf"). */
export function analyzeFunction(fn: unknown, role: string): AnalyzedFunction {
  if (typeof fn !== 'function') throw new AnalysisError(`${role} needs a function, got ${fn === null ? 'null' : typeof fn}`);
  const name = fn.name || 'anonymous';
  const what = `${role} function '${name}'`;
  const text = Function.prototype.toString.call(fn);
  if (name.startsWith('bound ')) {
    throw new AnalysisError(`${what} is a bound function (made by bind()): workers cannot rebuild its target and bound arguments; pass an unbound function and give it its values in captures`);
  }
  if (NATIVE.test(text)) {
    throw new AnalysisError(`${what} is a native function, which has no source to ship: wrap it in a function of your own, e.g. (x) => Math.sqrt(x)`);
  }
  if (/^class\b/.test(text)) throw new AnalysisError(`${what} is a class: pass a function`);
  if (/GeneratorFunction\]$/.test(Object.prototype.toString.call(fn))) throw new AnalysisError(`${what} is a generator: return the result itself`);
  const { source, root } = parseFunction(text, what);
  const ast = root.program;
  const names: string[] = [];
  const refsByName = new Map<string, acorn.Node[]>();
  const scopes = analyze(ast as never, { ecmaVersion: 2022, sourceType: 'script' });
  for (const ref of scopes.globalScope!.through) {
    const n = ref.identifier.name;
    if (!refsByName.has(n)) { refsByName.set(n, []); names.push(n); }
    refsByName.get(n)!.push(ref.identifier as unknown as acorn.Node);
  }
  checkUnbindable(ast, root.fn, what);
  checkRequires(ast, refsByName.get('require') ?? [], what);
  return { name, source, freeVariables: names };
}

/**
 * Parses the source as an expression; method shorthand (`f(x) { ... }` from an object literal) is wrapped in an
 * object first. Either way the function's text starts a line, so stack frames on workers keep its line and columns.
 */
function parseFunction(text: string, what: string): { source: string; root: { program: acorn.Program; fn: acorn.Node } } {
  const tryParse = (src: string): acorn.Program | null => {
    try {
      return acorn.parse(src, { ecmaVersion: 'latest', sourceType: 'script', ranges: true });
    } catch {
      return null;
    }
  };
  const asExpression = `(\n${text}\n)`;
  const program = tryParse(asExpression);
  const expr = program && program.body.length === 1 && program.body[0]!.type === 'ExpressionStatement' ? program.body[0].expression : null;
  if (program && expr && (expr.type === 'ArrowFunctionExpression' || expr.type === 'FunctionExpression')) {
    return { source: asExpression, root: { program, fn: expr } };
  }
  const asMethod = `({\n${text}\n})`;
  const wrapped = tryParse(asMethod);
  const obj = wrapped && wrapped.body[0]?.type === 'ExpressionStatement' ? wrapped.body[0].expression : null;
  if (wrapped && obj?.type === 'ObjectExpression' && obj.properties.length === 1 && obj.properties[0]!.type === 'Property') {
    const prop = obj.properties[0];
    if (prop.kind !== 'init') throw new AnalysisError(`${what} is a ${prop.kind}ter: pass a function`);
    return { source: `Object.values(${asMethod})[0]`, root: { program: wrapped, fn: prop.value } };
  }
  throw new AnalysisError(`${what} has source that cannot be parsed as a function: ${text.slice(0, 80)}`);
}

const BINDS_THIS = new Set(['FunctionExpression', 'FunctionDeclaration', 'PropertyDefinition', 'StaticBlock']);

/** `this`, `super`, `new.target`/`import.meta` and `import()` would mean the driver's objects and modules: none can travel. */
function checkUnbindable(ast: acorn.Program, root: acorn.Node, what: string): void {
  const ownBinding = (ancestors: acorn.Node[]): boolean => {
    for (let i = ancestors.length - 2; i >= 0; i--) {
      const a = ancestors[i]!;
      if (a === root) return false;
      if (BINDS_THIS.has(a.type)) return true;
    }
    return false;
  };
  walk.ancestor(ast, {
    ThisExpression(_node, _state, ancestors) {
      if (!ownBinding(ancestors)) throw new AnalysisError(`${what} uses 'this', which is an object on the driver: pass the values it needs in captures`);
    },
    Super(_node, _state, ancestors) {
      if (!ownBinding(ancestors)) throw new AnalysisError(`${what} uses 'super', which is an object on the driver`);
    },
    MetaProperty(node) {
      const m = node as acorn.MetaProperty;
      if (m.meta.name === 'import') throw new AnalysisError(`${what} uses import.meta, which is the driver's module`);
    },
    ImportExpression() {
      throw new AnalysisError(`${what} uses import(), which shipped code cannot run: use require('node:...') for Node's built-in modules, or put library code in a module and use mapPartitionsWith({ module, fn })`);
    },
  });
}

/** A free `require` is only ever called with the name of a Node built-in module, which every worker can load. */
function checkRequires(ast: acorn.Program, requireRefs: readonly acorn.Node[], what: string): void {
  if (requireRefs.length === 0) return;
  const ok = new Set<acorn.Node>();
  walk.simple(ast, {
    CallExpression(node) {
      const arg = node.arguments[0];
      if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments.length === 1 && arg?.type === 'Literal' && typeof arg.value === 'string') {
        if (!isBuiltin(arg.value)) {
          throw new AnalysisError(`${what} calls require('${arg.value}'): shipped code can only load Node's built-in modules; put library code in a module and use mapPartitionsWith({ module, fn })`);
        }
        ok.add(node.callee);
      }
    },
  });
  if (requireRefs.some((r) => !ok.has(r))) throw new AnalysisError(`${what} uses require other than require('<built-in module name>'), which workers cannot satisfy`);
}
