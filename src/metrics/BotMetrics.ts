/**
 * What an operator watches, as Prometheus metrics (prom-client): voice guilds, turns and their outcomes,
 * end of speech -> reply playing and model first-audio latency, errors by kind, gateway health, plus the
 * process's own CPU, memory, GC and event-loop delay. One registry per process; labels name the shard.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { OmniError } from '../errors.ts';
import type { TurnOutcome, TurnTiming } from '../session/VoiceSession.ts';

/** Latency buckets (s): a voice reply is good under 1 s and bad past 3 s. */
const LATENCY_BUCKETS = [0.1, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 3, 5, 10];

export interface GatewayHealth {
  /** Whether the gateway connection is up and identified. */
  ready(): boolean;
  /** Heartbeat round trip (ms), -1 when unknown. */
  pingMs(): number;
}

export class BotMetrics {
  readonly registry = new Registry();
  readonly #turns: Counter<'outcome'>;
  readonly #replyLatency: Histogram;
  readonly #modelFirstAudio: Histogram;
  readonly #errors: Counter<'kind'>;

  constructor(options: { readonly shard?: number; readonly voiceGuilds: () => number; readonly gateway: GatewayHealth }) {
    if (options.shard !== undefined) this.registry.setDefaultLabels({ shard: String(options.shard) });
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    new Gauge({
      name: 'voice_guilds',
      help: 'Servers where the bot is in a voice channel',
      registers,
      collect() {
        this.set(options.voiceGuilds());
      },
    });
    new Gauge({
      name: 'gateway_up',
      help: '1 when the gateway connection is identified and ready',
      registers,
      collect() {
        this.set(options.gateway.ready() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'gateway_ping_seconds',
      help: 'Gateway heartbeat round trip',
      registers,
      collect() {
        const ms = options.gateway.pingMs();
        if (ms >= 0) this.set(ms / 1000);
      },
    });
    this.#turns = new Counter({ name: 'voice_turns_total', help: 'Voice turns by outcome', labelNames: ['outcome'], registers });
    this.#replyLatency = new Histogram({
      name: 'voice_reply_latency_seconds',
      help: 'End of speech detected -> reply starts playing (jitter buffer included)',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#modelFirstAudio = new Histogram({
      name: 'model_first_audio_seconds',
      help: 'Request sent -> first reply audio from the model',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#errors = new Counter({ name: 'errors_total', help: 'Failed turns and requests by kind', labelNames: ['kind'], registers });
  }

  /** A voice turn ended: its outcome, and its timings when it was answered. */
  turnDone(outcome: TurnOutcome, timing: TurnTiming | undefined): void {
    const label = outcome.error ? 'failed' : outcome.silent ? 'silent' : outcome.interrupted ? 'interrupted' : 'answered';
    this.#turns.inc({ outcome: label });
    if (outcome.error) this.error(outcome.error);
    if (!timing || outcome.error || outcome.silent) return;
    if (timing.toPlaybackMs !== undefined) this.#replyLatency.observe(timing.toPlaybackMs / 1000);
    if (timing.toFirstAudioMs !== undefined) this.#modelFirstAudio.observe((timing.toFirstAudioMs - timing.toRequestMs) / 1000);
  }

  /** Counts a failure by kind: the model's error kinds, or the error's class name. */
  error(error: unknown): void {
    const kind = error instanceof OmniError ? `model_${error.kind}` : error instanceof Error ? error.name : 'unknown';
    this.#errors.inc({ kind });
  }
}
