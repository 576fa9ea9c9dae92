/** Channel layout conversions for interleaved Int16 PCM. */

/** Averages interleaved stereo to mono (rounding down; the sum of two Int16 never overflows a JS number). */
export function downmixStereo(interleaved: Int16Array): Int16Array {
  const frames = interleaved.length >> 1;
  const mono = new Int16Array(frames);
  for (let i = 0; i < frames; i++) mono[i] = (interleaved[2 * i]! + interleaved[2 * i + 1]!) >> 1;
  return mono;
}

/** Averages any number of interleaved channels to mono (every channel weighted equally, LFE included). */
export function downmixToMono(interleaved: Int16Array, channels: number): Int16Array {
  if (!Number.isInteger(channels) || channels < 1) throw new RangeError(`channels must be a positive integer, got ${channels}`);
  if (channels === 1) return interleaved.slice();
  if (channels === 2) return downmixStereo(interleaved);
  const frames = Math.floor(interleaved.length / channels);
  const mono = new Int16Array(frames);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += interleaved[i * channels + c]!;
    mono[i] = Math.floor(sum / channels);
  }
  return mono;
}

/** Duplicates mono samples into interleaved stereo (left = right). */
export function upmixToStereo(mono: Int16Array): Int16Array {
  const stereo = new Int16Array(mono.length * 2);
  for (let i = 0; i < mono.length; i++) {
    const sample = mono[i]!;
    stereo[2 * i] = sample;
    stereo[2 * i + 1] = sample;
  }
  return stereo;
}
