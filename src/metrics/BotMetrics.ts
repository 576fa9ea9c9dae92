/**
 * What an operator watches, as Prometheus metrics (prom-client): voice guilds, turns and their outcomes,
 * end of speech -> reply playing and model first-audio latency, errors by kind, gateway health, plus the
 * process's own CPU, memory, GC and event-loop delay. One registry per process; labels name the shard.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { OmniError } from '../errors.ts';
import type { VoiceHostHealth } from '../discord/voice/VoiceHost.ts';
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

  #health: { at: number; figures: Promise<VoiceHostHealth | undefined> } | undefined;

  constructor(options: {
    readonly shard?: number;
    readonly voiceGuilds: () => number;
    readonly gateway: GatewayHealth;
    /** The voice threads' health (worker pool or main thread); undefined until voice is set up. */
    readonly voiceHealth: () => Promise<VoiceHostHealth> | undefined;
  }) {
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
    // One health request per scrape serves every voice-thread series.
    const health = (): Promise<VoiceHostHealth | undefined> => {
      const now = performance.now();
      if (!this.#health || now - this.#health.at > 1_000) this.#health = { at: now, figures: options.voiceHealth() ?? Promise.resolve(undefined) };
      return this.#health.figures;
    };
    const thread = (workerId: number | undefined): string => (workerId === undefined ? 'main' : String(workerId));
    new Gauge({
      name: 'voice_workers',
      help: 'Voice worker threads running',
      registers,
      async collect() {
        const figures = await health();
        this.set(figures ? figures.threads.filter((t) => t.workerId !== undefined).length : 0);
      },
    });
    let deathsSeen = 0;
    new Counter({
      name: 'voice_worker_deaths_total',
      help: 'Voice workers that died (their guilds rejoined on a new worker)',
      registers,
      async collect() {
        const deaths = (await health())?.deaths ?? deathsSeen;
        if (deaths > deathsSeen) this.inc(deaths - deathsSeen);
        deathsSeen = deaths;
      },
    });
    new Gauge({
      name: 'voice_thread_guilds',
      help: 'Voice connections per thread (a worker id, or main)',
      labelNames: ['thread'],
      registers,
      async collect() {
        this.reset();
        for (const t of (await health())?.threads ?? []) this.set({ thread: thread(t.workerId) }, t.guilds);
      },
    });
    new Gauge({
      name: 'voice_thread_event_loop_delay_p99_seconds',
      help: 'Event-loop delay p99 of a voice worker since the last scrape: a late loop is a late packet for its guilds',
      labelNames: ['thread'],
      registers,
      async collect() {
        this.reset();
        for (const t of (await health())?.threads ?? []) if (t.loopDelayP99Ms !== undefined) this.set({ thread: thread(t.workerId) }, t.loopDelayP99Ms / 1000);
      },
    });
    // Packet counts come as totals per thread (a new worker starts again from zero): counted here as deltas,
    // by whichever of the two series is collected first in a scrape.
    const seen = new Map<string, { sent: number; starved: number }>();
    const packets = new Counter({
      name: 'voice_reply_packets_total',
      help: 'Reply packets sent to Discord',
      labelNames: ['thread'],
      registers,
      collect: () => countPackets(),
    });
    const starved = new Counter({
      name: 'voice_reply_packets_starved_total',
      help: 'Reply frames with no audio ready (the listener hears a hole): packet gaps the bot caused',
      labelNames: ['thread'],
      registers,
      collect: () => countPackets(),
    });
    const countPackets = async (): Promise<void> => {
      for (const t of (await health())?.threads ?? []) {
        if (!t.packets) continue;
        const key = thread(t.workerId);
        const before = seen.get(key) ?? { sent: 0, starved: 0 };
        const grew = t.packets.sent >= before.sent && t.packets.starved >= before.starved;
        const since = grew ? { sent: t.packets.sent - before.sent, starved: t.packets.starved - before.starved } : t.packets;
        packets.inc({ thread: key }, since.sent);
        starved.inc({ thread: key }, since.starved);
        seen.set(key, t.packets);
      }
    };
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
