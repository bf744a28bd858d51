import { AnalysisError } from '../errors.js';
import { checkCast } from '../kernels/cast.js';
import { lookupScalar } from '../kernels/scalar/registry.js';
import '../kernels/scalar/operators.js';
import '../kernels/scalar/library.js';
import { type DataType, BooleanType, NullType, commonType, typeToString, typesEqual } from '../types/data-type.js';
import type { Schema } from '../types/schema.js';
import { inferType } from '../types/vec.js';
import type { BoundExpr } from './bound.js';
import { type Expr, exprName } from './expr.js';

/**
 * Resolves column names to positions in `schema` and types every node, inserting the implicit
 * casts each function asks for. Aggregates and window functions are rejected here: the
 * DataFrame verbs that allow them extract them first.
 */
export function bind(e: Expr, schema: Schema): BoundExpr {
  switch (e.op) {
    case 'col': {
      const i = e.index ?? schema.resolve(e.name);
      return { op: 'ref', index: i, type: schema.fields[i]!.type };
    }
    case 'star':
      throw new AnalysisError(`'*' is only allowed in select() and count('*')`);
    case 'lit':
      return { op: 'lit', value: normalizeLiteral(e.value), type: e.type ?? literalType(e.value) };
    case 'alias':
      return bind(e.child, schema);
    case 'sort':
      return bind(e.child, schema);
    case 'cast': {
      const child = bind(e.child, schema);
      checkCast(child.type, e.to, `'${exprName(e.child)}'`);
      return { op: 'cast', child, type: e.to };
    }
    case 'call': {
      const fn = lookupScalar(e.fn);
      if (!fn) throw new AnalysisError(`Unknown function '${e.fn}'`);
      let args = e.args.map((a) => bind(a, schema));
      const argTypes = args.map((a) => a.type);
      if (fn.coerce) {
        const want = fn.coerce(argTypes);
        args = args.map((a, i) => castTo(a, want[i]!, `argument ${i + 1} of ${e.fn}`));
      }
      const type = fn.returnType(args.map((a) => a.type));
      return { op: 'call', fn: e.fn, args, type };
    }
    case 'udf':
      return { op: 'udf', fn: e.fn, deterministic: e.deterministic, args: e.args.map((a) => bind(a, schema)), type: e.returnType };
    case 'case': {
      const branches = e.branches.map(([c, v]) => {
        const cond = bind(c, schema);
        if (cond.type.kind !== 'boolean' && cond.type.kind !== 'null') {
          throw new AnalysisError(`when() condition '${exprName(c)}' must be boolean, got ${typeToString(cond.type)}`);
        }
        return [cond, bind(v, schema)] as const;
      });
      const otherwise = e.otherwise ? bind(e.otherwise, schema) : null;
      let type: DataType = NullType;
      for (const v of [...branches.map((b) => b[1]), ...(otherwise ? [otherwise] : [])]) {
        const t = commonType(type, v.type);
        if (!t) throw new AnalysisError(`CASE WHEN branches have incompatible types ${typeToString(type)} and ${typeToString(v.type)}`);
        type = t;
      }
      return {
        op: 'case',
        branches: branches.map(([c, v]) => [c, castTo(v, type, 'a CASE branch')] as const),
        otherwise: otherwise ? castTo(otherwise, type, 'the CASE ELSE branch') : null,
        type,
      };
    }
    case 'agg':
      throw new AnalysisError(`Aggregate function ${exprName(e)} is not allowed here: use groupBy(...).agg(...) or select() with only aggregates`);
    case 'window':
      throw new AnalysisError(`Window function ${exprName(e)} is only allowed in select() and withColumn()`);
  }
}

export function castTo(e: BoundExpr, to: DataType, what: string): BoundExpr {
  if (typesEqual(e.type, to)) return e;
  if (e.op === 'lit' && e.type.kind === 'null') return { op: 'lit', value: null, type: to };
  checkCast(e.type, to, what);
  return { op: 'cast', child: e, type: to };
}

export function bindPredicate(e: Expr, schema: Schema): BoundExpr {
  const b = bind(e, schema);
  if (b.type.kind !== 'boolean' && b.type.kind !== 'null') {
    throw new AnalysisError(`Filter condition '${exprName(e)}' must be boolean, got ${typeToString(b.type)}`);
  }
  return b.type.kind === 'null' ? { op: 'lit', value: null, type: BooleanType } : b;
}

function normalizeLiteral(v: unknown): unknown {
  if (v instanceof Date) return v.getTime() * 1000;
  return v === undefined ? null : v;
}

function literalType(v: unknown): DataType {
  return inferType([v]);
}
