import { AnalysisError, ExecutionError } from '../../errors.js';
import { type DataType, BooleanType, Int32Type, ListType, Utf8Type } from '../../types/data-type.js';
import { type Param, type RowResult, coerceAll, compileCache, mapRows } from './vectorize.js';
import { type ScalarFunction, registerScalar } from './registry.js';

/*
 * String functions run once per dictionary entry of the varying string argument (see mapRows), so the
 * per-entry work below can afford plain JS string operations. Positions and lengths count code points, as
 * Spark's UTF8String does, not UTF-16 units.
 */

interface RowFunction {
  readonly name: string;
  readonly params: readonly Param[];
  readonly min?: number;
  readonly max?: number;
  readonly returns: DataType;
  readonly passNulls?: boolean;
  /** Called once per batch; returns the per-distinct-input function (with its own pattern caches). */
  prepare(): (xs: unknown[]) => RowResult | null;
}

function rowFunction(spec: RowFunction): ScalarFunction {
  const min = spec.min ?? spec.params.length;
  const max = spec.max ?? spec.params.length;
  return {
    name: spec.name,
    coerce: (args) => coerceAll(spec.name, args, spec.params, min, max),
    returnType(args) {
      coerceAll(spec.name, args, spec.params, min, max);
      return spec.returns;
    },
    eval: (args, ctx) => mapRows(args, ctx, spec.prepare(), spec.passNulls),
  };
}

const isHighSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i + 1 < s.length; i++) {
    if (isHighSurrogate(s.charCodeAt(i)) && isLowSurrogate(s.charCodeAt(i + 1))) { n--; i++; }
  }
  return n;
}

/** The UTF-16 index where code point number `cp` starts (s.length when past the end). */
function utf16Index(s: string, cp: number): number {
  let i = 0;
  for (let k = 0; k < cp && i < s.length; k++) {
    i += isHighSurrogate(s.charCodeAt(i)) && i + 1 < s.length && isLowSurrogate(s.charCodeAt(i + 1)) ? 2 : 1;
  }
  return i;
}

/** Code points [start, end), clamped to the string. */
function codePointSlice(s: string, start: number, end: number): string {
  if (end <= start || end <= 0) return '';
  const from = utf16Index(s, Math.max(0, start));
  return s.slice(from, from + utf16Index(s.slice(from), end - Math.max(0, start)));
}

/** Spark trims only the ASCII space, not other whitespace. */
function trimSpaces(s: string, left: boolean, right: boolean): string {
  let a = 0;
  let b = s.length;
  if (left) while (a < b && s.charCodeAt(a) === 32) a++;
  if (right) while (b > a && s.charCodeAt(b - 1) === 32) b--;
  return s.slice(a, b);
}

/** Spark's UTF8String.substringSQL: 1-based, 0 acts as 1, a negative position counts from the end. */
export function sparkSubstring(s: string, pos: number, len: number): string {
  const numChars = codePointLength(s);
  const start = pos > 0 ? pos - 1 : pos < 0 ? numChars + pos : 0;
  const end = start + len;
  return codePointSlice(s, Math.max(start, 0), end);
}

function pad(s: string, len: number, padding: string, left: boolean): string {
  const spaces = len - codePointLength(s);
  if (spaces <= 0 || padding.length === 0) return codePointSlice(s, 0, len);
  const padChars = codePointLength(padding);
  const fill = padding.repeat(Math.floor(spaces / padChars)) + codePointSlice(padding, 0, spaces % padChars);
  return left ? fill + s : s + fill;
}

function initcap(s: string): string {
  let out = '';
  let atWordStart = true;
  for (const ch of s.toLowerCase()) {
    out += atWordStart ? ch.toUpperCase() : ch;
    atWordStart = ch === ' ';
  }
  return out;
}

// ---- Java regular expressions on JS RegExp ----

const SYNTAX_CHARS = new Set('^$\\.*+?()[]{}|/');

const POSIX_CLASSES: Record<string, string> = {
  Lower: 'a-z', Upper: 'A-Z', ASCII: '\\x00-\\x7F', Alpha: 'a-zA-Z', Digit: '0-9', Alnum: 'a-zA-Z0-9',
  Punct: '!-\\/:-@\\[-`{-~', Graph: '!-~', Print: ' -~', Blank: ' \\t', Cntrl: '\\x00-\\x1F\\x7F',
  XDigit: '0-9a-fA-F', Space: ' \\t\\n\\x0B\\f\\r',
};

function escapeForRegex(s: string, inClass: boolean): string {
  let out = '';
  for (const ch of s) out += SYNTAX_CHARS.has(ch) || (inClass && ch === '-') ? `\\${ch}` : ch;
  return out;
}

/**
 * Translates Java (java.util.regex) syntax into a JS unicode-mode RegExp source. Handled: leading inline
 * flags (?imsu), \Q...\E quoting, \A \z \Z \h, \x{...}, POSIX \p{Alpha}-style classes, \pL, escapes of
 * any punctuation, and possessive quantifiers (treated as greedy: same matches except where possessive
 * backtracking would fail). Not supported (the RegExp constructor rejects them, reported as an
 * AnalysisError): character class intersection [a&&b], inline flags in mid-pattern, comments mode (?x).
 * Java's `.` also excludes U+0085 and its `$` also matches before a final line terminator; JS's do not.
 */
export function javaRegex(fn: string, pattern: string, extraFlags = ''): RegExp {
  let flags = 'u' + extraFlags;
  let i = 0;
  const lead = /^\(\?([imsu]+)\)/.exec(pattern);
  if (lead) {
    for (const f of lead[1]!) if (f !== 'u' && !flags.includes(f)) flags += f;
    i = lead[0].length;
  }
  let src = '';
  let inClass = false;
  let afterQuantifier = false;
  while (i < pattern.length) {
    const c = pattern[i]!;
    const wasQuantifier: boolean = afterQuantifier;
    afterQuantifier = false;
    if (c === '\\') {
      const d = pattern[i + 1];
      if (d === undefined) throw new AnalysisError(`Function '${fn}': invalid regular expression '${pattern}': it ends with a backslash`);
      if (d === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        src += escapeForRegex(end < 0 ? pattern.slice(i + 2) : pattern.slice(i + 2, end), inClass);
        i = end < 0 ? pattern.length : end + 2;
        continue;
      }
      i += 2;
      if (d === 'A') src += '(?<![\\s\\S])';
      else if (d === 'z') src += '(?![\\s\\S])';
      else if (d === 'Z') src += '(?=\\n?(?![\\s\\S]))';
      else if (d === 'h') src += inClass ? ' \\t\\xA0\\u1680\\u180E\\u2000-\\u200A\\u202F\\u205F\\u3000' : '[ \\t\\xA0\\u1680\\u180E\\u2000-\\u200A\\u202F\\u205F\\u3000]';
      else if (d === 'x' && pattern[i] === '{') {
        const end = pattern.indexOf('}', i);
        src += `\\u{${pattern.slice(i + 1, end)}}`;
        i = end + 1;
      } else if ((d === 'p' || d === 'P') && pattern[i] !== '{' && pattern[i] !== undefined) {
        src += `\\${d}{${pattern[i]}}`;
        i++;
      } else if ((d === 'p' || d === 'P') && pattern[i] === '{') {
        const end = pattern.indexOf('}', i);
        const name = pattern.slice(i + 1, end);
        i = end + 1;
        const posix = POSIX_CLASSES[name];
        if (posix === undefined) src += `\\${d}{${name.startsWith('Is') ? `Script=${name.slice(2)}` : name}}`;
        else if (!inClass) src += `[${d === 'P' ? '^' : ''}${posix}]`;
        else if (d === 'p') src += posix;
        else throw new AnalysisError(`Function '${fn}': \\P{${name}} inside a character class is not supported in '${pattern}'`);
      } else if (/[A-Za-z0-9]/.test(d)) src += `\\${d}`;
      else src += SYNTAX_CHARS.has(d) || (inClass && d === '-') ? `\\${d}` : d;
      continue;
    }
    i++;
    if (inClass) {
      if (c === ']') inClass = false;
      src += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      src += c;
      // A leading ']' (after an optional '^') is a literal in Java.
      if (pattern[i] === '^') { src += '^'; i++; }
      if (pattern[i] === ']') { src += '\\]'; i++; }
      continue;
    }
    if (c === '+' && wasQuantifier) continue; // possessive: match greedily
    if (c === '*' || c === '+' || c === '?' || c === '}') afterQuantifier = !(c === '?' && wasQuantifier);
    src += c;
  }
  try {
    return new RegExp(src, flags);
  } catch (e) {
    throw new AnalysisError(`Function '${fn}': invalid or unsupported regular expression '${pattern}': ${(e as Error).message}`);
  }
}

/** Number of capturing groups of a compiled pattern. */
function groupCount(re: RegExp): number {
  return new RegExp(`${re.source}|`, re.flags.replace('g', '')).exec('')!.length - 1;
}

/**
 * Translates a Java Matcher replacement ($n, ${name}, backslash escapes) into a JS replacement string.
 * As in Java, `$` takes as many digits as still name an existing group, and a reference to a missing group is an error.
 */
export function javaReplacement(fn: string, replacement: string, groups: number): string {
  let out = '';
  for (let i = 0; i < replacement.length; i++) {
    const c = replacement[i]!;
    if (c === '\\') {
      i++;
      if (i >= replacement.length) throw new AnalysisError(`Function '${fn}': replacement '${replacement}' ends with an escape character`);
      out += replacement[i] === '$' ? '$$' : replacement[i];
    } else if (c === '$') {
      const next = replacement[i + 1];
      if (next === '{') {
        const end = replacement.indexOf('}', i);
        if (end < 0) throw new AnalysisError(`Function '${fn}': replacement '${replacement}' has an unterminated group name`);
        out += `$<${replacement.slice(i + 2, end)}>`;
        i = end;
      } else if (next !== undefined && next >= '0' && next <= '9') {
        let ref = Number(next);
        i++;
        while (i + 1 < replacement.length && /[0-9]/.test(replacement[i + 1]!) && ref * 10 + Number(replacement[i + 1]) <= groups) {
          ref = ref * 10 + Number(replacement[++i]);
        }
        if (ref > groups) throw new AnalysisError(`Function '${fn}': replacement '${replacement}' refers to group ${ref}, but the pattern has ${groups}`);
        out += ref === 0 ? '$&' : `$${String(ref).padStart(2, '0')}`;
      } else {
        throw new AnalysisError(`Function '${fn}': illegal group reference in replacement '${replacement}'`);
      }
    } else {
      out += c;
    }
  }
  return out;
}

/** Java's String.split(regex, limit) as Spark calls it (limit 0 is treated as -1: trailing empty strings stay). */
export function javaSplit(s: string, re: RegExp, limit: number): string[] {
  if (s.length > 0 && re.source === '(?:)') {
    // Spark splits on an empty pattern by code points, the last piece keeping the rest.
    const chars = Array.from(s);
    const pieces = limit > chars.length || limit <= 0 ? chars.length : limit;
    return [...chars.slice(0, pieces - 1), chars.slice(pieces - 1).join('')];
  }
  const limited = limit > 0;
  const out: string[] = [];
  let index = 0;
  re.lastIndex = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    const start = m.index;
    const end = start + m[0].length;
    if (end === start) re.lastIndex = start + (isHighSurrogate(s.charCodeAt(start)) ? 2 : 1);
    if (limited && out.length >= limit - 1) break;
    // Java drops the empty leading piece that a zero-width match at the very start would produce.
    if (index === 0 && start === 0 && end === 0) continue;
    out.push(s.slice(index, start));
    index = end;
  }
  if (index === 0) return [s];
  out.push(s.slice(index));
  return out;
}

/** SQL LIKE with backslash as the escape character, compiled to an anchored regex as Spark does. */
export function likeRegex(fn: string, pattern: string): RegExp {
  let src = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) throw new AnalysisError(`Function '${fn}': pattern '${pattern}' must not end with the escape character`);
      if (next !== '_' && next !== '%' && next !== '\\') {
        throw new AnalysisError(`Function '${fn}': in pattern '${pattern}' the escape character may only precede '_', '%' or '\\', not '${next}'`);
      }
      src += escapeForRegex(next, false);
      i++;
    } else if (c === '%') src += '[\\s\\S]*';
    else if (c === '_') src += '[\\s\\S]';
    else src += escapeForRegex(c, false);
  }
  return new RegExp(`${src}$`, 'u');
}

const str = (x: unknown): string => x as string;
const int = (x: unknown): number => x as number;

const unary = (name: string, f: (s: string) => RowResult, returns: DataType = Utf8Type): ScalarFunction =>
  rowFunction({ name, params: ['string'], returns, prepare: () => (xs) => f(str(xs[0])) });

registerScalar(
  unary('lower', (s) => s.toLowerCase()),
  unary('upper', (s) => s.toUpperCase()),
  unary('trim', (s) => trimSpaces(s, true, true)),
  unary('ltrim', (s) => trimSpaces(s, true, false)),
  unary('rtrim', (s) => trimSpaces(s, false, true)),
  unary('length', codePointLength, Int32Type),
  unary('reverse', (s) => Array.from(s).reverse().join('')),
  unary('initcap', initcap),
  rowFunction({
    name: 'substring', params: ['string', 'int', 'int'], min: 2, max: 3, returns: Utf8Type,
    prepare: () => (xs) => sparkSubstring(str(xs[0]), int(xs[1]), xs.length > 2 ? int(xs[2]) : 2147483647),
  }),
  rowFunction({
    name: 'concat', params: ['string'], min: 0, max: Infinity, returns: Utf8Type,
    prepare: () => (xs) => xs.join(''),
  }),
  rowFunction({
    name: 'concat_ws', params: ['string'], min: 1, max: Infinity, returns: Utf8Type, passNulls: true,
    prepare: () => (xs) => {
      if (xs[0] === null) return null;
      let out = '';
      let first = true;
      for (let k = 1; k < xs.length; k++) {
        if (xs[k] === null) continue;
        out += first ? str(xs[k]) : str(xs[0]) + str(xs[k]);
        first = false;
      }
      return out;
    },
  }),
  rowFunction({
    name: 'split', params: ['string', 'string', 'int'], min: 2, max: 3, returns: ListType(Utf8Type),
    prepare: () => {
      const compile = compileCache((p) => javaRegex('split', p, 'g'));
      return (xs) => javaSplit(str(xs[0]), compile(str(xs[1])), xs.length > 2 ? int(xs[2]) : -1);
    },
  }),
  rowFunction({
    name: 'regexp_replace', params: ['string', 'string', 'string'], returns: Utf8Type,
    prepare: () => {
      const compile = compileCache((p) => {
        const re = javaRegex('regexp_replace', p, 'g');
        const groups = groupCount(re);
        return { re, replacements: compileCache((r) => javaReplacement('regexp_replace', r, groups)) };
      });
      return (xs) => {
        const c = compile(str(xs[1]));
        return str(xs[0]).replace(c.re, c.replacements(str(xs[2])));
      };
    },
  }),
  rowFunction({
    name: 'regexp_extract', params: ['string', 'string', 'int'], min: 2, max: 3, returns: Utf8Type,
    prepare: () => {
      const compile = compileCache((p) => {
        const re = javaRegex('regexp_extract', p);
        return { re, groups: groupCount(re) };
      });
      return (xs) => {
        const { re, groups } = compile(str(xs[1]));
        const idx = xs.length > 2 ? int(xs[2]) : 1;
        if (idx < 0 || idx > groups) {
          throw new ExecutionError(`Function 'regexp_extract': regex '${str(xs[1])}' has ${groups} groups, but group index ${idx} was requested`);
        }
        const m = re.exec(str(xs[0]));
        return m === null ? '' : m[idx] ?? '';
      };
    },
  }),
  rowFunction({
    name: 'like', params: ['string', 'string'], returns: BooleanType,
    prepare: () => {
      const compile = compileCache((p) => likeRegex('like', p));
      return (xs) => compile(str(xs[1])).test(str(xs[0]));
    },
  }),
  rowFunction({
    name: 'rlike', params: ['string', 'string'], returns: BooleanType,
    prepare: () => {
      const compile = compileCache((p) => javaRegex('rlike', p));
      return (xs) => compile(str(xs[1])).test(str(xs[0]));
    },
  }),
  rowFunction({ name: 'startswith', params: ['string', 'string'], returns: BooleanType, prepare: () => (xs) => str(xs[0]).startsWith(str(xs[1])) }),
  rowFunction({ name: 'endswith', params: ['string', 'string'], returns: BooleanType, prepare: () => (xs) => str(xs[0]).endsWith(str(xs[1])) }),
  rowFunction({ name: 'contains', params: ['string', 'string'], returns: BooleanType, prepare: () => (xs) => str(xs[0]).includes(str(xs[1])) }),
  rowFunction({
    name: 'instr', params: ['string', 'string'], returns: Int32Type,
    prepare: () => (xs) => {
      const s = str(xs[0]);
      const at = s.indexOf(str(xs[1]));
      return at < 0 ? 0 : codePointLength(s.slice(0, at)) + 1;
    },
  }),
  rowFunction({
    name: 'lpad', params: ['string', 'int', 'string'], min: 2, max: 3, returns: Utf8Type,
    prepare: () => (xs) => pad(str(xs[0]), int(xs[1]), xs.length > 2 ? str(xs[2]) : ' ', true),
  }),
  rowFunction({
    name: 'rpad', params: ['string', 'int', 'string'], min: 2, max: 3, returns: Utf8Type,
    prepare: () => (xs) => pad(str(xs[0]), int(xs[1]), xs.length > 2 ? str(xs[2]) : ' ', false),
  }),
);
