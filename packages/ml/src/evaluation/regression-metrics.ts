/**
 * Spark's RegressionMetrics from five weighted sums, which one distributed aggregation computes:
 * sum w, sum w*y, sum w*y^2, sum w*(y-p)^2, sum w*|y-p|.
 */

export interface RegressionSums {
  weight: number;
  label: number;
  labelSquared: number;
  squaredError: number;
  absError: number;
}

export type RegressionMetricName = 'rmse' | 'mse' | 'mae' | 'r2';

export function regressionSums(label: ArrayLike<number>, prediction: ArrayLike<number>, weight?: ArrayLike<number>): RegressionSums {
  const s: RegressionSums = { weight: 0, label: 0, labelSquared: 0, squaredError: 0, absError: 0 };
  for (let i = 0; i < label.length; i++) {
    const w = weight ? weight[i]! : 1, y = label[i]!, e = y - prediction[i]!;
    s.weight += w;
    s.label += w * y;
    s.labelSquared += w * y * y;
    s.squaredError += w * e * e;
    s.absError += w * Math.abs(e);
  }
  return s;
}

export function regressionMetric(s: RegressionSums, metric: RegressionMetricName): number {
  const mse = s.squaredError / s.weight;
  switch (metric) {
    case 'mse': return mse;
    case 'rmse': return Math.sqrt(mse);
    case 'mae': return s.absError / s.weight;
    case 'r2': {
      const mean = s.label / s.weight;
      const totalSS = s.labelSquared - s.weight * mean * mean;
      return 1 - s.squaredError / totalSS;
    }
  }
}
