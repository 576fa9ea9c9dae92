/**
 * Which gateway shards this machine runs: the total (`SHARD_COUNT`, a number or `auto` = Discord's
 * recommendation) and this machine's ids (`SHARD_IDS`, default all), plus how many may identify at once.
 */
import { REST, Routes } from 'discord.js';
import { ConfigError } from '../errors.ts';

export interface ShardSettings {
  readonly count: number | 'auto';
  /** Shard ids this machine runs; undefined = all of them. */
  readonly ids: readonly number[] | undefined;
}

export interface ShardPlan {
  readonly count: number;
  readonly ids: readonly number[];
  /** `session_start_limit.max_concurrency`: shards with different `id % maxConcurrency` may start together. */
  readonly maxConcurrency: number;
}

interface GatewayBot {
  readonly shards: number;
  readonly session_start_limit: { readonly max_concurrency: number };
}

/** "0-3,7" -> [0, 1, 2, 3, 7]; undefined when the text is not such a list. */
export function parseShardIds(text: string): number[] | undefined {
  const ids = new Set<number>();
  for (const part of text.split(',').map((p) => p.trim())) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!match) return undefined;
    const from = Number(match[1]);
    const to = Number(match[2] ?? match[1]);
    if (to < from || to - from > 10_000) return undefined;
    for (let id = from; id <= to; id++) ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}

/** Asks Discord (or the configured REST base) for the recommended count and the identify concurrency. */
export async function resolveShardPlan(settings: ShardSettings, discord: { token: string; apiUrl: string | undefined }): Promise<ShardPlan> {
  const rest = new REST(discord.apiUrl ? { api: discord.apiUrl } : {}).setToken(discord.token);
  const gateway = (await rest.get(Routes.gatewayBot())) as GatewayBot;
  const count = settings.count === 'auto' ? gateway.shards : settings.count;
  const ids = settings.ids ?? [...Array(count).keys()];
  const outside = ids.filter((id) => id >= count);
  if (outside.length > 0) throw new ConfigError([`SHARD_IDS names shard ${outside.join(', ')}, but there are only ${count} shards (0 to ${count - 1}).`]);
  return { count, ids, maxConcurrency: Math.max(1, gateway.session_start_limit.max_concurrency) };
}

/**
 * Start waves that respect Discord's identify rate: within a wave no two shards share a bucket
 * (`id % maxConcurrency`), and waves start 5 s apart.
 */
export function startWaves(plan: ShardPlan): number[][] {
  const waves: number[][] = [];
  for (const id of plan.ids) {
    const bucket = id % plan.maxConcurrency;
    const wave = waves.find((w) => !w.some((other) => other % plan.maxConcurrency === bucket));
    if (wave) wave.push(id);
    else waves.push([id]);
  }
  return waves;
}
