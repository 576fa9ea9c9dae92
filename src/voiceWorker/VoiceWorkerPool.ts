/**
 * The main thread's pool of voice workers: starts them, puts each joining guild on the least-loaded one,
 * routes every worker message to its guild, and replaces a worker that dies (its guilds hear of it through
 * `onLost` and join again; guilds on other workers notice nothing).
 */
import { getCACertificates } from 'node:tls';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log.ts';
import type { GuildVoiceLink, ThreadHealth, VoiceHost, VoiceHostHealth, VoiceJoinRequest } from '../discord/voice/VoiceHost.ts';
import type { FromWorker, ToWorker, WorkerSettings } from './protocol.ts';
import { RemoteGuildVoice, type RemotePlayback, type WorkerChannel } from './RemoteGuildVoice.ts';
import { type ModelStreamMessage, WorkerReplyStreamer } from './WorkerReplyStreamer.ts';

const WORKER_ENTRY = new URL('./worker.ts', import.meta.url);
/** A worker whose heap grows past this is ended (and replaced) instead of slowing the whole process. */
const MAX_OLD_GENERATION_MB = 512;
/** A worker too busy to answer a health request this fast is reported without its figures. */
const STATS_TIMEOUT_MS = 500;

export type PoolSettings = Omit<WorkerSettings, 'workerId' | 'caCertificates'>;

export interface StartedWorker {
  readonly opus: string;
  readonly dave: boolean;
  /** Its scheduling priority, in words ("nice -10", or why it stayed at 0). */
  readonly priority: string;
}

class VoiceWorker implements WorkerChannel {
  readonly workerId: number;
  readonly thread: Worker;
  readonly guilds = new Map<string, RemoteGuildVoice>();
  readonly replies = new Map<number, RemotePlayback>();
  readonly started: Promise<StartedWorker>;
  readonly modelStreamer: WorkerReplyStreamer | undefined;
  readonly #nextReplyId: () => number;
  /** Answers to `stats-request`, oldest first. */
  readonly statsWaiters: Array<(stats: ThreadHealth['packets'] & { loopDelayP99Ms: number }) => void> = [];
  dead = false;

  constructor(workerId: number, settings: PoolSettings, nextId: () => number) {
    this.workerId = workerId;
    this.#nextReplyId = nextId;
    this.modelStreamer = settings.model
      ? new WorkerReplyStreamer({ post: (message, transfer) => this.post(message, transfer), nextStreamId: nextId })
      : undefined;
    this.thread = new Worker(WORKER_ENTRY, {
      // The voice gateway is TLS: the worker trusts what this thread trusts now (system store, NODE_EXTRA_CA_CERTS, or more).
      workerData: { ...settings, workerId, caCertificates: getCACertificates('default') } satisfies WorkerSettings,
      resourceLimits: { maxOldGenerationSizeMb: MAX_OLD_GENERATION_MB },
    });
    this.started = new Promise((resolve, reject) => {
      const onMessage = (message: FromWorker): void => {
        if (message.type !== 'started') return;
        this.thread.off('message', onMessage);
        resolve({ opus: message.opus, dave: message.dave, priority: message.priority });
      };
      this.thread.on('message', onMessage);
      this.thread.once('exit', (code) => reject(new Error(`voice worker ${workerId} exited with code ${code} before it started`)));
    });
    this.started.catch(() => {});
  }

  post(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    if (!this.dead) this.thread.postMessage(message, transfer);
  }

  nextReplyId(): number {
    return this.#nextReplyId();
  }

  trackReply(replyId: number, reply: RemotePlayback): void {
    this.replies.set(replyId, reply);
    void reply.finished.then(() => this.replies.delete(replyId));
  }
}

export class VoiceWorkerPool implements VoiceHost {
  readonly size: number;
  readonly #settings: PoolSettings;
  readonly #log: Logger;
  /** One slot per worker; a dead worker's slot gets its replacement. */
  readonly #slots: Array<VoiceWorker | undefined>;
  #workerIds = 0;
  /** Reply and stream ids, unique within the pool. */
  #ids = 0;
  #closing = false;
  #deaths = 0;

  constructor(options: { size: number; settings: PoolSettings; log: Logger }) {
    this.size = options.size;
    this.#settings = options.settings;
    this.#log = options.log;
    this.#slots = Array.from({ length: options.size }, () => undefined);
  }

  /** Starts every worker and resolves with what each loaded (for doctor and start-up checks). */
  async start(): Promise<StartedWorker[]> {
    return Promise.all(this.#slots.map((_, slot) => this.#workerIn(slot).started));
  }

  async join(request: VoiceJoinRequest): Promise<GuildVoiceLink> {
    const worker = this.#leastLoaded();
    const voice = new RemoteGuildVoice(worker, request);
    worker.guilds.set(request.guildId, voice);
    return voice.joined;
  }

  /** The worker a guild's voice is on, if any. */
  workerOf(guildId: string): { readonly workerId: number; readonly thread: Worker } | undefined {
    return this.#slots.find((worker) => worker?.guilds.has(guildId));
  }

  /** Each running worker's guilds, reply packets and event-loop delay, and how many workers died so far. */
  async health(): Promise<VoiceHostHealth> {
    const running = this.#slots.filter((worker): worker is VoiceWorker => worker !== undefined && !worker.dead);
    const threads = await Promise.all(
      running.map(async (worker): Promise<ThreadHealth> => {
        const stats = await new Promise<(ThreadHealth['packets'] & { loopDelayP99Ms: number }) | undefined>((resolve) => {
          const timer = setTimeout(() => resolve(undefined), STATS_TIMEOUT_MS);
          worker.statsWaiters.push((answer) => {
            clearTimeout(timer);
            resolve(answer);
          });
          worker.post({ type: 'stats-request' });
        });
        return {
          workerId: worker.workerId,
          guilds: worker.guilds.size,
          ...(stats ? { packets: { sent: stats.sent, starved: stats.starved }, loopDelayP99Ms: stats.loopDelayP99Ms } : {}),
        };
      }),
    );
    return { threads, deaths: this.#deaths };
  }

  /** Ends every worker (the guilds should have left first, so their op 4 leave went out). */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(this.#slots.map((worker) => worker?.thread.terminate()));
  }

  #leastLoaded(): VoiceWorker {
    let best = 0;
    for (let slot = 0; slot < this.#slots.length; slot++) {
      const worker = this.#slots[slot];
      if (!worker) return this.#workerIn(slot);
      if (worker.guilds.size < this.#workerIn(best).guilds.size) best = slot;
    }
    return this.#workerIn(best);
  }

  #workerIn(slot: number): VoiceWorker {
    const existing = this.#slots[slot];
    if (existing) return existing;
    const worker = new VoiceWorker(++this.#workerIds, this.#settings, () => ++this.#ids);
    this.#slots[slot] = worker;
    worker.thread.on('message', (message: FromWorker) => this.#route(worker, message));
    worker.thread.on('error', (error) => this.#log.error({ err: error, worker: worker.workerId }, 'voice worker crashed'));
    worker.thread.on('exit', (code) => this.#onExit(slot, worker, code));
    return worker;
  }

  #route(worker: VoiceWorker, message: FromWorker): void {
    if (worker.dead) return;
    if (message.type === 'stats') {
      worker.statsWaiters.shift()?.({ sent: message.packetsSent, starved: message.packetsStarved, loopDelayP99Ms: message.loopDelayP99Ms });
      return;
    }
    if (message.type === 'reply-finished') {
      worker.replies.get(message.replyId)?.settle(message.playedMs);
      return;
    }
    if (message.type === 'started') return;
    if (message.type === 'model-response' || message.type === 'model-event' || message.type === 'model-audio' || message.type === 'model-done') {
      worker.modelStreamer?.receive(message as ModelStreamMessage);
      return;
    }
    const voice = worker.guilds.get(message.guildId);
    if (!voice) return;
    if (message.type === 'gone' || message.type === 'join-failed') worker.guilds.delete(message.guildId);
    voice.receive(message);
  }

  /** A worker ended: unless the pool is closing, its guilds are lost (they rejoin, on a new worker in its slot). */
  #onExit(slot: number, worker: VoiceWorker, code: number): void {
    worker.dead = true;
    if (this.#slots[slot] === worker) this.#slots[slot] = undefined;
    for (const reply of worker.replies.values()) reply.abandon();
    worker.modelStreamer?.lost(`voice worker ${worker.workerId} stopped (exit code ${code})`);
    if (this.#closing) return;
    this.#deaths++;
    const guilds = [...worker.guilds.values()];
    worker.guilds.clear();
    this.#log.error({ worker: worker.workerId, code, guilds: guilds.length }, 'voice worker stopped: its guilds rejoin on a new worker');
    // The replacement starts when a guild needs it (their rejoins come at once), so a worker that cannot
    // start does not restart in a loop.
    for (const voice of guilds) voice.lost(`voice worker ${worker.workerId} stopped (exit code ${code})`);
  }
}
