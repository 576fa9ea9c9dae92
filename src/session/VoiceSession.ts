/**
 * One guild's voice conversation as a typed state machine: listening, thinking (a request is out),
 * speaking (a reply is playing), destroyed. One reply at a time; speech from someone else while the bot
 * speaks is a barge-in (playback stops, the request is aborted, history keeps only what was heard);
 * utterances that end while a reply is being prepared wait in a fair queue, one per speaker.
 */
import { EventEmitter } from 'node:events';
import { concatSamples } from '../audio/pcm.ts';
import { encodeWav } from '../audio/wav.ts';
import { MODEL_INPUT_SAMPLE_RATE } from '../audio/pipelines.ts';
import { BotError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { OmniModel } from '../omni/catalogue.ts';
import type { OmniEvent, OmniUsage } from '../omni/events.ts';
import type { OmniRequest } from '../omni/request.ts';
import { textTokens } from '../omni/tokens.ts';
import type { PlaybackHandle, VoiceOutput } from '../playback/VoiceOutput.ts';
import { History, INTERRUPTED_MARK, estimatedSpeechMs, heardPart, type SpokenTurn } from './History.ts';
import { silentVerdict, speakerLine, voiceSystemPrompt, type ListenMode } from './prompt.ts';

/** A finished stretch of one person's speech, 16 kHz mono. */
export interface Utterance {
  readonly speakerId: string;
  readonly speakerName: string;
  readonly samples: Int16Array;
  /** Clock time (ms) when the end of speech was detected. */
  readonly endedAtMs: number;
}

/** Per-guild settings and cost control, as the session needs them. */
export interface SessionPolicy {
  listenMode(): { readonly mode: ListenMode; readonly userId?: string };
  voiceFor(userId: string): string;
  persona(): string | undefined;
  /** undefined to go ahead, or the notice to give instead (daily cap, cooldown). */
  admit(userId: string): string | undefined;
  recordUsage(userId: string, usage: OmniUsage): void;
  transcriptEnabled(): boolean;
}

/** Text chat beside the voice channel, for notices and transcripts. */
export interface SessionChat {
  post(text: string): void;
}

export interface ReplyStreamer {
  stream(request: OmniRequest, options: { signal?: AbortSignal }): AsyncIterable<OmniEvent>;
}

export interface VoiceSessionOptions {
  readonly omni: ReplyStreamer;
  readonly model: OmniModel;
  readonly botName: string;
  readonly output: VoiceOutput;
  readonly policy: SessionPolicy;
  readonly chat: SessionChat;
  readonly log: Logger;
  /** Audio held before playback starts (ms). */
  readonly jitterMs: number;
  /** At most one error notice per this many ms, so a failing model does not flood the chat. */
  readonly noticeIntervalMs?: number;
  readonly now?: () => number;
}

/** Timings of one answered turn, for /status and benchmarks. */
export interface TurnTiming {
  readonly speakerId: string;
  /** End of speech detected -> request handed to the client. */
  readonly toRequestMs: number;
  /** End of speech detected -> first reply audio from the model. */
  readonly toFirstAudioMs: number | undefined;
  /** End of speech detected -> playback started (jitter buffer included). */
  readonly toPlaybackMs: number | undefined;
}

interface ActiveTurn {
  readonly utterance: Utterance;
  readonly controller: AbortController;
  /** False once /reset or destroy wiped the conversation: the turn must not write history. */
  record: boolean;
}

export type SessionState =
  | { readonly status: 'listening' }
  | { readonly status: 'thinking'; readonly turn: ActiveTurn }
  | { readonly status: 'speaking'; readonly turn: ActiveTurn; readonly playback: PlaybackHandle }
  | { readonly status: 'destroyed' };

/** What a finished turn produced; emitted as `turnDone`. */
export interface TurnOutcome {
  readonly speakerId: string;
  readonly text: string;
  readonly heardText: string;
  readonly playedMs: number;
  readonly interrupted: boolean;
  readonly silent: boolean;
  readonly error?: BotError;
}

const DEFAULT_NOTICE_INTERVAL_MS = 15_000;
const RECENT_TIMINGS = 5;

export class VoiceSession extends EventEmitter<{
  stateChange: [SessionState, SessionState];
  turnDone: [TurnOutcome];
}> {
  readonly history = new History();
  readonly #options: VoiceSessionOptions;
  readonly #now: () => number;
  readonly #pending = new Map<string, Utterance>();
  readonly #timings: TurnTiming[] = [];
  #state: SessionState = { status: 'listening' };
  #lastNoticeAt = -Infinity;
  /** The latest turn's run; the next turn waits for it so history holds the cut reply before it is read. */
  #lastRun: Promise<void> = Promise.resolve();

  constructor(options: VoiceSessionOptions) {
    super();
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
  }

  get state(): SessionState {
    return this.#state;
  }

  /** Every transition goes through here, so aborting a turn and stopping playback cannot be forgotten. */
  set state(next: SessionState) {
    const old = this.#state;
    if (old.status === 'destroyed') return;
    const oldTurn = 'turn' in old ? old.turn : undefined;
    const nextTurn = 'turn' in next ? next.turn : undefined;
    if (oldTurn && oldTurn !== nextTurn) oldTurn.controller.abort();
    const oldPlayback = old.status === 'speaking' ? old.playback : undefined;
    if (oldPlayback && (next.status !== 'speaking' || next.playback !== oldPlayback)) oldPlayback.stop();
    this.#state = next;
    this.emit('stateChange', old, next);
  }

  /** Speakers waiting for their turn, oldest first. */
  get queue(): readonly string[] {
    return [...this.#pending.keys()];
  }

  get recentTimings(): readonly TurnTiming[] {
    return this.#timings;
  }

  /** Whether the bot answers this person in the current listen mode. */
  hears(userId: string): boolean {
    const { mode, userId: onlyUser } = this.#options.policy.listenMode();
    return mode !== 'only-me' || userId === onlyUser;
  }

  /** Someone started talking: if the bot is speaking, that is a barge-in. */
  onSpeechStart(userId: string): void {
    if (this.#state.status === 'speaking' && this.hears(userId)) {
      this.#options.log.debug({ userId }, 'barge-in');
      this.state = { status: 'listening' };
    }
  }

  /** Someone finished a sentence: answer it now, or queue it behind the reply being prepared. */
  onUtterance(utterance: Utterance): void {
    if (this.#state.status === 'destroyed' || !this.hears(utterance.speakerId)) return;
    if (this.#state.status === 'speaking') this.state = { status: 'listening' };
    if (this.#state.status === 'thinking') {
      this.#enqueue(utterance);
      return;
    }
    this.#start(utterance);
  }

  /** The channel stopped hearing the bot (its voice worker died): the turn in progress ends as if cut off. */
  interrupt(): void {
    if (this.#state.status === 'thinking' || this.#state.status === 'speaking') this.state = { status: 'listening' };
  }

  /** Forget the conversation (and anything queued); a reply in progress is stopped. */
  reset(): void {
    this.#pending.clear();
    if ('turn' in this.#state) this.#state.turn.record = false;
    this.history.clear();
    if (this.#state.status !== 'destroyed') this.state = { status: 'listening' };
  }

  destroy(): void {
    this.reset();
    this.state = { status: 'destroyed' };
  }

  #enqueue(utterance: Utterance): void {
    const waiting = this.#pending.get(utterance.speakerId);
    if (!waiting) {
      this.#pending.set(utterance.speakerId, utterance);
      return;
    }
    // One place per speaker: a second sentence joins the first and keeps its place in the queue.
    this.#pending.set(utterance.speakerId, { ...utterance, samples: concatSamples([waiting.samples, utterance.samples]) });
  }

  #startNext(): void {
    const [next] = this.#pending.values();
    if (!next || this.#state.status !== 'listening') return;
    this.#pending.delete(next.speakerId);
    this.#start(next);
  }

  #start(utterance: Utterance): void {
    const refusal = this.#options.policy.admit(utterance.speakerId);
    if (refusal) {
      this.#notice(refusal);
      this.#startNext();
      return;
    }
    const turn: ActiveTurn = { utterance, controller: new AbortController(), record: true };
    this.state = { status: 'thinking', turn };
    this.#lastRun = this.#run(turn, this.#lastRun);
  }

  #notice(text: string): void {
    const now = this.#now();
    if (now - this.#lastNoticeAt < (this.#options.noticeIntervalMs ?? DEFAULT_NOTICE_INTERVAL_MS)) return;
    this.#lastNoticeAt = now;
    this.#options.chat.post(text);
  }

  #request(spoken: SpokenTurn, speakerId: string): OmniRequest {
    const { model, policy, botName } = this.#options;
    const { mode } = policy.listenMode();
    const persona = policy.persona();
    const system = voiceSystemPrompt({ botName, mode, ...(persona ? { persona } : {}) });
    const turns = this.history.toTurns(spoken, model, model.limits.maxInput, textTokens(system) + 8);
    return { model, system, turns, voice: policy.voiceFor(speakerId) };
  }

  async #run(turn: ActiveTurn, previous: Promise<void>): Promise<void> {
    await previous;
    const { utterance } = turn;
    const seconds = utterance.samples.length / MODEL_INPUT_SAMPLE_RATE;
    const spoken: SpokenTurn = {
      role: 'user',
      speakerName: utterance.speakerName,
      text: speakerLine(utterance.speakerName),
      speech: { kind: 'audio', wav: encodeWav(utterance.samples, MODEL_INPUT_SAMPLE_RATE, 1), seconds },
    };
    const owns = (): boolean => 'turn' in this.#state && this.#state.turn === turn;
    let text = '';
    let verdict = this.#options.policy.listenMode().mode === 'addressed' ? silentVerdict('', false) : 'speak';
    const held: Int16Array[] = [];
    let reply: PlaybackHandle | undefined;
    let speaking = false;
    let firstAudioAt: number | undefined;
    let playbackAt: number | undefined;
    let failure: BotError | undefined;

    const feed = (pcm: Int16Array): void => {
      reply ??= this.#options.output.startReply({ jitterMs: this.#options.jitterMs });
      reply.push(pcm);
      if (speaking) return;
      if (reply.started && owns()) {
        speaking = true;
        playbackAt = this.#now();
        this.state = { status: 'speaking', turn, playback: reply };
      }
    };

    const requestAt = this.#now();
    try {
      const request = this.#request(spoken, utterance.speakerId);
      for await (const event of this.#options.omni.stream(request, { signal: turn.controller.signal })) {
        if (!owns()) break;
        if (event.type === 'text') {
          text += event.text;
          if (verdict === 'undecided') {
            verdict = silentVerdict(text, false);
            if (verdict === 'silent') break;
            if (verdict === 'speak') held.splice(0).forEach(feed);
          }
        } else if (event.type === 'audio') {
          firstAudioAt ??= this.#now();
          if (verdict === 'undecided') held.push(event.pcm);
          else feed(event.pcm);
        } else if (event.type === 'usage') {
          this.#options.policy.recordUsage(utterance.speakerId, event.usage);
        }
      }
      if (verdict === 'undecided') {
        verdict = silentVerdict(text, true);
        if (verdict === 'speak') held.splice(0).forEach(feed);
      }
      if (verdict === 'speak' && owns() && reply) {
        reply.end();
        if (!speaking && reply.receivedMs > 0) feed(new Int16Array(0));
      }
    } catch (error) {
      failure = error instanceof BotError ? error : new BotError(String(error), { cause: error });
      this.#options.log.warn({ err: error, guildSpeaker: utterance.speakerId }, 'voice turn failed');
      if (owns()) this.#notice(failure.userMessage);
    }
    // Anything but a reply played to its end is cut here; with a worker the final figure comes back later.
    if (failure || verdict !== 'speak' || !owns()) reply?.stop();
    const receivedMs = reply?.receivedMs ?? 0;
    const playedMs = speaking && reply ? Math.min(await reply.finished, receivedMs) : 0;

    const silent = verdict === 'silent';
    // Cut short by a barge-in or reset (not by finishing): only the part played was heard.
    const interrupted = !silent && turn.controller.signal.aborted;
    // Text runs ahead of audio, so the reply's full length is at least what its text takes to say.
    const heard = interrupted ? heardPart(text, playedMs, Math.max(receivedMs, estimatedSpeechMs(text))) : text;
    if (turn.record && !silent) {
      this.history.add(spoken);
      if (heard || interrupted) this.history.add({ role: 'assistant', text: interrupted ? `${heard}${INTERRUPTED_MARK}` : heard });
      if (text && this.#options.policy.transcriptEnabled())
        this.#options.chat.post(`**${this.#options.botName}** → ${utterance.speakerName}: ${heard}${interrupted ? ' …' : ''}`);
    }
    if (!silent && !failure) {
      this.#timings.push({
        speakerId: utterance.speakerId,
        toRequestMs: requestAt - utterance.endedAtMs,
        toFirstAudioMs: firstAudioAt === undefined ? undefined : firstAudioAt - utterance.endedAtMs,
        toPlaybackMs: playbackAt === undefined ? undefined : playbackAt - utterance.endedAtMs,
      });
      if (this.#timings.length > RECENT_TIMINGS) this.#timings.shift();
    }
    this.emit('turnDone', { speakerId: utterance.speakerId, text, heardText: heard, playedMs, interrupted, silent, ...(failure ? { error: failure } : {}) });
    if (owns()) this.state = { status: 'listening' };
    this.#startNext();
  }
}
