/**
 * The noise floor as a low percentile of the recent frame levels: the quiet between words and phonemes.
 * Unlike a smoothed floor it does not creep up through a long stretch of speech, and it needs no warm-up
 * noise before the first word (Discord sends audio only while someone talks).
 */
export class LevelFloor {
  readonly #window: Float64Array;
  readonly #rank: number;
  /** The same levels, kept sorted, so the percentile is one read. */
  readonly #sorted: number[] = [];
  #next = 0;
  #count = 0;

  /** `windowFrames` levels are remembered; the floor is the level `percentile` (0..1) of the way up them. */
  constructor(windowFrames: number, percentile: number) {
    this.#window = new Float64Array(windowFrames);
    this.#rank = percentile;
  }

  push(levelDbfs: number): void {
    if (this.#count === this.#window.length) this.#sorted.splice(this.#indexOf(this.#window[this.#next]!), 1);
    else this.#count++;
    this.#window[this.#next] = levelDbfs;
    this.#next = (this.#next + 1) % this.#window.length;
    this.#sorted.splice(this.#indexOf(levelDbfs), 0, levelDbfs);
  }

  /** The floor (dBFS), or -Infinity before any level. */
  get dbfs(): number {
    return this.#count === 0 ? -Infinity : this.#sorted[Math.floor((this.#count - 1) * this.#rank)]!;
  }

  /** First index whose level is >= `level` (binary search). */
  #indexOf(level: number): number {
    let low = 0;
    let high = this.#sorted.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.#sorted[mid]! < level) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
