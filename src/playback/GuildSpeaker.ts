/**
 * The one owner of a guild's audio output. Every sound the guild plays (conversation replies, chat answers
 * spoken in the voice channel, voice previews) asks it for the output, and one plays at a time:
 * - what is audible is never replaced by another sound; only its own stop() ends it early;
 * - a sound queues once it has audio; when the output frees up, the waiting sound of highest precedence
 *   goes next, first come first served within a kind (livekit agents orders its SpeechHandle queue the
 *   same way: by priority, then by time);
 * - a chat answer or a preview that cannot start within its kind's bounded wait gives up (`refused`);
 * - barge-in stops every chat answer and preview, playing or still to come (those are `refused`). The
 *   conversation stops its own reply
 *   (it must record what was heard), so barge-in leaves replies to it.
 */
import { MODEL_OUTPUT_SAMPLE_RATE } from '../omni/events.ts';
import type { PlaybackHandle, VoiceOutput } from './VoiceOutput.ts';

export type SpeechKind = 'reply' | 'chat' | 'preview';

interface KindRule {
  /** Higher goes first among sounds waiting for the output. */
  readonly precedence: number;
  /** How long the sound may wait with its audio ready before it gives up (ms). */
  readonly maxWaitMs: number;
  readonly stoppedByBargeIn: boolean;
}

export const SPEECH_KINDS = {
  // The conversation itself: it waits for the one sound ahead of it to finish (talking stops that one).
  reply: { precedence: 3, maxWaitMs: Number.POSITIVE_INFINITY, stoppedByBargeIn: false },
  // The answer is also written in chat; spoken much later it would be out of step with the conversation.
  chat: { precedence: 2, maxWaitMs: 5_000, stoppedByBargeIn: true },
  // A sample of a voice, asked for by one person, who can ask again: it never delays anything else.
  preview: { precedence: 1, maxWaitMs: 3_000, stoppedByBargeIn: true },
} as const satisfies Record<SpeechKind, KindRule>;

export interface SpeechRequest {
  readonly kind: SpeechKind;
  /** Audio held before playback starts (ms). */
  readonly jitterMs: number;
  /** Called once, synchronously, when the sound starts playing on the channel. */
  readonly onPlaying?: () => void;
}

/** One sound: waiting for the output, playing, or done. `finished` resolves with the milliseconds heard. */
export interface SpeechHandle extends PlaybackHandle {
  readonly kind: SpeechKind;
  /** True when it never got the output (it waited too long, or barge-in came first): nothing of it was heard. */
  readonly refused: boolean;
}

/** The guild's speech owner, as its users see it. */
export interface Speaker {
  speak(request: SpeechRequest): SpeechHandle;
  /** Someone the bot listens to started talking: every chat answer and preview stops. */
  bargeIn(): void;
}

interface SpeechOwner {
  ready(speech: Speech): void;
  released(speech: Speech): void;
}

class Speech implements SpeechHandle {
  readonly kind: SpeechKind;
  readonly order: number;
  readonly finished: Promise<number>;
  refused = false;
  /** pending: no audio yet; waiting: audio ready, in the queue; playing: holds the output. */
  phase: 'pending' | 'waiting' | 'playing' | 'done' = 'pending';
  waitTimer: NodeJS.Timeout | undefined;
  readonly #request: SpeechRequest;
  readonly #owner: SpeechOwner;
  #held: Int16Array[] = [];
  #samples = 0;
  #ended = false;
  #stopped = false;
  #announced = false;
  #released = false;
  #playback: PlaybackHandle | undefined;
  #resolve!: (playedMs: number) => void;

  constructor(request: SpeechRequest, order: number, owner: SpeechOwner) {
    this.kind = request.kind;
    this.order = order;
    this.#request = request;
    this.#owner = owner;
    this.finished = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  get started(): boolean {
    return this.#playback?.started ?? false;
  }

  get receivedMs(): number {
    return (this.#samples / MODEL_OUTPUT_SAMPLE_RATE) * 1000;
  }

  push(pcm: Int16Array): void {
    if (this.#ended || this.#stopped || this.phase === 'done' || pcm.length === 0) return;
    this.#samples += pcm.length;
    if (this.#playback) {
      this.#playback.push(pcm);
      this.#announce();
      return;
    }
    this.#held.push(pcm);
    if (this.phase === 'pending') this.#owner.ready(this);
  }

  end(): void {
    if (this.#ended || this.#stopped || this.phase === 'done') return;
    this.#ended = true;
    if (this.#playback) {
      this.#playback.end();
      this.#announce();
    } else if (this.#samples === 0) {
      this.#done(0);
    }
  }

  stop(): void {
    if (this.#stopped || this.phase === 'done') return;
    this.#stopped = true;
    if (this.#playback) {
      // The output reports what was heard through `finished`; the next sound need not wait for that.
      this.#playback.stop();
      this.#release();
    } else {
      this.#done(0);
    }
  }

  /** Ends without ever having had the output. */
  refuse(): void {
    this.refused = true;
    this.stop();
  }

  /** Takes the output: what was held plays now, the rest as it comes. */
  play(output: VoiceOutput): void {
    this.phase = 'playing';
    const playback = output.startReply({ jitterMs: this.#request.jitterMs });
    this.#playback = playback;
    for (const pcm of this.#held.splice(0)) playback.push(pcm);
    if (this.#ended) playback.end();
    void playback.finished.then((playedMs) => this.#done(playedMs));
    this.#announce();
  }

  #announce(): void {
    if (this.#announced || !this.started) return;
    this.#announced = true;
    this.#request.onPlaying?.();
  }

  #done(playedMs: number): void {
    this.phase = 'done';
    this.#held = [];
    this.#release();
    this.#resolve(playedMs);
  }

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#owner.released(this);
  }
}

export class GuildSpeaker implements Speaker {
  readonly #output: VoiceOutput;
  readonly #live = new Set<Speech>();
  readonly #quietWaiters = new Set<() => void>();
  #current: Speech | undefined;
  #order = 0;
  #closed = false;
  #stopping = false;

  constructor(output: VoiceOutput) {
    this.#output = output;
  }

  /** Whether a sound is playing or waiting with its audio ready. */
  get busy(): boolean {
    return [...this.#live].some((speech) => speech.phase === 'waiting' || speech.phase === 'playing');
  }

  speak(request: SpeechRequest): SpeechHandle {
    const speech = new Speech(request, this.#order++, { ready: (s) => this.#ready(s), released: (s) => this.#released(s) });
    this.#live.add(speech);
    if (this.#closed) speech.stop();
    return speech;
  }

  bargeIn(): void {
    this.#stopEach((speech) => SPEECH_KINDS[speech.kind].stoppedByBargeIn);
  }

  /** Resolves true once nothing plays or waits, false when that takes over `maxWaitMs`. */
  untilQuiet(maxWaitMs: number): Promise<boolean> {
    if (!this.busy) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (quiet: boolean): void => {
        clearTimeout(timer);
        this.#quietWaiters.delete(onQuiet);
        resolve(quiet);
      };
      const onQuiet = (): void => done(true);
      const timer = setTimeout(() => done(false), maxWaitMs);
      this.#quietWaiters.add(onQuiet);
    });
  }

  /** Stops every sound, playing or waiting (the voice link is gone; the session has ended its own turn). */
  stopAll(): void {
    this.#stopEach(() => true);
  }

  /** The guild left voice: everything stops, and later sounds end at once. */
  close(): void {
    this.#closed = true;
    this.stopAll();
  }

  /** Stops the sounds chosen (those not yet heard are refused); no other sound starts until all are stopped. */
  #stopEach(chosen: (speech: Speech) => boolean): void {
    this.#stopping = true;
    try {
      for (const speech of [...this.#live]) {
        if (!chosen(speech)) continue;
        if (speech.started) speech.stop();
        else speech.refuse();
      }
    } finally {
      this.#stopping = false;
    }
    this.#next();
  }

  #ready(speech: Speech): void {
    speech.phase = 'waiting';
    const { maxWaitMs } = SPEECH_KINDS[speech.kind];
    if (Number.isFinite(maxWaitMs)) speech.waitTimer = setTimeout(() => speech.refuse(), maxWaitMs).unref();
    this.#next();
  }

  #released(speech: Speech): void {
    clearTimeout(speech.waitTimer);
    this.#live.delete(speech);
    if (this.#current === speech) this.#current = undefined;
    this.#next();
    if (!this.busy) for (const wake of [...this.#quietWaiters]) wake();
  }

  #next(): void {
    if (this.#current || this.#stopping) return;
    let next: Speech | undefined;
    for (const speech of this.#live) {
      if (speech.phase !== 'waiting') continue;
      const rank = SPEECH_KINDS[speech.kind].precedence;
      const best = next ? SPEECH_KINDS[next.kind].precedence : -1;
      if (rank > best || (rank === best && speech.order < next!.order)) next = speech;
    }
    if (!next) return;
    clearTimeout(next.waitTimer);
    this.#current = next;
    next.play(this.#output);
  }
}
