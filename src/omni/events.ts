/** The model's streamed reply, normalised once into our own event union. */
import { OmniError } from '../errors.ts';

/** Sample rate of the PCM the model sends (16-bit mono). */
export const MODEL_OUTPUT_SAMPLE_RATE = 24_000;

export interface OmniUsage {
  readonly input: { readonly text: number; readonly audio: number; readonly image: number; readonly video: number; readonly total: number };
  readonly output: { readonly text: number; readonly audio: number; readonly reasoning: number; readonly total: number };
  readonly total: number;
}

export type OmniEvent =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'reasoning'; readonly text: string }
  /** Int16 PCM, 24 kHz mono. */
  | { readonly type: 'audio'; readonly pcm: Int16Array }
  | { readonly type: 'finish'; readonly reason: string }
  | { readonly type: 'usage'; readonly usage: OmniUsage };

/** The fields of a stream chunk we read; the SDK does not type `delta.audio` or `reasoning_content`. */
interface ChunkView {
  choices?: Array<{
    delta?: {
      content?: string | null;
      reasoning_content?: string | null;
      audio?: { data?: string; transcript?: string } | null;
    } | null;
    finish_reason?: string | null;
  }>;
  usage?: {
    prompt_tokens?: number;
    completion_tokens?: number;
    total_tokens?: number;
    prompt_tokens_details?: { text_tokens?: number; audio_tokens?: number; image_tokens?: number; video_tokens?: number } | null;
    completion_tokens_details?: { text_tokens?: number; audio_tokens?: number; reasoning_tokens?: number } | null;
  } | null;
  error?: { code?: string; message?: string };
}

/** Reassembles 16-bit samples from base64 chunks that may split a sample across chunks. */
export class Pcm16Assembler {
  #carry: number | undefined;

  /** Samples completed by these bytes; a trailing odd byte waits for the next chunk. */
  push(bytes: Buffer): Int16Array {
    const total = bytes.length + (this.#carry === undefined ? 0 : 1);
    const samples = new Int16Array(total >> 1);
    let read = 0;
    let write = 0;
    if (this.#carry !== undefined && bytes.length > 0) {
      samples[write++] = ((this.#carry | (bytes[0]! << 8)) << 16) >> 16;
      read = 1;
      this.#carry = undefined;
    }
    for (; read + 1 < bytes.length; read += 2) samples[write++] = bytes.readInt16LE(read);
    if (read < bytes.length) this.#carry = bytes[read];
    return samples;
  }
}

function usageOf(raw: NonNullable<ChunkView['usage']>): OmniUsage {
  const input = raw.prompt_tokens_details ?? {};
  const output = raw.completion_tokens_details ?? {};
  return {
    input: {
      text: input.text_tokens ?? 0,
      audio: input.audio_tokens ?? 0,
      image: input.image_tokens ?? 0,
      video: input.video_tokens ?? 0,
      total: raw.prompt_tokens ?? 0,
    },
    output: { text: output.text_tokens ?? 0, audio: output.audio_tokens ?? 0, reasoning: output.reasoning_tokens ?? 0, total: raw.completion_tokens ?? 0 },
    total: raw.total_tokens ?? 0,
  };
}

/** Turns one raw stream chunk into zero or more events. */
export function eventsOfChunk(chunk: unknown, assembler: Pcm16Assembler): OmniEvent[] {
  const view = chunk as ChunkView;
  if (view.error) {
    throw new OmniError({
      kind: 'stream_error',
      retryable: true,
      code: view.error.code,
      message: `Qwen-Omni stream error ${view.error.code ?? ''}: ${view.error.message ?? ''}`,
      userMessage: 'The model stopped with an error mid-answer. Please try again.',
    });
  }
  const events: OmniEvent[] = [];
  const choice = view.choices?.[0];
  const delta = choice?.delta;
  if (delta?.reasoning_content) events.push({ type: 'reasoning', text: delta.reasoning_content });
  if (delta?.content) events.push({ type: 'text', text: delta.content });
  // qwen-omni-turbo and qwen2.5-omni send the spoken text as the audio transcript instead of content.
  if (delta?.audio?.transcript) events.push({ type: 'text', text: delta.audio.transcript });
  if (delta?.audio?.data) {
    const pcm = assembler.push(Buffer.from(delta.audio.data, 'base64'));
    if (pcm.length > 0) events.push({ type: 'audio', pcm });
  }
  if (choice?.finish_reason) events.push({ type: 'finish', reason: choice.finish_reason });
  if (view.usage) events.push({ type: 'usage', usage: usageOf(view.usage) });
  return events;
}
