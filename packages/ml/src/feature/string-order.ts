export type StringOrderType = 'frequencyDesc' | 'frequencyAsc' | 'alphabetDesc' | 'alphabetAsc';

// Spark compares strings by UTF-8 bytes; for these orders code-point order is the same, UTF-16 order is not.
const byCodePoint = (a: string, b: string): number => {
  const x = [...a], y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
};

/** StringIndexer's label order; equal frequencies are ordered alphabetically, as Spark does since 3.0. */
export function labelOrder(counts: Map<string, number>, order: StringOrderType): string[] {
  const labels = [...counts.keys()];
  switch (order) {
    case 'frequencyDesc': return labels.sort((a, b) => counts.get(b)! - counts.get(a)! || byCodePoint(a, b));
    case 'frequencyAsc': return labels.sort((a, b) => counts.get(a)! - counts.get(b)! || byCodePoint(a, b));
    case 'alphabetDesc': return labels.sort((a, b) => byCodePoint(b, a));
    case 'alphabetAsc': return labels.sort(byCodePoint);
  }
}
