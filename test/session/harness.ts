/** Builds a VoiceSession wired to the fake model over HTTP, a fake voice output and in-memory settings. */
import { once } from 'node:events';
import { createLogger } from '../../src/log.ts';
import { MODELS } from '../../src/omni/catalogue.ts';
import { OmniClient } from '../../src/omni/client.ts';
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
  readonly posts: string[];
  readonly usage: Array<{ userId: string; usage: OmniUsage }>;
  readonly settings: { mode: ListenMode; onlyUser?: string; voices: Map<string, string>; refuse?: string; transcript: boolean };
  /** Resolves with the next finished turn. */
  nextTurn(): Promise<TurnOutcome>;
}

export function createSessionHarness(fake: FakeOmni, options: { jitterMs?: number; now?: () => number } = {}): SessionHarness {
  const output = new FakeVoiceOutput();
  const posts: string[] = [];
  const usage: SessionHarness['usage'] = [];
  const settings: SessionHarness['settings'] = { mode: 'everyone', voices: new Map(), transcript: false };
  const session = new VoiceSession({
    omni: new OmniClient({ apiKey: 'test-key', baseURL: fake.baseURL, maxRetryDelayMs: 0 }),
    model: MODELS['qwen3-omni-flash']!,
    botName: 'Omni',
    output,
    chat: { post: (text) => posts.push(text) },
    log: createLogger('silent'),
    jitterMs: options.jitterMs ?? 60,
    ...(options.now ? { now: options.now } : {}),
    policy: {
      listenMode: () => ({ mode: settings.mode, ...(settings.onlyUser ? { userId: settings.onlyUser } : {}) }),
      voiceFor: (userId) => settings.voices.get(userId) ?? 'Cherry',
      persona: () => undefined,
      admit: () => settings.refuse,
      recordUsage: (userId, record) => usage.push({ userId, usage: record }),
      transcriptEnabled: () => settings.transcript,
    },
  });
  return {
    session,
    output,
    posts,
    usage,
    settings,
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
