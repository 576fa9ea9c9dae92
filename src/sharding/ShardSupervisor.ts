/**
 * `npm start` with SHARD_COUNT set: this process holds no gateway connection of its own; it starts one bot
 * process per shard with discord.js's ShardingManager (each a full bot: gateway shard, voice workers,
 * store), in start waves that respect Discord's identify rate, restarts a shard process that dies, and on
 * SIGTERM / SIGINT stops every shard cleanly (each leaves its voice channels) before exiting.
 */
import { ShardingManager, type Shard } from 'discord.js';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log.ts';
import { startWaves, type ShardPlan } from './shardPlan.ts';

/** Discord refills each identify bucket every 5 s; a little margin for clock differences. */
const WAVE_INTERVAL_MS = 5_500;
/** How long a shard may take to log in and become ready. */
const SHARD_READY_TIMEOUT_MS = 60_000;
/** How long shards get to leave voice and exit on shutdown before they are killed. */
const SHUTDOWN_GRACE_MS = 5_000;

const BOT_ENTRY = fileURLToPath(new URL('../main.ts', import.meta.url));

export class ShardSupervisor {
  readonly #manager: ShardingManager;
  readonly #plan: ShardPlan;
  readonly #log: Logger;

  constructor(plan: ShardPlan, token: string, log: Logger) {
    this.#plan = plan;
    this.#log = log;
    this.#manager = new ShardingManager(BOT_ENTRY, {
      token,
      totalShards: plan.count,
      shardList: [...plan.ids],
      mode: 'process',
      respawn: true,
      execArgv: ['--disable-warning=ExperimentalWarning'],
    });
    this.#manager.on('shardCreate', (shard) => this.#watch(shard));
  }

  /** Starts every shard of this machine, wave by wave; resolves when all are ready. */
  async start(): Promise<void> {
    const waves = startWaves(this.#plan);
    this.#log.info({ shards: this.#plan.ids, of: this.#plan.count, waves: waves.length, maxConcurrency: this.#plan.maxConcurrency }, 'starting shards');
    for (const [index, wave] of waves.entries()) {
      if (index > 0) await new Promise((resolve) => setTimeout(resolve, WAVE_INTERVAL_MS));
      await Promise.all(wave.map((id) => this.#manager.createShard(id).spawn(SHARD_READY_TIMEOUT_MS)));
    }
    this.#log.info({ shards: this.#plan.ids.length }, 'all shards ready');
  }

  /** Stops every shard process: each gets SIGTERM (and leaves voice); stragglers are killed after the grace time. */
  async stop(): Promise<void> {
    this.#manager.respawn = false;
    const exits = [...this.#manager.shards.values()].map((shard) => this.#stopShard(shard));
    await Promise.all(exits);
  }

  async #stopShard(shard: Shard): Promise<void> {
    const child = shard.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), SHUTDOWN_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }

  #watch(shard: Shard): void {
    const log = this.#log.child({ shard: shard.id });
    shard.on('spawn', (child) => log.info({ pid: 'pid' in child ? child.pid : undefined }, 'shard process started'));
    shard.on('ready', () => log.info('shard ready'));
    shard.on('death', (child) => {
      if (!this.#manager.respawn) return;
      const exit = 'signalCode' in child ? { exitCode: child.exitCode, signal: child.signalCode } : {};
      log.error(exit, 'shard process died: restarting it');
    });
    shard.on('error', (error) => log.error({ err: error }, 'shard error'));
  }
}
