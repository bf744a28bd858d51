/**
 * L-BFGS, and OWL-QN when some coordinates carry an L1 penalty (Andrew & Gao 2007, as Breeze's OWLQN that Spark
 * uses): the driver-side optimizer of the linear models. Each evaluation of `fn` is one distributed pass.
 */

export type DiffFunction = (x: Float64Array) => Promise<{ f: number; g: Float64Array }>;

export interface MinimizeOptions {
  readonly maxIter: number;
  /**
   * Breeze's convergence check (what Spark's tol means): stop when the objective has moved by at most tol × the
   * initial objective over the last 20 iterations, or when the (pseudo-)gradient's largest entry is at most
   * max(tol × |F|, 1e-8).
   */
  readonly tol: number;
  /** History size. */
  readonly m?: number;
  /** Per-coordinate L1 weights (OWL-QN); omitted or all zero = L-BFGS. */
  readonly l1?: Float64Array;
  readonly onIteration?: (iteration: number, objective: number) => void;
}

export interface MinimizeResult {
  readonly x: Float64Array;
  /** Objective (with the L1 term) at the start and after each iteration. */
  readonly history: number[];
  readonly iterations: number;
  readonly converged: boolean;
}

/** Objective values the function-value convergence test looks back over (Breeze's fvalMemory). */
const FVAL_MEMORY = 20;

const dotp = (a: Float64Array, b: Float64Array): number => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!; return s; };

export async function minimize(fn: DiffFunction, x0: Float64Array, opts: MinimizeOptions): Promise<MinimizeResult> {
  const n = x0.length;
  const m = opts.m ?? 10;
  const l1 = opts.l1 && opts.l1.some((v) => v !== 0) ? opts.l1 : null;
  const l1Term = (x: Float64Array): number => { if (!l1) return 0; let s = 0; for (let i = 0; i < n; i++) s += l1[i]! * Math.abs(x[i]!); return s; };
  const pseudo = (x: Float64Array, g: Float64Array): Float64Array => {
    if (!l1) return g;
    const pg = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const w = l1[i]!;
      if (w === 0) pg[i] = g[i]!;
      else if (x[i]! > 0) pg[i] = g[i]! + w;
      else if (x[i]! < 0) pg[i] = g[i]! - w;
      else if (g[i]! + w < 0) pg[i] = g[i]! + w;
      else if (g[i]! - w > 0) pg[i] = g[i]! - w;
      else pg[i] = 0;
    }
    return pg;
  };

  let x = Float64Array.from(x0);
  let { f, g } = await fn(x);
  let F = f + l1Term(x);
  const history = [F];
  const S: Float64Array[] = [], Y: Float64Array[] = [], RHO: number[] = [];
  let iter = 0;
  let converged = false;
  while (iter < opts.maxIter) {
    const pg = pseudo(x, g);
    let pgNorm = 0;
    for (let i = 0; i < n; i++) pgNorm = Math.max(pgNorm, Math.abs(pg[i]!));
    if (pgNorm === 0) { converged = true; break; }
    // Two-loop recursion: dir = -H pg.
    const q = Float64Array.from(pg);
    const alpha = new Array<number>(S.length);
    for (let k = S.length - 1; k >= 0; k--) {
      alpha[k] = RHO[k]! * dotp(S[k]!, q);
      const yk = Y[k]!;
      for (let i = 0; i < n; i++) q[i]! -= alpha[k]! * yk[i]!;
    }
    const gamma = S.length ? dotp(S[S.length - 1]!, Y[Y.length - 1]!) / dotp(Y[Y.length - 1]!, Y[Y.length - 1]!) : 1;
    for (let i = 0; i < n; i++) q[i]! *= gamma;
    for (let k = 0; k < S.length; k++) {
      const beta = RHO[k]! * dotp(Y[k]!, q);
      const sk = S[k]!;
      for (let i = 0; i < n; i++) q[i]! += sk[i]! * (alpha[k]! - beta);
    }
    const dir = q;
    for (let i = 0; i < n; i++) dir[i] = -dir[i]!;
    if (l1) for (let i = 0; i < n; i++) if (dir[i]! * pg[i]! >= 0) dir[i] = 0;
    let slope = dotp(dir, pg);
    if (!(slope < 0)) {
      // Not a descent direction (stale curvature): restart from steepest descent.
      S.length = 0; Y.length = 0; RHO.length = 0;
      for (let i = 0; i < n; i++) dir[i] = -pg[i]!;
      slope = dotp(dir, pg);
    }
    // The orthant each coordinate must stay in (OWL-QN).
    const orthant = l1 ? Float64Array.from(x, (xi, i) => (xi !== 0 ? Math.sign(xi) : -Math.sign(pg[i]!))) : null;
    let step = iter === 0 && S.length === 0 ? Math.min(1, 1 / Math.sqrt(dotp(pg, pg))) : 1;
    let accepted = false;
    let xn = x, fn2 = f, gn = g, Fn = F;
    for (let ls = 0; ls < 40; ls++) {
      xn = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let v = x[i]! + step * dir[i]!;
        if (orthant && l1![i]! !== 0 && v * orthant[i]! <= 0) v = 0;
        xn[i] = v;
      }
      ({ f: fn2, g: gn } = await fn(xn));
      Fn = fn2 + l1Term(xn);
      let decrease = 0;
      for (let i = 0; i < n; i++) decrease += pg[i]! * (xn[i]! - x[i]!);
      if (Number.isFinite(Fn) && Fn <= F + 1e-4 * decrease) { accepted = true; break; }
      step *= ls === 0 ? 0.1 : 0.5;
    }
    if (!accepted) { converged = true; break; }
    const s = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0; i < n; i++) { s[i] = xn[i]! - x[i]!; y[i] = gn[i]! - g[i]!; }
    const sy = dotp(s, y);
    if (sy > 1e-12 * Math.sqrt(dotp(s, s) * dotp(y, y))) {
      S.push(s); Y.push(y); RHO.push(1 / sy);
      if (S.length > m) { S.shift(); Y.shift(); RHO.shift(); }
    }
    x = xn; f = fn2; g = gn; F = Fn;
    iter++;
    history.push(F);
    opts.onIteration?.(iter, F);
    if (history.length > FVAL_MEMORY) {
      let worst = -Infinity;
      for (let k = history.length - 1 - FVAL_MEMORY; k < history.length - 1; k++) worst = Math.max(worst, history[k]!);
      if (Math.abs(F - worst) <= opts.tol * Math.abs(history[0]!)) { converged = true; break; }
    }
    const pgn = pseudo(x, g);
    let gmax = 0;
    for (let i = 0; i < n; i++) gmax = Math.max(gmax, Math.abs(pgn[i]!));
    if (gmax <= Math.max(opts.tol * Math.abs(F), 1e-8)) { converged = true; break; }
  }
  return { x, history, iterations: iter, converged };
}
