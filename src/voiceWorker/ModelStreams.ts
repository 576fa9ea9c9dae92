/**
 * The worker's side of the model's replies to voice turns: each stream is read here (its own HTTP request,
 * on this thread) and every chunk is posted to the main thread, whose session decides whether and when the
 * reply plays. Once the session plays a chunk of a stream, the reply *follows* that stream: from then on the
 * worker feeds it straight from the stream, so a main thread busy for longer than the jitter buffer cannot
 * starve it. The main thread still forwards each chunk it plays; a FollowedStream merges both copies by
 * stream offset, so nothing plays twice and nothing is missed when one copy is late (or, for a stream no
 * longer held here, absent).
 */
import { toOmniError } from '../omni/errorMapping.ts';
import type { OmniClient } from '../omni/client.ts';
import { MODEL_OUTPUT_SAMPLE_RATE } from '../omni/events.ts';
import type { PlaybackHandle } from '../playback/VoiceOutput.ts';
import { type FromWorker, omniErrorToWire, type StreamPosition } from './protocol.ts';

/** A stream nobody plays (a dropped speculative turn, a silent verdict) keeps its audio this long after it ended. */
const UNPLAYED_AUDIO_KEPT_MS = 10_000;

type Post = (message: FromWorker, transfer?: ArrayBuffer[]) => void;

/** One reply playing a stream's audio: pushes each sample once, in order, up to where the reply ends. */
class FollowedStream {
  readonly #reply: PlaybackHandle;
  /** Stream offset of the next sample to push. */
  #next: number;
  #until: number;
  #ended = false;

  constructor(reply: PlaybackHandle, from: number, until: number) {
    this.#reply = reply;
    this.#next = from;
    this.#until = until;
  }

  /** Samples of the stream from `offset` (from either copy); what was pushed already is skipped. */
  offer(pcm: Int16Array, offset: number): void {
    if (this.#ended) return;
    const start = Math.max(this.#next, offset);
    const end = Math.min(offset + pcm.length, this.#until);
    if (end <= start) return;
    this.#reply.push(pcm.subarray(start - offset, end - offset));
    this.#next = end;
  }

  /** The reply ends at stream offset `until` (its last sample's end) or, without it, where it is now. */
  end(until?: number): void {
    if (this.#ended) return;
    if (until !== undefined) this.#until = Math.min(this.#until, until);
    this.#ended = true;
    this.#reply.end();
  }
}

/** One model stream being read. */
class ModelStream {
  readonly controller = new AbortController();
  /** Audio read so far and not yet handed to a follower (stream offset, samples). */
  unplayed: Array<{ readonly offset: number; readonly pcm: Int16Array }> | undefined = [];
  /** Samples read so far (after the length cut). */
  read = 0;
  /** Ended by itself (whole, failed, or at the length limit); a cancelled stream is not done. */
  done = false;
  follower: FollowedStream | undefined;
}

export class ModelStreams {
  readonly #client: Pick<OmniClient, 'streamBody'>;
  readonly #post: Post;
  readonly #maxSamples: number;
  readonly #streams = new Map<number, ModelStream>();
  readonly #followers = new Map<number, FollowedStream>();

  constructor(options: { client: Pick<OmniClient, 'streamBody'>; post: Post; maxReplyMs: number }) {
    this.#client = options.client;
    this.#post = options.post;
    this.#maxSamples = Math.round((options.maxReplyMs / 1000) * MODEL_OUTPUT_SAMPLE_RATE);
  }

  start(streamId: number, body: ArrayBuffer, maxAttempts: number | undefined): void {
    const stream = new ModelStream();
    this.#streams.set(streamId, stream);
    void this.#read(streamId, stream, new Uint8Array(body), maxAttempts);
  }

  /** The main thread let go of the stream: the request is cancelled (a reply following it ends as main says). */
  abort(streamId: number): void {
    this.#streams.get(streamId)?.controller.abort();
  }

  /** A chunk the main thread played on `reply`, taken from the stream at `from`. */
  offer(replyId: number, reply: PlaybackHandle, pcm: Int16Array, from: StreamPosition): void {
    let follower = this.#followers.get(replyId);
    if (!follower) {
      follower = new FollowedStream(reply, from.offset, this.#maxSamples);
      this.#followers.set(replyId, follower);
      this.#follow(from, follower);
    }
    follower.offer(pcm, from.offset);
  }

  /** The main thread ended `replyId`; false when that reply does not follow a stream. */
  end(replyId: number, until: number | undefined): boolean {
    const follower = this.#followers.get(replyId);
    follower?.end(until);
    return follower !== undefined;
  }

  /** The reply finished or was stopped. */
  forget(replyId: number): void {
    this.#followers.delete(replyId);
  }

  /** The follower takes the stream's audio held so far and everything after it. */
  #follow(from: StreamPosition, follower: FollowedStream): void {
    const stream = this.#streams.get(from.streamId);
    // Its audio no longer here: the main thread's copies carry the reply instead.
    if (!stream?.unplayed || stream.follower) return;
    stream.follower = follower;
    for (const chunk of stream.unplayed) follower.offer(chunk.pcm, chunk.offset);
    stream.unplayed = undefined;
    if (stream.done) follower.end();
  }

  async #read(streamId: number, stream: ModelStream, body: Uint8Array, maxAttempts: number | undefined): Promise<void> {
    const { signal } = stream.controller;
    try {
      const events = this.#client.streamBody(body, {
        signal,
        ...(maxAttempts === undefined ? {} : { maxAttempts }),
        onResponse: ({ requestId }) => this.#post({ type: 'model-response', streamId, requestId }),
      });
      for await (const event of events) {
        if (event.type !== 'audio') {
          this.#post({ type: 'model-event', streamId, event });
          continue;
        }
        // The session cuts a reply at the same length: past it, nothing more is played or posted.
        const pcm = event.pcm.subarray(0, Math.max(0, this.#maxSamples - stream.read));
        if (pcm.length === 0) continue;
        const offset = stream.read;
        stream.read += pcm.length;
        if (stream.follower) stream.follower.offer(pcm, offset);
        else stream.unplayed?.push({ offset, pcm });
        const copy = pcm.slice().buffer;
        this.#post({ type: 'model-audio', streamId, pcm: copy }, [copy]);
      }
      this.#post({ type: 'model-done', streamId });
      // A cancelled stream's reply ends where the main thread says; one that ended by itself ends here.
      stream.done = !signal.aborted;
    } catch (error) {
      this.#post({ type: 'model-done', streamId, error: omniErrorToWire(toOmniError(error)) });
      stream.done = true;
    }
    if (stream.done) stream.follower?.end();
    // Held a while for a turn that may still be committed, then forgotten; a follower needs nothing more of it.
    setTimeout(() => this.#streams.delete(streamId), stream.follower ? 0 : UNPLAYED_AUDIO_KEPT_MS).unref();
  }
}
