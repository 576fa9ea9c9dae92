/**
 * Streaming band-limited resampling of mono Int16 PCM by any rational ratio.
 *
 * Design: one Kaiser-windowed sinc low-pass, cut off just under the Nyquist frequency of the lower
 * of the two rates, evaluated as a polyphase table (one row of taps per output phase). The response
 * is within 0.1 dB to 0.45 × the lower rate and at least 80 dB down from 0.55 × the lower rate, so
 * anything that aliases can only land between 0.45 and 0.5 × the lower rate.
 *
 * Alignment: output sample n is the band-limited input evaluated at input time n × fromRate / toRate,
 * i.e. zero lag. The filter's look-ahead is paid as latency inside `process` (it holds back about
 * `HALF_WIDTH` output samples) and drained by `flush`.
 */

export interface ResamplerOptions {
  /** Input sample rate in Hz (a positive integer). */
  readonly fromRate: number;
  /** Output sample rate in Hz (a positive integer). */
  readonly toRate: number;
}

/** Zero crossings of the sinc kept on each side, counted at the lower rate. Sets the transition width. */
const HALF_WIDTH = 24;
/** Kaiser β: with HALF_WIDTH = 24 this gives ≥ 82 dB stopband from 0.55 × the lower rate. */
const KAISER_BETA = 8.0;
/** −6 dB point as a fraction of the lower rate; just under Nyquist keeps 0.45 flat and 0.55 deep. */
const CUTOFF = 0.49;

/** Largest reduced L or M we build a table for: the table holds about 48 × max(L, M) taps. */
const MAX_RATIO_TERM = 8192;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Whether `Resampler` can convert between these rates exactly (their reduced ratio is small enough). */
export function canResampleExactly(fromRate: number, toRate: number): boolean {
  const divisor = gcd(fromRate, toRate);
  return Math.max(fromRate, toRate) / divisor <= MAX_RATIO_TERM;
}

/** Zeroth-order modified Bessel function of the first kind (power series; converges fast for β ≤ 20). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const quarterSquare = (x * x) / 4;
  for (let k = 1; term > sum * 1e-17; k++) {
    term *= quarterSquare / (k * k);
    sum += term;
  }
  return sum;
}

/**
 * Builds the polyphase table: row p holds the taps for output phase p, tap k weighting the input
 * sample k steps back from the newest one used. Rows are padded with zeros to equal length.
 */
function polyphaseTable(up: number, down: number, center: number, tapsPerPhase: number): Float32Array {
  const length = 2 * center + 1;
  // The prototype runs at up × fromRate = max(up, down) × the lower rate (in reduced units).
  const cutoff = CUTOFF / Math.max(up, down);
  const prototype = new Float64Array(length);
  const i0Beta = besselI0(KAISER_BETA);
  let sum = 0;
  for (let j = 0; j < length; j++) {
    const t = j - center;
    const x = 2 * cutoff * t;
    const sinc = t === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    const r = t / center;
    const window = besselI0(KAISER_BETA * Math.sqrt(Math.max(0, 1 - r * r))) / i0Beta;
    prototype[j] = sinc * window;
    sum += prototype[j]!;
  }
  // Each output phase sees every up-th tap, so the whole filter sums to `up` for unity gain.
  const gain = up / sum;
  const table = new Float32Array(up * tapsPerPhase);
  for (let phase = 0; phase < up; phase++) {
    for (let k = 0; k < tapsPerPhase; k++) {
      const j = phase + k * up;
      if (j < length) table[phase * tapsPerPhase + k] = prototype[j]! * gain;
    }
  }
  return table;
}

/**
 * A streaming resampler for one mono channel. Feed chunks of any size to `process`; call `flush`
 * once at the end of the stream to get the last samples. Output does not depend on how the input
 * was chunked. After `flush` the resampler is reset and can start a new stream.
 */
export class Resampler {
  /** Input rate in Hz. */
  readonly fromRate: number;
  /** Output rate in Hz. */
  readonly toRate: number;
  /** Reduced upsampling factor L. */
  readonly up: number;
  /** Reduced downsampling factor M. */
  readonly down: number;

  private readonly table: Float32Array;
  private readonly tapsPerPhase: number;
  /** Prototype-filter index of the tap centre: output n sits at prototype time n × down + center. */
  private readonly center: number;

  /** Input history then new input, as floats; `buffer[0]` is input sample number `bufferStart`. */
  private buffer: Float32Array;
  private bufferStart = 0;
  private bufferLength = 0;
  /** Input samples received since the stream began. */
  private inputCount = 0;
  /** Newest input index used by the next output sample, and that sample's polyphase row. */
  private nextNewest = 0;
  private nextPhase = 0;
  /** Output samples produced since the stream began. */
  private outputCount = 0;

  constructor(options: ResamplerOptions) {
    const { fromRate, toRate } = options;
    if (!Number.isInteger(fromRate) || !Number.isInteger(toRate) || fromRate <= 0 || toRate <= 0) {
      throw new RangeError(`Sample rates must be positive integers, got ${fromRate} -> ${toRate} Hz`);
    }
    if (!canResampleExactly(fromRate, toRate)) {
      throw new RangeError(`${fromRate} -> ${toRate} Hz reduces to a ratio with a term above ${MAX_RATIO_TERM}; round the rate first`);
    }
    const divisor = gcd(fromRate, toRate);
    this.fromRate = fromRate;
    this.toRate = toRate;
    this.up = toRate / divisor;
    this.down = fromRate / divisor;
    // HALF_WIDTH zero crossings at the lower rate = HALF_WIDTH × max(L, M) prototype samples.
    this.center = HALF_WIDTH * Math.max(this.up, this.down);
    // Rows padded to a multiple of 4 taps for the unrolled inner loop (the padding taps are zero).
    this.tapsPerPhase = 4 * Math.ceil((2 * this.center + 1) / this.up / 4);
    this.table = polyphaseTable(this.up, this.down, this.center, this.tapsPerPhase);
    this.buffer = new Float32Array(this.tapsPerPhase + 4096);
    this.reset();
  }

  /** Resamples the next chunk of the stream; returns the output samples that are now complete. */
  process(input: Int16Array): Int16Array {
    this.append(input, input.length);
    return this.drain(this.inputCount);
  }

  /** Ends the stream: returns the remaining output (ceil(inputs × toRate / fromRate) in total) and resets. */
  flush(): Int16Array {
    const totalOutput = Math.ceil((this.inputCount * this.up) / this.down);
    // Pad with silence far enough for the last output's look-ahead.
    const padding = Math.ceil(this.center / this.up) + 1;
    this.append(undefined, padding);
    const out = this.drain(this.inputCount, totalOutput - this.outputCount);
    this.reset();
    return out;
  }

  private reset(): void {
    // Silence before the stream starts fills the history, so the first outputs need no special case.
    const history = this.tapsPerPhase - 1;
    this.buffer.fill(0, 0, history);
    this.bufferStart = -history;
    this.bufferLength = history;
    this.inputCount = 0;
    this.outputCount = 0;
    this.nextNewest = Math.floor(this.center / this.up);
    this.nextPhase = this.center % this.up;
  }

  /** Appends `count` samples from `input` (or silence) to the buffer, growing it only when needed. */
  private append(input: Int16Array | undefined, count: number): void {
    const needed = this.bufferLength + count;
    if (needed > this.buffer.length) {
      const grown = new Float32Array(Math.max(needed, this.buffer.length * 2));
      grown.set(this.buffer.subarray(0, this.bufferLength));
      this.buffer = grown;
    }
    if (input) this.buffer.set(input, this.bufferLength);
    else this.buffer.fill(0, this.bufferLength, needed);
    this.bufferLength = needed;
    this.inputCount += count;
  }

  /** Computes outputs whose newest input is below `available` (at most `limit`), then trims history. */
  private drain(available: number, limit = Infinity): Int16Array {
    const { up, down, table, tapsPerPhase, buffer, bufferStart } = this;
    const newestLimit = available - 1;
    let newest = this.nextNewest;
    let phase = this.nextPhase;
    // Count first so the output is allocated once.
    const ready = newest > newestLimit ? 0 : Math.floor(((newestLimit - newest) * up + (up - 1 - phase)) / down) + 1;
    const count = Math.min(ready, limit);
    const out = new Int16Array(count);
    for (let n = 0; n < count; n++) {
      const rowStart = phase * tapsPerPhase;
      const newestAt = newest - bufferStart;
      // Four partial sums (rows are padded to a multiple of 4) let the CPU overlap the multiply-adds.
      let acc0 = 0;
      let acc1 = 0;
      let acc2 = 0;
      let acc3 = 0;
      for (let k = 0; k < tapsPerPhase; k += 4) {
        const tap = rowStart + k;
        const sample = newestAt - k;
        acc0 += table[tap]! * buffer[sample]!;
        acc1 += table[tap + 1]! * buffer[sample - 1]!;
        acc2 += table[tap + 2]! * buffer[sample - 2]!;
        acc3 += table[tap + 3]! * buffer[sample - 3]!;
      }
      const acc = acc0 + acc1 + (acc2 + acc3);
      const rounded = Math.round(acc);
      out[n] = rounded > 32767 ? 32767 : Math.max(rounded, -32768);
      phase += down;
      if (phase >= up) {
        newest += Math.floor(phase / up);
        phase %= up;
      }
    }
    this.nextNewest = newest;
    this.nextPhase = phase;
    this.outputCount += count;
    this.trimHistory();
    return out;
  }

  /** Drops buffered input older than the oldest tap of the next output. */
  private trimHistory(): void {
    const keepFrom = Math.min(this.nextNewest - (this.tapsPerPhase - 1), this.bufferStart + this.bufferLength);
    const drop = keepFrom - this.bufferStart;
    if (drop <= 0) return;
    this.buffer.copyWithin(0, drop, this.bufferLength);
    this.bufferLength -= drop;
    this.bufferStart = keepFrom;
  }
}
