/** Small statistics for benchmark samples. */

/** The q-quantile (0..1) by linear interpolation between order statistics (q = 0.5 is the median). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);
export const p95 = (values: readonly number[]): number => quantile(values, 0.95);

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Least-squares slope of y over x. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const mx = mean(xs);
  const my = mean(ys);
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** min / median / p95 / max of a sample, rounded for the JSON. */
export function summary(values: readonly number[], digits = 2): { n: number; min: number; median: number; p95: number; max: number; mean: number } {
  const r = (value: number): number => Number(value.toFixed(digits));
  return {
    n: values.length,
    min: r(Math.min(...values)),
    median: r(median(values)),
    p95: r(p95(values)),
    max: r(Math.max(...values)),
    mean: r(mean(values)),
  };
}

/** CPU time (user + system) of this process in ms since `since` (a process.cpuUsage() value). */
export function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}
