/**
 * Helpers for tests that drive the fake with the real `openai` SDK: media builders (WAV, PNG, MP4),
 * stream collection in the way a careful client reads it, and tone analysis.
 */
import OpenAI from 'openai';
import { encodeWav as writeWav } from '../../../src/audio/wav.ts';
import type { FakeOmni } from './server.ts';

/** The SDK's streaming chunk type. */
export type Chunk = OpenAI.Chat.Completions.ChatCompletionChunk;
/** The SDK's streaming request body, for bodies the SDK types describe. */
export type StreamingBody = OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming;

/** The delta fields Qwen-Omni adds, which the SDK does not type. */
export interface OmniDelta {
  readonly role?: string;
  readonly content?: string | null;
  readonly reasoning_content?: string;
  readonly audio?: { readonly data?: string; readonly id?: string; readonly expires_at?: number; readonly transcript?: string };
}

/** The usage chunk's fields as Qwen-Omni fills them (the SDK types only some of the details). */
export interface OmniUsage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
  readonly prompt_tokens_details?: {
    readonly text_tokens: number;
    readonly audio_tokens: number;
    readonly image_tokens: number;
    readonly video_tokens: number;
  };
  readonly completion_tokens_details?: {
    readonly text_tokens: number;
    readonly audio_tokens: number;
    readonly reasoning_tokens: number;
  };
}

/** An SDK client for the fake that never retries. */
export function omniClient(fake: FakeOmni, apiKey = 'test-key'): OpenAI {
  return new OpenAI({ apiKey, baseURL: fake.baseURL, maxRetries: 0 });
}

/** Sends a body the SDK types do not describe (Qwen extensions, deliberately wrong requests). */
export function createRaw(client: OpenAI, body: Record<string, unknown>, options?: { signal?: AbortSignal }) {
  return client.chat.completions.create(body as unknown as StreamingBody, options);
}

/** A stream read to the end: every chunk with its arrival time, and the reply reassembled. */
export interface Collected {
  readonly chunks: Chunk[];
  /** `performance.now()` at each chunk's arrival. */
  readonly arrivals: number[];
  readonly content: string;
  readonly transcript: string;
  readonly reasoning: string;
  /** The reply audio, with odd bytes carried across chunks. */
  readonly pcm: Int16Array;
  readonly audioIds: Set<string>;
  /** Decoded byte length of each audio chunk. */
  readonly audioChunkBytes: number[];
  readonly finishReason: string | null;
  readonly usage: OmniUsage | undefined;
}

/** Reads a stream to its end the way a careful client does. */
export async function collect(stream: AsyncIterable<Chunk>): Promise<Collected> {
  const chunks: Chunk[] = [];
  const arrivals: number[] = [];
  let content = '';
  let transcript = '';
  let reasoning = '';
  const audioIds = new Set<string>();
  const audioChunkBytes: number[] = [];
  const pieces: Buffer[] = [];
  let finishReason: string | null = null;
  let usage: OmniUsage | undefined;
  for await (const chunk of stream) {
    arrivals.push(performance.now());
    chunks.push(chunk);
    if (chunk.usage) usage = chunk.usage as unknown as OmniUsage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    finishReason = choice.finish_reason ?? finishReason;
    const delta = choice.delta as OmniDelta;
    content += delta.content ?? '';
    reasoning += delta.reasoning_content ?? '';
    transcript += delta.audio?.transcript ?? '';
    if (delta.audio?.data !== undefined) {
      const bytes = Buffer.from(delta.audio.data, 'base64');
      audioChunkBytes.push(bytes.byteLength);
      pieces.push(bytes);
      if (delta.audio.id) audioIds.add(delta.audio.id);
    }
  }
  // Joining the bytes before reading samples is what carries an odd byte over to the next chunk.
  const bytes = Buffer.concat(pieces);
  const pcm = new Int16Array(Math.floor(bytes.byteLength / 2));
  for (let i = 0; i < pcm.length; i++) pcm[i] = bytes.readInt16LE(i * 2);
  return { chunks, arrivals, content, transcript, reasoning, pcm, audioIds, audioChunkBytes, finishReason, usage };
}

/** A PCM16 WAV file (the bot's own writer; mono unless told). */
export function encodeWav(samples: Int16Array, sampleRate: number, channels = 1): Buffer {
  return writeWav(samples, sampleRate, channels);
}

/** `seconds` of a sine at `hz` (half scale), as PCM16 samples. */
export function sine(hz: number, seconds: number, sampleRate: number): Int16Array {
  const samples = new Int16Array(Math.round(seconds * sampleRate));
  for (let n = 0; n < samples.length; n++) samples[n] = Math.round(16000 * Math.sin((2 * Math.PI * hz * n) / sampleRate));
  return samples;
}

/** A `data:` URL of these bytes. */
export function dataUrl(bytes: Uint8Array, mime: string): string {
  return `data:${mime};base64,${Buffer.from(bytes).toString('base64')}`;
}

/** A valid PNG of this size. */
export { makePng as png } from '../../support/images.ts';

function box(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.byteLength, 0);
  head.write(type, 4, 'ascii');
  return Buffer.concat([head, body]);
}

function track(handler: 'vide' | 'soun', width: number, height: number): Buffer {
  const tkhd = Buffer.alloc(84); // version 0: 4 flags + 20 times/ids + 8 reserved + 8 layer..volume + 36 matrix + 8 size
  tkhd.writeUInt32BE(width * 65536, 76);
  tkhd.writeUInt32BE(height * 65536, 80);
  const hdlr = Buffer.alloc(24);
  hdlr.write(handler, 8, 'ascii');
  return box('trak', box('tkhd', tkhd), box('mdia', box('hdlr', hdlr)));
}

/** The header boxes of an MP4 file (no media data): enough for a reader of `moov`. */
export function mp4(seconds: number, width: number, height: number, withAudio: boolean): Buffer {
  const mvhd = Buffer.alloc(100);
  mvhd.writeUInt32BE(1000, 12); // timescale
  mvhd.writeUInt32BE(Math.round(seconds * 1000), 16); // duration
  const ftyp = box('ftyp', Buffer.from('isom\0\0\x02\0isomiso2mp41', 'latin1'));
  const tracks = [track('vide', width, height), ...(withAudio ? [track('soun', 0, 0)] : [])];
  return Buffer.concat([ftyp, box('moov', box('mvhd', mvhd), ...tracks)]);
}

/** Power of one frequency in the signal (Goertzel), normalised by length. */
export function goertzel(samples: Int16Array, hz: number, sampleRate: number): number {
  const coefficient = 2 * Math.cos((2 * Math.PI * hz) / sampleRate);
  let previous = 0;
  let beforePrevious = 0;
  for (const sample of samples) {
    const current = sample + coefficient * previous - beforePrevious;
    beforePrevious = previous;
    previous = current;
  }
  return (previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious) / (samples.length * samples.length);
}

/** Frequency estimated from rising zero crossings. */
export function zeroCrossingHz(samples: Int16Array, sampleRate: number): number {
  let crossings = 0;
  for (let i = 1; i < samples.length; i++) if ((samples[i - 1] ?? 0) < 0 && (samples[i] ?? 0) >= 0) crossings++;
  return (crossings * sampleRate) / samples.length;
}
