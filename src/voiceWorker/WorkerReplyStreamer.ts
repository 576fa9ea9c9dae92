/**
 * The main thread's side of model streams read by a voice worker (see ModelStreams.ts): the session iterates
 * the same OmniEvents as from the OmniClient, while the worker holds the HTTP request. Each audio chunk is
 * marked with its place in its stream, so a reply that plays it can tell the worker to follow that stream.
 */
import type { ReplyStreamer, StreamOptions } from '../omni/client.ts';
import { EventEmitter, on } from 'node:events';
import { requestBytes } from '../omni/client.ts';
import type { OmniEvent } from '../omni/events.ts';
import type { OmniRequest } from '../omni/request.ts';
import { type FromWorker, omniErrorFromWire, type StreamPosition, type ToWorker } from './protocol.ts';

export type ModelStreamMessage = Extract<FromWorker, { type: 'model-response' | 'model-event' | 'model-audio' | 'model-done' }>;

/** Where each audio chunk from a worker's stream came from, by the chunk's own buffer (a subarray keeps it). */
const positions = new WeakMap<ArrayBuffer, StreamPosition>();

/** The stream position of `pcm`, when it is (part of) a chunk a worker read from the model. */
export function streamPosition(pcm: Int16Array): StreamPosition | undefined {
  const { buffer } = pcm;
  const chunk = buffer instanceof ArrayBuffer ? positions.get(buffer) : undefined;
  return chunk && { streamId: chunk.streamId, offset: chunk.offset + pcm.byteOffset / Int16Array.BYTES_PER_ELEMENT };
}

/** How the streamer reaches its worker. */
export interface ModelStreamChannel {
  post(message: ToWorker, transfer?: ArrayBuffer[]): void;
  nextStreamId(): number;
}

export class WorkerReplyStreamer implements ReplyStreamer {
  readonly #channel: ModelStreamChannel;
  /** Each open stream's messages, emitted as 'message' (events.on buffers them until the session takes them). */
  readonly #inboxes = new Map<number, EventEmitter<{ message: [ModelStreamMessage] }>>();

  constructor(channel: ModelStreamChannel) {
    this.#channel = channel;
  }

  /** A message from the worker about one of its streams. */
  receive(message: ModelStreamMessage): void {
    this.#inboxes.get(message.streamId)?.emit('message', message);
  }

  /** The worker died: every stream it was reading fails as a lost connection. */
  lost(reason: string): void {
    const error = { kind: 'connection', message: reason, userMessage: 'The model stopped answering part-way. Please try again.', retryable: true } as const;
    for (const [streamId, inbox] of this.#inboxes) inbox.emit('message', { type: 'model-done', streamId, error });
  }

  /** The reply to `request`, read by the worker; ends quietly when `signal` aborts, as OmniClient's does. */
  async *stream(request: OmniRequest, { signal, maxAttempts, onResponse }: StreamOptions = {}): AsyncGenerator<OmniEvent> {
    if (signal?.aborted) return;
    const streamId = this.#channel.nextStreamId();
    const bytes = requestBytes(request);
    const body = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const inbox = new EventEmitter<{ message: [ModelStreamMessage] }>();
    this.#inboxes.set(streamId, inbox);
    const messages = on(inbox, 'message', signal ? { signal } : {});
    this.#channel.post({ type: 'model-stream', streamId, body, ...(maxAttempts === undefined ? {} : { maxAttempts }) }, [body]);
    let done = false;
    let offset = 0;
    try {
      for await (const [message] of messages as AsyncIterable<[ModelStreamMessage]>) {
        switch (message.type) {
          case 'model-response':
            onResponse?.({ requestId: message.requestId });
            break;
          case 'model-event':
            yield message.event;
            break;
          case 'model-audio': {
            positions.set(message.pcm, { streamId, offset });
            const pcm = new Int16Array(message.pcm);
            offset += pcm.length;
            yield { type: 'audio', pcm };
            break;
          }
          case 'model-done':
            done = true;
            if (message.error) throw omniErrorFromWire(message.error);
            return;
        }
      }
    } catch (error) {
      // An abort ends the stream quietly, as OmniClient's does.
      if (!signal?.aborted) throw error;
    } finally {
      this.#inboxes.delete(streamId);
      if (!done) this.#channel.post({ type: 'model-abort', streamId });
    }
  }
}
