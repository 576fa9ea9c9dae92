/** What every benchmark section reports: figures with their goals, notes, and raw detail for the JSON. */

/** One measured figure. `value` is null when it could not be measured (then `note` says why). */
export interface Figure {
  /** Stable key in results.json, e.g. `latency.request.overSilence.p95`. */
  readonly id: string;
  /** What it is, as printed in the table. */
  readonly label: string;
  readonly value: number | null;
  /** The same figure with voice workers off (VOICE_WORKERS=0, the single-thread design), where both were measured. */
  readonly baseline?: number | null;
  readonly unit: string;
  /** The goal in words (e.g. `<= 30 ms`); absent for figures given for context. */
  readonly goal?: string;
  /** Whether the goal is met; null when there is no goal or no value. */
  readonly met: boolean | null;
  readonly note?: string;
}

export interface SectionResult {
  readonly name: string;
  readonly title: string;
  readonly figures: Figure[];
  /** Sentences printed under the table: how it was measured, what was skipped and why. */
  readonly notes: string[];
  /** Everything else worth keeping (distributions, breakdowns), written to results.json only. */
  readonly detail: Record<string, unknown>;
  readonly seconds?: number;
}

/** Options every section receives from the runner. */
export interface SectionOptions {
  /** The short version CI runs. */
  readonly smoke: boolean;
  /** Progress lines (stderr). */
  readonly log: (line: string) => void;
  /** Extra arguments from the runner's command line. */
  readonly args: Readonly<Record<string, string | boolean>>;
}

export type Section = (options: SectionOptions) => Promise<SectionResult>;

/** A figure with a goal checked by `meets`. */
export function figure(
  id: string,
  label: string,
  value: number | null,
  unit: string,
  goal?: { readonly text: string; readonly meets: (value: number) => boolean },
  note?: string,
): Figure {
  const met = goal && value !== null && Number.isFinite(value) ? goal.meets(value) : null;
  return {
    id,
    label,
    value: value === null || Number.isFinite(value) ? value : null,
    unit,
    ...(goal ? { goal: goal.text } : {}),
    met,
    ...(note ? { note } : {}),
  };
}

/** A figure measured with voice workers on (`value`) and off (`baseline`); the goal is judged on `value`. */
export function paired(
  id: string,
  label: string,
  value: number | null,
  baseline: number | null,
  unit: string,
  goal?: { readonly text: string; readonly meets: (value: number) => boolean },
  note?: string,
): Figure {
  return { ...figure(id, label, value, unit, goal, note), baseline: baseline === null || Number.isFinite(baseline) ? baseline : null };
}

export const atMost = (limit: number, unit: string, text = `<= ${limit} ${unit}`) => ({ text, meets: (value: number) => value <= limit });
export const atLeast = (limit: number, unit: string, text = `>= ${limit} ${unit}`) => ({ text, meets: (value: number) => value >= limit });
