/** A minimal PCM16 WAV reader, so the fake can measure the speech it is sent (other encodings are refused). */

/** Decoded PCM16 audio; `samples` are interleaved when there are several channels. */
export interface Pcm16Audio {
  readonly sampleRate: number;
  readonly channels: number;
  readonly samples: Int16Array;
  readonly seconds: number;
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

function tag(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + 4));
}

/** Reads a RIFF/WAVE file of 16-bit PCM; throws an Error saying why otherwise. */
export function readPcm16Wav(bytes: Uint8Array): Pcm16Audio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 12 || tag(bytes, 0) !== 'RIFF' || tag(bytes, 8) !== 'WAVE') throw new Error('not a RIFF/WAVE file');
  let format: { sampleRate: number; channels: number } | undefined;
  let at = 12;
  while (at + 8 <= bytes.byteLength) {
    const id = tag(bytes, at);
    const declared = view.getUint32(at + 4, true);
    const body = at + 8;
    // Streaming writers leave the size at 0 or 0xFFFFFFFF: take what is there.
    const size = Math.min(declared, bytes.byteLength - body);
    if (id === 'fmt ') {
      if (size < 16) throw new Error('fmt chunk too short');
      const code = view.getUint16(body, true);
      const bits = view.getUint16(body + 14, true);
      if ((code !== WAVE_FORMAT_PCM && code !== WAVE_FORMAT_EXTENSIBLE) || bits !== 16) {
        throw new Error(`only 16-bit PCM is supported (format ${code}, ${bits} bits)`);
      }
      format = { channels: view.getUint16(body + 2, true), sampleRate: view.getUint32(body + 4, true) };
      if (format.channels < 1 || format.sampleRate < 1) throw new Error('fmt chunk has no channels or rate');
    } else if (id === 'data') {
      if (!format) throw new Error('data chunk before fmt chunk');
      const frames = Math.floor(size / (2 * format.channels));
      const samples = new Int16Array(frames * format.channels);
      for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(body + 2 * i, true);
      return { ...format, samples, seconds: frames / format.sampleRate };
    }
    // Chunks are padded to an even length.
    at = body + size + (size % 2);
  }
  throw new Error('no data chunk');
}
