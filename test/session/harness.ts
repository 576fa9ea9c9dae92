/** Builds a VoiceSession wired to the fake model over HTTP, a fake voice output and in-memory settings. */
import { once } from 'node:events';
import { createLogger } from '../../src/log.ts';
import { MODELS } from '../../src/omni/catalogue.ts';
import { OmniClient, type ReplyStreamer } from '../../src/omni/client.ts';
import { GuildSpeaker } from '../../src/playback/GuildSpeaker.ts';
import type { OmniUsage } from '../../src/omni/events.ts';
import type { ListenMode } from '../../src/session/prompt.ts';
import { VoiceSession, type TurnOutcome, type Utterance } from '../../src/session/VoiceSession.ts';
import { sine } from '../audio/signal.ts';
import type { FakeOmni } from '../fakes/omni/server.ts';
import { withTimeout } from '../sim/waiters.ts';
import { FakeVoiceOutput } from '../support/fakeVoiceOutput.ts';

export interface SessionHarness {
  readonly session: VoiceSession;
  readonly output: FakeVoiceOutput;
  /** The guild's speech owner in front of `output`, as VoiceManager builds it. */
  readonly speaker: GuildSpeaker;
  readonly posts: string[];
  /** How many times the session showed it was working (typing). */
  readonly typing: { count: number };
  readonly usage: Array<{ userId: string; usage: OmniUsage; speculative?: boolean }>;
  readonly settings: {
    mode: ListenMode;
    onlyUser?: string;
    voices: Map<string, string>;
    /** Memory's refusal (policy.admit). */
    refuse?: string;
    /** The shared admission's answer (policy.confirmAdmission); confirmed at once when unset. */
    confirm?: (userId: string) => Promise<string | undefined>;
    transcript: boolean;
    speculate: boolean;
  };
  /** Whom the policy was asked about, in order: memory's check, and the shared confirmation. */
  readonly admissions: { readonly checked: string[]; readonly confirmed: string[] };
  /** Resolves with the next finished turn. */
  nextTurn(): Promise<TurnOutcome>;
}

export interface SessionHarnessOptions {
  readonly jitterMs?: number;
  readonly now?: () => number;
  readonly firstAudioTimeoutMs?: number;
  readonly maxReplyMs?: number;
  /** Wraps the model client the session uses (to watch what it takes from the stream). */
  readonly omni?: (client: ReplyStreamer) => ReplyStreamer;
}

export function createSessionHarness(fake: FakeOmni, options: SessionHarnessOptions = {}): SessionHarness {
  const output = new FakeVoiceOutput();
  const speaker = new GuildSpeaker(output);
  const posts: string[] = [];
  const typing = { count: 0 };
  const usage: SessionHarness['usage'] = [];
  const admissions: SessionHarness['admissions'] = { checked: [], confirmed: [] };
  const settings: SessionHarness['settings'] = { mode: 'everyone', voices: new Map(), transcript: false, speculate: true };
  const session = new VoiceSession({
    omni: (options.omni ?? ((client) => client))(new OmniClient({ apiKey: 'test-key', baseURL: fake.baseURL, maxRetryDelayMs: 0 })),
    model: MODELS['qwen3-omni-flash']!,
    botName: 'Omni',
    speaker,
    chat: { post: (text) => posts.push(text), typing: () => typing.count++ },
    log: createLogger('silent'),
    jitterMs: options.jitterMs ?? 60,
    ...(options.now ? { now: options.now } : {}),
    ...(options.firstAudioTimeoutMs ? { firstAudioTimeoutMs: options.firstAudioTimeoutMs } : {}),
    ...(options.maxReplyMs ? { maxReplyMs: options.maxReplyMs } : {}),
    policy: {
      listenMode: () => ({ mode: settings.mode, ...(settings.onlyUser ? { userId: settings.onlyUser } : {}) }),
      voiceFor: (userId) => settings.voices.get(userId) ?? 'Cherry',
      persona: () => undefined,
      admit: (userId) => {
        admissions.checked.push(userId);
        return settings.refuse;
      },
      confirmAdmission: (userId) => {
        admissions.confirmed.push(userId);
        return settings.confirm?.(userId) ?? Promise.resolve(undefined);
      },
      recordUsage: (userId, record, speculative) => usage.push({ userId, usage: record, ...(speculative ? { speculative } : {}) }),
      speculate: () => settings.speculate,
      transcriptEnabled: () => settings.transcript,
    },
  });
  return {
    session,
    output,
    speaker,
    posts,
    typing,
    usage,
    settings,
    admissions,
    nextTurn: async (timeoutMs = 20_000) => (await withTimeout(once(session, 'turnDone'), timeoutMs, 'the session to finish a turn'))[0] as TurnOutcome,
  };
}

/** A spoken utterance stand-in: a tone of `seconds` at 16 kHz whose pitch identifies the speaker. */
export function utterance(speakerId: string, seconds = 1, toneHz = 200): Utterance {
  return {
    speakerId,
    speakerName: speakerId[0]!.toUpperCase() + speakerId.slice(1),
    samples: sine({ frequency: toneHz, sampleRate: 16_000, seconds, amplitude: 0.3 }),
    endedAtMs: performance.now(),
  };
}
