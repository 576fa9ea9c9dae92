/**
 * Store operations per voice turn and their latency, on SQLite and on PostgreSQL (a real local server, started
 * like the tests start theirs). A turn asks the store, synchronously, for what the session policy needs
 * (listen mode, admission, voice, persona, transcript) and hands it the reply's usage; that synchronous part
 * is what the audio path could wait on, and is timed per turn. Separately: each database operation's own
 * latency, and (PostgreSQL) how long a settings change made by another process takes to reach this one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../src/log.ts';
import type { OmniUsage } from '../src/omni/events.ts';
import { CostControl, VOICE_ADMISSION_WAIT_MS } from '../src/session/CostControl.ts';
import { PostgresStore } from '../src/store/postgres/PostgresStore.ts';
import { SqliteStore } from '../src/store/SqliteStore.ts';
import { type Store, sqliteAsStore } from '../src/store/Store.ts';
import { StoreCache } from '../src/store/StoreCache.ts';
import { postgresUnavailable, startPostgres, type TestPostgres } from '../test/store/postgres.ts';
import { atMost, type Figure, figure, type Section } from './lib/figures.ts';
import { p95, summary } from './lib/stats.ts';

const USERS = 100;
const GUILDS = 10;
const USAGE: OmniUsage = {
  input: { text: 120, audio: 900, image: 0, video: 0, total: 1020 },
  output: { text: 40, audio: 600, reasoning: 0, total: 640 },
  total: 1660,
};

/** Counts calls into the store's async interface and its synchronous reads. */
function counted(store: Store): { store: Store; calls: () => number } {
  let calls = 0;
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(object, key, receiver) {
        const value = Reflect.get(object, key, receiver);
        if (typeof value !== 'function' || key === 'day') return value;
        return (...args: unknown[]) => {
          calls++;
          return (value as (...a: unknown[]) => unknown).apply(object, args);
        };
      },
    });
  const proxy: Store = {
    engine: store.engine,
    location: store.location,
    ...(store.peek ? { peek: wrap(store.peek) } : {}),
    settings: wrap(store.settings),
    usage: wrap(store.usage),
    describeChannels: store.describeChannels,
    voiceChannels: store.voiceChannels,
    onChange: (listener) => store.onChange(listener),
    onHealth: (listener) => store.onHealth(listener),
    close: () => store.close(),
  };
  return { store: proxy, calls: () => calls };
}

async function timeEach(count: number, op: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await op(i);
    samples.push(performance.now() - started);
  }
  return samples;
}

interface EngineResult {
  readonly opsPerTurn: number;
  readonly turnSyncMs: number[];
  readonly ops: Record<string, number[]>;
  readonly propagationMs?: number[];
}

async function measure(raw: Store, turns: number, otherProcess: (() => Promise<Store>) | undefined): Promise<EngineResult> {
  const { store, calls } = counted(raw);
  const cache = new StoreCache(store, createLogger('silent'));
  const costs = new CostControl(cache, { dailyTokenCap: 1_000_000_000, userCooldownMs: 0 });
  const user = (i: number): string => `user-${i % USERS}`;
  const guild = (i: number): string => `guild-${i % GUILDS}`;
  for (let u = 0; u < USERS; u += 2) await raw.settings.setUserVoice(user(u), 'Ethan');
  for (let g = 0; g < GUILDS; g++) await raw.settings.updateGuildSettings(guild(g), { voice: 'Cherry', persona: 'Be brief.' });
  for (let u = 0; u < USERS; u++) await cache.warm(user(u), guild(u));

  // The synchronous part of a turn, as VoiceManager's session policy calls it.
  const before = calls();
  const turnSyncMs: number[] = [];
  for (let i = 0; i < turns; i++) {
    const started = performance.now();
    cache.guildSettings(guild(i)).listen;
    costs.check(user(i), guild(i));
    // Asked as the turn starts; only the reply's audio waits for it (not part of the synchronous time).
    const admitted = costs.admitShared(user(i), guild(i), VOICE_ADMISSION_WAIT_MS);
    cache.resolveVoice(user(i), guild(i), 'Chelsie', () => true);
    cache.guildSettings(guild(i)).persona;
    cache.guildSettings(guild(i)).transcript.enabled;
    costs.record(user(i), guild(i), USAGE);
    turnSyncMs.push(performance.now() - started);
    await admitted;
    // Real turns are seconds apart: let this one's background writes finish before the next (otherwise ledger
    // writes merge and the count per turn looks smaller than it is).
    await cache.drained();
  }
  await cache.drained();
  await cache.settled();
  const opsPerTurn = (calls() - before) / turns;

  const n = Math.max(50, Math.floor(turns / 2));
  const call = { input: USAGE.input, output: USAGE.output };
  const ops = {
    recordUsage: await timeEach(n, (i) => raw.usage.recordUsage({ userId: user(i), guildId: guild(i), ...call })),
    admit: await timeEach(n, (i) => raw.usage.admit({ userId: user(i), guildId: guild(i), cap: 1_000_000_000, cooldownMs: 0, nowMs: Date.now() })),
    getGuildSettings: await timeEach(n, (i) => raw.settings.getGuildSettings(guild(i))),
    resolveVoice: await timeEach(n, (i) => raw.settings.resolveVoice(user(i), guild(i), 'Chelsie', () => true)),
  };

  let propagationMs: number[] | undefined;
  if (otherProcess) {
    // Another process (its own connections and LISTEN) changes a persona; time until this cache answers it.
    const other = await otherProcess();
    propagationMs = [];
    for (let i = 0; i < Math.max(10, Math.floor(turns / 20)); i++) {
      const persona = `Persona ${i}.`;
      const started = performance.now();
      await other.settings.updateGuildSettings('guild-0', { persona });
      while (cache.guildSettings('guild-0').persona !== persona) await new Promise((resolve) => setTimeout(resolve, 1));
      propagationMs.push(performance.now() - started);
    }
    await other.close();
  }
  await cache.close();
  return { opsPerTurn, turnSyncMs, ops, ...(propagationMs ? { propagationMs } : {}) };
}

export const run: Section = async ({ smoke, log }) => {
  const turns = smoke ? 200 : 5_000;
  const figures: Figure[] = [];
  const notes: string[] = [];
  const detail: Record<string, unknown> = { turns };

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-store-'));
  try {
    log(`sqlite: ${turns} turns`);
    const sqlite = sqliteAsStore(SqliteStore.open(dir));
    const lite = await measure(sqlite, turns, undefined);
    await sqlite.close();
    report('sqlite', 'SQLite', lite);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const unavailable = postgresUnavailable();
  let server: TestPostgres | undefined;
  try {
    if (unavailable) throw new Error(unavailable);
    log(`postgres: starting a local server, ${turns} turns`);
    server = await startPostgres();
    const url = await server.createDatabase();
    const pgStore = await PostgresStore.open(url);
    const pgResult = await measure(pgStore, turns, () => PostgresStore.open(url));
    await pgStore.close();
    report('postgres', 'PostgreSQL', pgResult);
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    for (const id of ['opsPerTurn', 'turn.syncP95', 'recordUsage.p95', 'admit.p95', 'read.p95', 'propagation.p95']) {
      figures.push(figure(`store.postgres.${id}`, `PostgreSQL ${id}`, null, '', undefined, `skipped: ${why}`));
    }
    notes.push(`PostgreSQL skipped: ${why}`);
  } finally {
    server?.close();
  }
  notes.push(
    'A turn reads settings, voice, admission and today’s tokens from StoreCache and queues its usage; on PostgreSQL none of that touches the network. The atomic admission is asked as the turn starts and only the reply’s audio waits for it (its p95 above); the ledger write goes in the background.',
  );
  return { name: 'store', title: '6. Store: operations per voice turn and their latency, SQLite and PostgreSQL', figures, notes, detail };

  function report(key: 'sqlite' | 'postgres', name: string, result: EngineResult): void {
    detail[key] = {
      opsPerTurn: result.opsPerTurn,
      turnSyncMs: summary(result.turnSyncMs, 4),
      ops: Object.fromEntries(Object.entries(result.ops).map(([op, samples]) => [op, summary(samples, 3)])),
      ...(result.propagationMs ? { propagationMs: summary(result.propagationMs, 1) } : {}),
    };
    figures.push(
      figure(`store.${key}.opsPerTurn`, `${name}: store operations per voice turn (database calls)`, result.opsPerTurn, ''),
      figure(`store.${key}.turn.syncP95`, `${name}: time a turn spends in the store on the audio path, p95`, p95(result.turnSyncMs), 'ms', atMost(1, 'ms')),
      figure(`store.${key}.recordUsage.p95`, `${name}: ledger write (background), p95`, p95(result.ops.recordUsage!), 'ms'),
      figure(`store.${key}.admit.p95`, `${name}: atomic admission (cap + cooldown), p95`, p95(result.ops.admit!), 'ms'),
      figure(
        `store.${key}.read.p95`,
        `${name}: settings read / voice resolve (commands), p95`,
        p95([...result.ops.getGuildSettings!, ...result.ops.resolveVoice!]),
        'ms',
      ),
    );
    if (result.propagationMs) {
      figures.push(
        figure(
          `store.${key}.propagation.p95`,
          `${name}: a settings change by another process reaches this one, p95`,
          p95(result.propagationMs),
          'ms',
          atMost(1000, 'ms'),
        ),
      );
    }
  }
};
