/**
 * A second-order IIR section (RBJ audio-EQ cookbook), direct form I, for filtering one stream sample by sample.
 */

/** Which response `Biquad` computes. */
export type BiquadKind = 'highpass' | 'lowpass';

/** One biquad filter with its own state; call `process` once per sample, in order. */
export class Biquad {
  readonly #b0: number;
  readonly #b1: number;
  readonly #b2: number;
  readonly #a1: number;
  readonly #a2: number;
  #x1 = 0;
  #x2 = 0;
  #y1 = 0;
  #y2 = 0;

  /** A Butterworth-Q (0.707) high- or low-pass at `cutoffHz`. */
  constructor(kind: BiquadKind, cutoffHz: number, sampleRate: number) {
    const w0 = (2 * Math.PI * cutoffHz) / sampleRate;
    const cos = Math.cos(w0);
    const alpha = Math.sin(w0) / (2 * Math.SQRT1_2);
    const a0 = 1 + alpha;
    const edge = kind === 'highpass' ? (1 + cos) / 2 : (1 - cos) / 2;
    this.#b0 = edge / a0;
    this.#b1 = (kind === 'highpass' ? -2 * edge : 2 * edge) / a0;
    this.#b2 = edge / a0;
    this.#a1 = (-2 * cos) / a0;
    this.#a2 = (1 - alpha) / a0;
  }

  /** Filters one sample. */
  process(x: number): number {
    const y = this.#b0 * x + this.#b1 * this.#x1 + this.#b2 * this.#x2 - this.#a1 * this.#y1 - this.#a2 * this.#y2;
    this.#x2 = this.#x1;
    this.#x1 = x;
    this.#y2 = this.#y1;
    // Flush denormals: after long digital silence the state decays towards zero forever.
    this.#y1 = Math.abs(y) < 1e-15 ? 0 : y;
    return y;
  }

  /** Clears the filter's memory. */
  reset(): void {
    this.#x1 = 0;
    this.#x2 = 0;
    this.#y1 = 0;
    this.#y2 = 0;
  }
}
