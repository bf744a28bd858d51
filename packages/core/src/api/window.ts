import type { Expr, WindowSpecDef } from '../expr/expr.js';
import { type ColumnLike, toColumnExpr } from './column.js';

/** Window specification, as Spark's `Window.partitionBy(...).orderBy(...).rowsBetween(...)`. */
export class WindowSpec {
  constructor(readonly def: WindowSpecDef) {}

  partitionBy(...cols: (ColumnLike | ColumnLike[])[]): WindowSpec {
    return new WindowSpec({ ...this.def, partitionBy: flatten(cols) });
  }
  orderBy(...cols: (ColumnLike | ColumnLike[])[]): WindowSpec {
    return new WindowSpec({ ...this.def, orderBy: flatten(cols) });
  }
  /** ROWS frame relative to the current row; use Window.unboundedPreceding / unboundedFollowing / currentRow. */
  rowsBetween(start: number, end: number): WindowSpec {
    return new WindowSpec({ ...this.def, frame: { start: Number.isFinite(start) ? start : null, end: Number.isFinite(end) ? end : null } });
  }
}

function flatten(cols: (ColumnLike | ColumnLike[])[]): Expr[] {
  return cols.flat().map(toColumnExpr);
}

export const Window = {
  unboundedPreceding: -Infinity,
  unboundedFollowing: Infinity,
  currentRow: 0,
  partitionBy: (...cols: (ColumnLike | ColumnLike[])[]): WindowSpec => new WindowSpec({ partitionBy: [], orderBy: [] }).partitionBy(...cols),
  orderBy: (...cols: (ColumnLike | ColumnLike[])[]): WindowSpec => new WindowSpec({ partitionBy: [], orderBy: [] }).orderBy(...cols),
  rowsBetween: (start: number, end: number): WindowSpec => new WindowSpec({ partitionBy: [], orderBy: [] }).rowsBetween(start, end),
};
