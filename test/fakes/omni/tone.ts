/** Deterministic reply audio: a sine at a known pitch and length, so tests can check what they decode. */
import { OUTPUT_SAMPLE_RATE } from './models.ts';
import type { ToneSpec } from './types.ts';

const DEFAULT_AMPLITUDE = 0.5;

/** The tone as 24 kHz mono PCM16 samples. */
export function sineTone(spec: ToneSpec): Int16Array {
  const count = Math.round(spec.seconds * OUTPUT_SAMPLE_RATE);
  const peak = (spec.amplitude ?? DEFAULT_AMPLITUDE) * 32767;
  const samples = new Int16Array(count);
  for (let n = 0; n < count; n++) samples[n] = Math.round(peak * Math.sin((2 * Math.PI * spec.toneHz * n) / OUTPUT_SAMPLE_RATE));
  return samples;
}

/** Little-endian bytes of PCM16 samples, whatever the host's byte order. */
export function pcm16Bytes(samples: Int16Array): Buffer {
  const bytes = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) bytes.writeInt16LE(samples[i] ?? 0, i * 2);
  return bytes;
}
