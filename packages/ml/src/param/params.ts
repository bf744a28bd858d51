/**
 * Typed parameters, as Spark ML's Params: each stage declares its params (name, doc, default, check); values are
 * checked when set, columns and types when a stage is fitted, before any task runs.
 */

export class ParamError extends Error {
  override name = 'ParamError';
}

/** A value check: a message saying what is wrong, or null when the value is fine. */
export type ParamCheck<T> = (value: T) => string | null;

export interface Param<T> {
  readonly name: string;
  readonly doc: string;
  readonly default: T | undefined;
  readonly check: ParamCheck<T> | null;
}

let uidCounter = 0;
/** Spark-like uid: the class name in lower case plus a random suffix (unique within the process). */
export function randomUid(prefix: string): string {
  return `${prefix}_${Math.random().toString(16).slice(2, 8)}${(++uidCounter).toString(16).padStart(4, '0')}`;
}

/** Checks for common params. */
export const checks = {
  gtEq: (lo: number): ParamCheck<number> => (v) => (typeof v === 'number' && v >= lo ? null : `must be a number >= ${lo}`),
  gt: (lo: number): ParamCheck<number> => (v) => (typeof v === 'number' && v > lo ? null : `must be a number > ${lo}`),
  inRange: (lo: number, hi: number): ParamCheck<number> => (v) => (typeof v === 'number' && v >= lo && v <= hi ? null : `must be a number in [${lo}, ${hi}]`),
  int: (lo: number): ParamCheck<number> => (v) => (Number.isInteger(v) && v >= lo ? null : `must be an integer >= ${lo}`),
  oneOf: <T extends string>(...xs: T[]): ParamCheck<T> => (v) => (xs.includes(v) ? null : `must be one of ${xs.map((x) => `'${x}'`).join(', ')}`),
  string: (v: string) => (typeof v === 'string' && v.length > 0 ? null : 'must be a non-empty string'),
  optionalString: (v: string) => (typeof v === 'string' ? null : 'must be a string'),
  boolean: (v: boolean) => (typeof v === 'boolean' ? null : 'must be true or false'),
  stringArray: (v: string[]) => (Array.isArray(v) && v.every((s) => typeof s === 'string' && s.length > 0) ? null : 'must be an array of non-empty strings'),
  numberArray: (v: number[]) => (Array.isArray(v) && v.every((s) => typeof s === 'number' && !Number.isNaN(s)) ? null : 'must be an array of numbers'),
} as const;

type ParamValues = object;

/**
 * A set of typed params P (an interface of param name -> value type). Subclasses declare each param once in
 * their constructor with `declare`, then apply the user's values with `setParams`.
 */
export abstract class Params<P extends ParamValues = ParamValues> {
  uid: string;
  private readonly declared = new Map<string, Param<unknown>>();
  private readonly values = new Map<string, unknown>();

  constructor(uid?: string) {
    this.uid = uid ?? randomUid(this.constructor.name.toLowerCase());
  }

  protected declare<K extends keyof P & string>(name: K, doc: string, def?: P[K], check?: ParamCheck<P[K]>): Param<P[K]> {
    const p: Param<P[K]> = { name, doc, default: def, check: check ?? null };
    if (def !== undefined && check) {
      const err = check(def);
      if (err) throw new ParamError(`${this.constructor.name}: default of param '${name}' ${err}`);
    }
    this.declared.set(name, p as Param<unknown>);
    return p;
  }

  /** Applies a partial set of values (constructor options, copy extras), checking each. */
  setParams(values: Partial<P> | undefined): this {
    if (!values) return this;
    for (const [k, v] of Object.entries(values)) if (v !== undefined) this.set(k as keyof P & string, v as P[keyof P & string]);
    return this;
  }

  set<K extends keyof P & string>(name: K, value: P[K]): this {
    const p = this.param(name);
    const err = p.check ? (p.check as ParamCheck<unknown>)(value) : null;
    if (err) throw new ParamError(`${this.constructor.name}: param '${name}' ${err}, got ${JSON.stringify(value)}`);
    this.values.set(name, value);
    return this;
  }

  clear<K extends keyof P & string>(name: K): this {
    this.param(name);
    this.values.delete(name);
    return this;
  }

  /** The value set, else the default; a clear error when the param has neither. */
  get<K extends keyof P & string>(name: K): P[K] {
    const p = this.param(name);
    if (this.values.has(name)) return this.values.get(name) as P[K];
    if (p.default !== undefined) return p.default as P[K];
    throw new ParamError(`${this.constructor.name}: param '${name}' is not set and has no default (${p.doc})`);
  }

  /** The value set, else the default, else undefined. */
  getOrUndefined<K extends keyof P & string>(name: K): P[K] | undefined {
    const p = this.param(name);
    return (this.values.has(name) ? this.values.get(name) : p.default) as P[K] | undefined;
  }

  isSet(name: keyof P & string): boolean { this.param(name); return this.values.has(name); }
  isDefined(name: keyof P & string): boolean { return this.isSet(name) || this.param(name).default !== undefined; }
  hasParam(name: string): boolean { return this.declared.has(name); }

  param(name: string): Param<unknown> {
    const p = this.declared.get(name);
    if (!p) throw new ParamError(`${this.constructor.name} has no param '${name}'; its params are ${[...this.declared.keys()].join(', ')}`);
    return p;
  }

  get params(): Param<unknown>[] { return [...this.declared.values()].sort((a, b) => a.name.localeCompare(b.name)); }

  explainParam(name: string): string {
    const p = this.param(name);
    const parts: string[] = [];
    if (p.default !== undefined) parts.push(`default: ${JSON.stringify(p.default)}`);
    if (this.values.has(name)) parts.push(`current: ${JSON.stringify(this.values.get(name))}`);
    return `${name}: ${p.doc}${parts.length ? ` (${parts.join(', ')})` : ' (undefined)'}`;
  }

  /** One line per param, as Spark's explainParams(). */
  explainParams(): string { return this.params.map((p) => this.explainParam(p.name)).join('\n'); }

  /** Values explicitly set, and defaults, for persistence. */
  paramMapJson(): { paramMap: Record<string, unknown>; defaultParamMap: Record<string, unknown> } {
    const paramMap: Record<string, unknown> = {};
    const defaultParamMap: Record<string, unknown> = {};
    for (const p of this.params) {
      if (this.values.has(p.name)) paramMap[p.name] = this.values.get(p.name);
      if (p.default !== undefined) defaultParamMap[p.name] = p.default;
    }
    return { paramMap, defaultParamMap };
  }

  /** Copies explicitly set values from `other` for the params both declare (model <- estimator). */
  protected copyValuesFrom(other: Params<object>): this {
    for (const [k, v] of other.values) if (this.declared.has(k)) this.values.set(k, v);
    return this;
  }

  /** A new instance of the same class and uid with the same param values, then `extra` applied (Spark's copy). */
  copy(extra?: Partial<P>): this {
    const that = this.newInstance();
    that.uid = this.uid;
    for (const [k, v] of this.values) that.values.set(k, v);
    this.copyState(that);
    return that.setParams(extra);
  }

  /** A fresh instance with default params; subclasses whose constructor needs arguments override this. */
  protected newInstance(): this {
    return new (this.constructor as new () => this)();
  }

  /** Copies non-param state (a model's coefficients) onto a copy. */
  protected copyState(_to: this): void {}
}
