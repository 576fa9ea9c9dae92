/**
 * Writes one streamed reply in the service's SSE wire format: role chunk, reasoning, text, audio (paced in
 * real time if asked), finish chunk, optional usage chunk, `[DONE]`. Scripted faults (an error event, a
 * dropped connection) cut it short after a given number of chunks.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, errorBody } from './apiError.ts';
import { OUTPUT_SAMPLE_RATE } from './models.ts';
import { pcm16Bytes } from './tone.ts';
import type { Usage } from './usage.ts';

/** Everything needed to stream one reply. */
export interface StreamPlan {
  readonly model: string;
  /** Echoed in a mid-stream error event. */
  readonly requestId: string;
  /** `content` on qwen3-omni-flash; `transcript` (inside `delta.audio`) on older models with audio output. */
  readonly textField: 'content' | 'transcript';
  readonly text: string;
  readonly reasoning: string;
  /** Undefined when the request did not ask for audio output. */
  readonly audio: Int16Array | undefined;
  readonly audioChunkBytes: number;
  readonly realtime: boolean;
  readonly chunkIntervalMs: number | undefined;
  readonly finishReason: 'stop' | 'length';
  /** Undefined unless `stream_options.include_usage` was set. */
  readonly usage: Usage | undefined;
  readonly midStreamError: { readonly afterChunks: number; readonly code: string; readonly message: string } | undefined;
  readonly dropAfterChunks: number | undefined;
  readonly stallAfterChunks?: number | undefined;
  readonly malformedAfterChunks?: number | undefined;
  /** Called just before a scripted drop, so the fake can tell its own cut from the client's. */
  readonly onDrop: () => void;
  /** Called once the first audio chunk has been handed to the socket (performance.now() time). */
  readonly onFirstAudio: (at: number) => void;
  /** Called as each audio chunk has been handed to the socket (performance.now() time). */
  readonly onAudioChunk?: (at: number) => void;
}

/** How a stream ended. */
export type StreamOutcome = 'completed' | 'error-event' | 'malformed' | 'dropped' | 'client-closed';

/** How long audio stays downloadable, for `expires_at`. */
const AUDIO_LIFETIME_SECONDS = 24 * 60 * 60;
const WORDS_PER_TEXT_CHUNK = 2;

interface Step {
  readonly kind: 'role' | 'content' | 'audio' | 'finish' | 'usage';
  readonly payload: object;
}

/** Splits text into pieces of a couple of words, keeping every character. */
export function splitText(text: string): string[] {
  const words = text.match(/\s*\S+\s*/gu) ?? (text ? [text] : []);
  const pieces: string[] = [];
  for (let i = 0; i < words.length; i += WORDS_PER_TEXT_CHUNK) pieces.push(words.slice(i, i + WORDS_PER_TEXT_CHUNK).join(''));
  return pieces;
}

function buildSteps(plan: StreamPlan): Step[] {
  const id = `chatcmpl-${randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: object, finishReason: string | null = null): object => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model: plan.model,
    system_fingerprint: null,
    choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
  });
  const steps: Step[] = [{ kind: 'role', payload: chunk({ role: 'assistant', content: '' }) }];
  for (const piece of splitText(plan.reasoning)) steps.push({ kind: 'content', payload: chunk({ reasoning_content: piece }) });
  for (const piece of splitText(plan.text)) {
    const delta = plan.textField === 'content' ? { content: piece } : { audio: { transcript: piece } };
    steps.push({ kind: 'content', payload: chunk(delta) });
  }
  if (plan.audio) {
    const audioId = `audio_${randomUUID()}`;
    const bytes = pcm16Bytes(plan.audio);
    for (let at = 0; at < bytes.byteLength; at += plan.audioChunkBytes) {
      const data = bytes.subarray(at, at + plan.audioChunkBytes).toString('base64');
      steps.push({ kind: 'audio', payload: chunk({ audio: { data, id: audioId, expires_at: created + AUDIO_LIFETIME_SECONDS } }) });
    }
  }
  steps.push({ kind: 'finish', payload: chunk({}, plan.finishReason) });
  if (plan.usage) {
    steps.push({
      kind: 'usage',
      payload: { id, object: 'chat.completion.chunk', created, model: plan.model, system_fingerprint: null, choices: [], usage: plan.usage },
    });
  }
  return steps;
}

/**
 * Writes and waits until the bytes are handed to the socket, so pacing is real and a scripted drop comes
 * after the chunks before it; rejects when the client goes away.
 */
async function write(res: ServerResponse, text: string, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    res.write(text, (error) => {
      signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    });
  });
}

/** Streams the reply; `signal` aborts when the client closes the connection. */
export async function streamReply(res: ServerResponse, plan: StreamPlan, signal: AbortSignal): Promise<StreamOutcome> {
  const steps = buildSteps(plan);
  const audioChunkMs = (plan.audioChunkBytes / 2 / OUTPUT_SAMPLE_RATE) * 1000;
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  // The status line goes out now, as the service sends it, even if no chunk follows.
  res.flushHeaders();
  try {
    let audioStart: number | undefined;
    let audioIndex = 0;
    let firstAudioReported = false;
    for (let sent = 0; sent <= steps.length; sent++) {
      if (plan.dropAfterChunks === sent) {
        plan.onDrop();
        res.destroy();
        return 'dropped';
      }
      if (plan.stallAfterChunks === sent) {
        // Hung: nothing more until the client hangs up.
        if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        return 'client-closed';
      }
      if (plan.malformedAfterChunks === sent) {
        await write(res, 'data: {"choices":[{"delta":{"audio":{"data":\n\n', signal);
        res.end();
        return 'malformed';
      }
      if (plan.midStreamError?.afterChunks === sent) {
        const { code, message } = plan.midStreamError;
        // Only the body goes on the wire: the status of an in-stream error is never sent.
        await write(res, `data: ${JSON.stringify(errorBody(new ApiError(500, code, message, { type: code }), plan.requestId))}\n\n`, signal);
        res.end();
        return 'error-event';
      }
      const step = steps[sent];
      if (!step) break;
      if (step.kind !== 'role' && plan.chunkIntervalMs !== undefined) {
        await sleep(plan.chunkIntervalMs, undefined, { signal });
      } else if (step.kind === 'audio' && plan.realtime) {
        // Each audio chunk leaves at its playback time, counted from the first one.
        audioStart ??= performance.now();
        const due = audioStart + audioIndex * audioChunkMs;
        audioIndex++;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait, undefined, { signal });
      }
      // A chunk's send time is when it is handed to the socket: how long the write then takes depends on the
      // machine's load, and would make a chunk that waited for a slow first one look early.
      const at = performance.now();
      await write(res, `data: ${JSON.stringify(step.payload)}\n\n`, signal);
      if (step.kind === 'audio') {
        plan.onAudioChunk?.(at);
        if (audioIndex <= 1 && !firstAudioReported) {
          firstAudioReported = true;
          plan.onFirstAudio(at);
        }
      }
    }
    await write(res, 'data: [DONE]\n\n', signal);
    res.end();
    return 'completed';
  } catch (error) {
    if (signal.aborted || res.destroyed) return 'client-closed';
    throw error;
  }
}
