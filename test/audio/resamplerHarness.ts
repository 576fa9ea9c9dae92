/** Runs a whole signal through a Resampler in chunks, for the resampler tests. */
import { Resampler } from '../../src/audio/resample.ts';
import { concat } from './signal.ts';

/** The ratios the bot and its WAV input path use. */
export const RATIOS: ReadonlyArray<readonly [fromRate: number, toRate: number]> = [
  [48_000, 16_000],
  [24_000, 48_000],
  [44_100, 16_000],
  [22_050, 16_000],
  [8_000, 16_000],
  [32_000, 16_000],
  [96_000, 16_000],
  [16_000, 24_000],
];

/** Resamples `input` fed as chunks of the given sizes (cycled), then flushes. */
export function resampleInChunks(input: Int16Array, fromRate: number, toRate: number, chunkSizes: readonly number[] = [input.length]): Int16Array {
  const resampler = new Resampler({ fromRate, toRate });
  const out: Int16Array[] = [];
  let offset = 0;
  for (let i = 0; offset < input.length; i++) {
    const size = chunkSizes[i % chunkSizes.length]!;
    out.push(resampler.process(input.subarray(offset, offset + size)));
    offset += size;
  }
  out.push(resampler.flush());
  return concat(out);
}
