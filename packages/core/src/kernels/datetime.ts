/**
 * Dates are days since 1970-01-01 and timestamps microseconds since the epoch, both in UTC:
 * the session time zone is UTC, so results do not depend on the machine's zone.
 */
const DAY_MS = 86_400_000;

const DATE_RE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
const TS_RE = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Day number of a civil date (Howard Hinnant's days_from_civil). Pure arithmetic: Date.UTC would read
 * years 0-99 as 1900-1999. Linear in d, so an out-of-range day rolls over into the next month.
 */
export function daysFromCivil(y0: number, m: number, d: number): number {
  const y = m <= 2 ? y0 - 1 : y0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function parseDate(s: string): number | null {
  const m = DATE_RE.exec(s) ?? TS_RE.exec(s);
  if (!m) return null;
  const y = Number(m[1]), mo = Number(m[2]), d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return null;
  const days = daysFromCivil(y, mo, d);
  // Date.UTC rolls 2023-02-30 over into March; Spark rejects it.
  if (new Date(days * DAY_MS).getUTCDate() !== d) return null;
  return days;
}

export function parseTimestamp(s: string): number | null {
  const m = TS_RE.exec(s);
  if (!m) return null;
  const days = parseDate(`${m[1]}-${m[2]}-${m[3]}`);
  if (days === null) return null;
  const h = Number(m[4] ?? 0), mi = Number(m[5] ?? 0), sec = Number(m[6] ?? 0);
  if (h > 23 || mi > 59 || sec > 59) return null;
  const frac = m[7] ? Number((m[7] + '000000').slice(0, 6)) : 0;
  let offsetMin = 0;
  if (m[8] && m[8] !== 'Z') {
    const sign = m[8][0] === '-' ? -1 : 1;
    const digits = m[8].slice(1).replace(':', '');
    offsetMin = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
  }
  return days * 86_400_000_000 + ((h * 60 + mi - offsetMin) * 60 + sec) * 1_000_000 + frac;
}

const pad = (x: number, w = 2): string => String(x).padStart(w, '0');

export function formatDate(days: number): string {
  const d = new Date(days * DAY_MS);
  const y = d.getUTCFullYear();
  return `${y < 0 ? '-' + pad(-y, 4) : pad(y, 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** Spark's `CAST(ts AS STRING)`: fraction printed only when non-zero, trailing zeros dropped. */
export function formatTimestamp(us: number): string {
  const ms = Math.floor(us / 1000);
  const d = new Date(ms);
  const micros = us - Math.floor(us / 1_000_000) * 1_000_000;
  const base = `${formatDate(Math.floor(ms / DAY_MS))} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return micros === 0 ? base : `${base}.${pad(micros, 6).replace(/0+$/, '')}`;
}

/** Civil fields of a day number, without allocating a Date per row. */
export function civilFromDays(z0: number): { y: number; m: number; d: number } {
  // Howard Hinnant's days_from_civil inverse.
  const z = z0 + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const y = yoe + era * 400;
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: m <= 2 ? y + 1 : y, m, d };
}
