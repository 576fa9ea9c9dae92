/**
 * One guild's voice conversation as a typed state machine: listening, thinking (a request is out),
 * speaking (a reply is playing), destroyed. One reply at a time; speech that starts while the bot speaks
 * is a barge-in (playback stops, the request is aborted, history keeps only what was heard); every finished
 * utterance waits in a fair queue (first come, first served, one place per speaker) until the bot is free.
 * A turn may start speculatively on a tentative end (see Speculation.ts): it plays only once the turn is
 * committed. A turn starts on memory's admission and plays only once the shared one confirms (Admission.ts).
 */
import { EventEmitter } from 'node:events';
import { concatSamples } from '../audio/pcm.ts';
import { encodeWav } from '../audio/wav.ts';
import { MODEL_INPUT_SAMPLE_RATE } from '../audio/pipelines.ts';
import { BotError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { OmniModel } from '../omni/catalogue.ts';
import type { ReplyStreamer } from '../omni/client.ts';
import { MODEL_OUTPUT_SAMPLE_RATE, type OmniUsage } from '../omni/events.ts';
import type { OmniRequest } from '../omni/request.ts';
import { textTokens } from '../omni/tokens.ts';
import type { Speaker } from '../playback/GuildSpeaker.ts';
import type { PlaybackHandle } from '../playback/VoiceOutput.ts';
import { Admission } from './Admission.ts';
import { streamWithFirstAudioDeadline } from './firstAudio.ts';
import { History, INTERRUPTED_MARK, estimatedSpeechMs, heardPart, type SpokenTurn } from './History.ts';
import { NoticeFolder } from './NoticeFolder.ts';
import { Commitment, sameSpeech, wastedUsage } from './Speculation.ts';
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
  /** undefined to go ahead, or the notice to give instead (daily cap, cooldown). From memory, at once; records nothing. */
  admit(userId: string): string | undefined;
  /**
   * The shared decision on a turn `admit` let start, atomic across processes; it records the admission. The
   * turn's audio waits for it. undefined: go ahead (also when the database does not answer); else the notice.
   */
  confirmAdmission(userId: string): Promise<string | undefined>;
  /** `speculative`: the usage of a speculative request that was dropped (counted, and shown apart as waste). */
  recordUsage(userId: string, usage: OmniUsage, speculative?: boolean): void;
  /** Whether speculative requests may be sent now (the bot's setting and the server's). */
  speculate(): boolean;
  transcriptEnabled(): boolean;
}

/** Text chat beside the voice channel, for notices and transcripts. */
export interface SessionChat {
  post(text: string): void;
  /** Shows that the bot is working on an answer (Discord's typing indicator, which lasts about 10 s). */
  typing?(): void;
}

export interface VoiceSessionOptions {
  readonly omni: ReplyStreamer;
  readonly model: OmniModel;
  readonly botName: string;
  /** The guild's one owner of its audio output: replies wait there for a chat answer or preview already playing. */
  readonly speaker: Speaker;
  readonly policy: SessionPolicy;
  readonly chat: SessionChat;
  readonly log: Logger;
  /** Audio held before playback starts (ms). */
  readonly jitterMs: number;
  /** At most one notice message per this many ms; repeats inside it are folded into the next one. */
  readonly noticeIntervalMs?: number;
  /** A turn's request -> the model's first audio, one retry included (ms); then the turn is given up. */
  readonly firstAudioTimeoutMs?: number;
  /** A reply is ended cleanly after this much audio (ms). */
  readonly maxReplyMs?: number;
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
  /** Replaced by the committed utterance (same speech, later end time) when a speculative turn commits. */
  utterance: Utterance;
  readonly controller: AbortController;
  readonly commitment: Commitment;
  readonly admission: Admission;
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
  /** Ended before the model finished: at the length limit, or by a failure after some audio was played. */
  readonly cut?: 'length-limit' | 'failure';
  readonly error?: BotError;
}

const DEFAULT_NOTICE_INTERVAL_MS = 15_000;
const DEFAULT_FIRST_AUDIO_TIMEOUT_MS = 8_000;
const DEFAULT_MAX_REPLY_MS = 90_000;
const RECENT_TIMINGS = 5;

export class VoiceSession extends EventEmitter<{
  stateChange: [SessionState, SessionState];
  turnDone: [TurnOutcome];
  /** A speculative request was dropped (the speaker went on); its usage is in the ledger as waste. */
  speculationDropped: [{ readonly speakerId: string; readonly usage: OmniUsage }];
}> {
  readonly history = new History();
  readonly #options: VoiceSessionOptions;
  readonly #now: () => number;
  readonly #pending = new Map<string, Utterance>();
  readonly #timings: TurnTiming[] = [];
  readonly #notices: NoticeFolder;
  #state: SessionState = { status: 'listening' };
  /** Speakers whose speculative request was dropped: the rest of that utterance goes with its admission. */
  readonly #admittedAhead = new Map<string, Admission>();
  /** The latest turn's run; the next turn waits for it so history holds the cut reply before it is read. */
  #lastRun: Promise<void> = Promise.resolve();

  constructor(options: VoiceSessionOptions) {
    super();
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    this.#notices = new NoticeFolder((text) => options.chat.post(text), options.noticeIntervalMs ?? DEFAULT_NOTICE_INTERVAL_MS);
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

  /** Someone started talking: that stops whatever the bot is saying (a barge-in). */
  onSpeechStart(userId: string): void {
    if (this.#state.status === 'destroyed' || !this.hears(userId)) return;
    // Chat answers and previews first, so none of them takes the output the reply gives up.
    this.#options.speaker.bargeIn();
    if (this.#state.status === 'speaking') {
      this.#options.log.debug({ userId }, 'barge-in');
      this.state = { status: 'listening' };
    }
  }

  /** Someone has been quiet for a moment: start their turn speculatively if it would start now anyway. */
  onTentativeEnd(utterance: Utterance): void {
    if (this.#state.status !== 'listening' || this.#pending.size > 0 || !this.hears(utterance.speakerId)) return;
    if (!this.#options.policy.speculate()) return;
    this.#start(utterance, true);
  }

  /** The speaker went on after a tentative end: their speculative request is dropped. */
  onResumed(userId: string): void {
    const turn = this.#speculativeTurn(userId);
    if (!turn) return;
    this.#admittedAhead.set(userId, turn.admission);
    this.state = { status: 'listening' };
  }

  /**
   * Someone finished a sentence: it commits their speculative turn if that carries the same speech; otherwise
   * it takes its place in the queue and is answered when the bot is free. It never cuts the reply playing
   * (speech that began before that reply did is not talking over it; speech that starts over it already
   * stopped it in onSpeechStart) nor passes anyone who was waiting.
   */
  onUtterance(utterance: Utterance): void {
    if (this.#state.status === 'destroyed' || !this.hears(utterance.speakerId)) return;
    const speculative = this.#speculativeTurn(utterance.speakerId);
    if (speculative && sameSpeech(speculative.utterance.samples, utterance.samples)) {
      speculative.utterance = utterance;
      speculative.commitment.commit();
      return;
    }
    // Different speech (the speaker went on): the speculative request is dropped and this one is queued.
    if (speculative) this.onResumed(utterance.speakerId);
    this.#enqueue(utterance);
    this.#startNext();
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
    this.#notices.dispose();
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

  /** The uncommitted speculative turn of `userId`, if that is the turn in progress. */
  #speculativeTurn(userId: string): ActiveTurn | undefined {
    const turn = 'turn' in this.#state ? this.#state.turn : undefined;
    return turn?.commitment.pending && turn.utterance.speakerId === userId ? turn : undefined;
  }

  #start(utterance: Utterance, speculative = false): void {
    const { speakerId } = utterance;
    const ahead = this.#admittedAhead.get(speakerId);
    const refusal = ahead ? ahead.refusal : this.#options.policy.admit(speakerId);
    if (refusal) {
      // A speculative start says nothing: the committed turn will be refused with the notice.
      if (!speculative) {
        this.#admittedAhead.delete(speakerId);
        this.#notice(refusal);
      }
      this.#startNext();
      return;
    }
    this.#admittedAhead.delete(speakerId);
    const admission = ahead ?? new Admission(this.#options.policy.confirmAdmission(speakerId));
    const controller = new AbortController();
    const commitment = speculative ? Commitment.pending(controller.signal) : Commitment.committed();
    const turn: ActiveTurn = { utterance, controller, commitment, admission, record: true };
    this.state = { status: 'thinking', turn };
    this.#lastRun = this.#run(turn, this.#lastRun);
  }

  #notice(text: string): void {
    this.#notices.notify(text);
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
    const { commitment, admission } = turn;
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
    // Reply audio from before the turn was committed and admitted: none of it reaches the speaker until then.
    const uncommitted: Int16Array[] = [];
    let firstAudioAt: number | undefined;
    let playbackAt: number | undefined;
    let failure: BotError | undefined;
    // The request stops with the turn (barge-in, reset) or at the reply length limit.
    const lengthLimit = new AbortController();
    const requestSignal = AbortSignal.any([turn.controller.signal, lengthLimit.signal]);
    const maxReplySamples = Math.round(((this.#options.maxReplyMs ?? DEFAULT_MAX_REPLY_MS) / 1000) * MODEL_OUTPUT_SAMPLE_RATE);
    let receivedSamples = 0;
    let capped = false;
    let usage: OmniUsage | undefined;
    let usageRecorded = false;
    let request: OmniRequest | undefined;

    // The reply may wait for the output (a chat answer is playing): it is speaking once the channel hears it.
    const onPlaying = (): void => {
      if (!reply || !owns()) return;
      playbackAt = this.#now();
      this.state = { status: 'speaking', turn, playback: reply };
    };
    const toSpeaker = (pcm: Int16Array): void => {
      reply ??= this.#options.speaker.speak({ kind: 'reply', jitterMs: this.#options.jitterMs, onPlaying });
      reply.push(pcm);
    };
    /** Audio held while the turn was pending goes to the speaker at once when it is committed and admitted. */
    const release = (): void => {
      if (owns() && commitment.committed && admission.confirmed) uncommitted.splice(0).forEach(toSpeaker);
    };
    const feed = (pcm: Int16Array): void => {
      if (capped) return;
      if (receivedSamples + pcm.length >= maxReplySamples) {
        // The length limit: keep what fits, stop the request; the audio then ends at a frame boundary.
        pcm = pcm.subarray(0, maxReplySamples - receivedSamples);
        capped = true;
        lengthLimit.abort();
      }
      receivedSamples += pcm.length;
      uncommitted.push(pcm);
      release();
    };
    /** No more audio is coming: the rest of the jitter buffer plays out, however little arrived. */
    const playToEnd = async (): Promise<void> => {
      if (!owns()) return;
      release();
      if (!reply) return;
      reply.end();
      await reply.finished;
    };

    // A reply that arrived while the turn was pending starts playing the moment it is committed.
    if (commitment.pending) void commitment.settled.then((committed) => committed && release());
    void admission.settled.then((refusal) => (refusal === undefined ? release() : this.#refused(turn, refusal)));
    const requestAt = this.#now();
    try {
      request = this.#request(spoken, utterance.speakerId);
      const events = streamWithFirstAudioDeadline(this.#options.omni, request, {
        deadlineMs: this.#options.firstAudioTimeoutMs ?? DEFAULT_FIRST_AUDIO_TIMEOUT_MS,
        signal: requestSignal,
        onWaiting: () => {
          // Nothing shows for a speculative turn until it is committed.
          if (owns() && commitment.committed) this.#options.chat.typing?.();
        },
      });
      for await (const event of events) {
        if (!owns() || capped) break;
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
          usage = event.usage;
          usageRecorded = commitment.committed && admission.confirmed;
          if (usageRecorded) this.#options.policy.recordUsage(utterance.speakerId, event.usage);
        }
      }
    } catch (error) {
      failure = error instanceof BotError ? error : new BotError(String(error), { cause: error });
    }
    // A speculative turn waits here for its speaker: committed, it goes on as any turn; dropped, only its cost remains.
    const committed = await commitment.settled;
    // A committed turn waits for its admission too (a dropped one's goes with the rest of its utterance).
    const refusal = committed ? await admission.settled : admission.refusal;
    if (refusal !== undefined) {
      // Refused within milliseconds of its request, before the model worked on it: only what it reported counts.
      this.#refused(turn, refusal);
      if (usage) this.#options.policy.recordUsage(utterance.speakerId, usage, true);
      this.#startNext();
      return;
    }
    if (!committed) {
      uncommitted.length = 0;
      this.#dropped(utterance.speakerId, request, usage, text);
      this.#startNext();
      return;
    }
    try {
      if (usage && !usageRecorded) this.#options.policy.recordUsage(utterance.speakerId, usage);
      if (failure) throw failure;
      if (verdict === 'undecided') {
        verdict = silentVerdict(text, true);
        if (verdict === 'speak') held.splice(0).forEach(feed);
      }
      if (verdict === 'speak') await playToEnd();
    } catch (error) {
      failure = error instanceof BotError ? error : new BotError(String(error), { cause: error });
      this.#options.log.warn({ err: error, guildSpeaker: utterance.speakerId }, 'voice turn failed');
      const told = owns();
      // Cut part-way: the person hears what did arrive, then the notice.
      if (verdict === 'speak') await playToEnd();
      if (told) this.#notice(failure.userMessage);
    }
    // Anything but a reply played to its end is cut here; with a worker the final figure comes back later.
    if (failure || verdict !== 'speak' || !owns()) reply?.stop();
    const receivedMs = reply?.receivedMs ?? 0;
    const playedMs = reply ? Math.min(await reply.finished, receivedMs) : 0;

    const silent = verdict === 'silent';
    // Cut short by a barge-in or reset (not by finishing): only the part played was heard.
    const interrupted = !silent && turn.controller.signal.aborted;
    const cut = capped ? 'length-limit' : failure && playedMs > 0 ? 'failure' : undefined;
    const partial = interrupted || cut !== undefined;
    // Text runs ahead of audio, so the reply's full length is at least what its text takes to say.
    const heard = partial ? heardPart(text, playedMs, Math.max(receivedMs, estimatedSpeechMs(text))) : text;
    if (turn.record && !silent) {
      this.history.add(spoken);
      if (heard || partial) this.history.add({ role: 'assistant', text: partial ? `${heard}${INTERRUPTED_MARK}` : heard });
      if (text && this.#options.policy.transcriptEnabled())
        this.#options.chat.post(`**${this.#options.botName}** → ${utterance.speakerName}: ${heard}${partial ? ' …' : ''}`);
    }
    if (!silent && !failure) {
      // A committed speculative turn ended later than it started: its request went out before this (negative).
      const { endedAtMs } = turn.utterance;
      this.#timings.push({
        speakerId: utterance.speakerId,
        toRequestMs: requestAt - endedAtMs,
        toFirstAudioMs: firstAudioAt === undefined ? undefined : firstAudioAt - endedAtMs,
        toPlaybackMs: playbackAt === undefined ? undefined : playbackAt - endedAtMs,
      });
      if (this.#timings.length > RECENT_TIMINGS) this.#timings.shift();
    }
    this.emit('turnDone', {
      speakerId: utterance.speakerId,
      text,
      heardText: heard,
      playedMs,
      interrupted,
      silent,
      ...(cut ? { cut } : {}),
      ...(failure ? { error: failure } : {}),
    });
    if (owns()) this.state = { status: 'listening' };
    this.#startNext();
  }

  /**
   * The shared admission refused the turn in progress (another process admitted this person first, or their
   * cap is reached): its request stops and the queue moves on. A speculative turn's notice waits for its commit.
   */
  #refused(turn: ActiveTurn, refusal: string): void {
    if (!('turn' in this.#state) || this.#state.turn !== turn) return;
    this.#options.log.debug({ userId: turn.utterance.speakerId }, 'turn refused by the shared admission');
    if (turn.commitment.pending) this.#admittedAhead.set(turn.utterance.speakerId, turn.admission);
    else this.#notice(refusal);
    this.state = { status: 'listening' };
  }

  /** A speculative request dropped before its turn was committed: nothing was heard, only its cost is kept. */
  #dropped(speakerId: string, request: OmniRequest | undefined, reported: OmniUsage | undefined, text: string): void {
    if (!request) return;
    const usage = wastedUsage(request, reported, text);
    this.#options.policy.recordUsage(speakerId, usage, true);
    this.emit('speculationDropped', { speakerId, usage });
  }
}
