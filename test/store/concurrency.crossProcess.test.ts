// Pins that caps and cooldowns hold across processes: two processes charging one person's daily cap at once
// (200 charges) end exactly at the cap, never past it; two processes admitting one person inside a cooldown
// admit them once; two shard processes starting one person's voice turns at the same moment (memory's check,
// then the database's admission, as VoiceManager's policy does) answer one and refuse the other, and a cap
// used up through one process refuses the turn in another. Both engines: PostgreSQL is what several processes
// share, SQLite (shard processes on one machine share its file) must mean the same.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { storeTest } from './engines.ts';

const STORE_MODULE = new URL('../../src/store/Store.ts', import.meta.url).href;
const SQLITE_MODULE = new URL('../../src/store/SqliteStore.ts', import.meta.url).href;
const CACHE_MODULE = new URL('../../src/store/StoreCache.ts', import.meta.url).href;
const COSTS_MODULE = new URL('../../src/session/CostControl.ts', import.meta.url).href;
const LOG_MODULE = new URL('../../src/log.ts', import.meta.url).href;
const CHARGES_PER_PROCESS = 100;
const AMOUNT = 7;
// 100 charges fit (700); the 101st would make 707.
const CAP = 100 * AMOUNT + 3;
const ADMITS_PER_PROCESS = 50;

/** A child that opens the store, says "ready", and on "go" charges and admits at once, printing its counts. */
function childCode(engine: string, place: string): string {
  return `
    import { openStore, sqliteAsStore } from ${JSON.stringify(STORE_MODULE)};
    import { SqliteStore } from ${JSON.stringify(SQLITE_MODULE)};
    ${openCode(engine, place)}
    const call = { userId: 'u1', guildId: 'g1', input: { text: ${AMOUNT}, audio: 0, image: 0, video: 0 }, output: { text: 0, audio: 0, reasoning: 0 } };
    process.stdout.write('ready\\n');
    await new Promise((resolve) => process.stdin.once('data', resolve));
    const [charged, admitted] = await Promise.all([
      Promise.all(Array.from({ length: ${CHARGES_PER_PROCESS} }, () => store.usage.charge(call, ${CAP}))),
      Promise.all(Array.from({ length: ${ADMITS_PER_PROCESS} }, () => store.usage.admit({ userId: 'u2', guildId: 'g1', cap: 0, cooldownMs: 60000, nowMs: 1000000 }))),
    ]);
    process.stdout.write(JSON.stringify({ charged: charged.filter(Boolean).length, admitted: admitted.filter((a) => a.admitted).length }) + '\\n');
    await store.close();
    process.stdin.destroy();
  `;
}

/** Opens the store in a child. */
function openCode(engine: string, place: string): string {
  return engine === 'postgres'
    ? `const store = await openStore({ databaseUrl: ${JSON.stringify(place)}, dataDir: '/nonexistent' });`
    : `const store = sqliteAsStore(SqliteStore.open(${JSON.stringify(place)}, { busyTimeoutMs: 30000 }));`;
}

/** Spawns one child per code, waits for each to say "ready", says "go" to all, and returns each one's JSON line. */
async function runTogether(codes: readonly string[]): Promise<unknown[]> {
  const children = codes.map((code) =>
    spawn(process.execPath, ['--disable-warning=ExperimentalWarning', '--input-type=module', '-e', code], { stdio: ['pipe', 'pipe', 'pipe'] }),
  );
  const outputs = children.map((child) => {
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    return { lines, stderr: () => stderr, exit: once(child, 'close') };
  });
  for (const output of outputs) {
    const first = await output.lines.next();
    assert.equal(first.value, 'ready', `a child did not open the store: ${output.stderr()}`);
  }
  for (const child of children) child.stdin!.write('go\n');
  const results: unknown[] = [];
  for (const output of outputs) {
    const line = await output.lines.next();
    assert.ok(typeof line.value === 'string', `a child failed: ${output.stderr()}`);
    results.push(JSON.parse(line.value));
    await output.exit;
  }
  return results;
}

const COOLDOWN_MS = 60_000;
const VOICE_CAP = 1_000;

/**
 * A shard process: on "go" it starts a voice turn for Dana in its own server and one for Erin in the server
 * whose cap was used up elsewhere, each as VoiceManager's policy does: memory's check at once, then the
 * database's admission. (The wait for the database is long here so a loaded machine cannot turn the test
 * into memory's decision; the bot waits 1 s.)
 */
function shardCode(engine: string, place: string, danaGuild: string): string {
  return `
    import { openStore, sqliteAsStore } from ${JSON.stringify(STORE_MODULE)};
    import { SqliteStore } from ${JSON.stringify(SQLITE_MODULE)};
    import { StoreCache } from ${JSON.stringify(CACHE_MODULE)};
    import { CostControl } from ${JSON.stringify(COSTS_MODULE)};
    import { createLogger } from ${JSON.stringify(LOG_MODULE)};
    ${openCode(engine, place)}
    const cache = new StoreCache(store, createLogger('silent'));
    const costs = new CostControl(cache, { dailyTokenCap: ${VOICE_CAP}, userCooldownMs: ${COOLDOWN_MS} });
    await cache.warm('dana', ${JSON.stringify(danaGuild)});
    process.stdout.write('ready\\n');
    await new Promise((resolve) => process.stdin.once('data', resolve));
    const turn = async (userId, guildId) => {
      const memory = costs.check(userId, guildId);
      return { memory: memory ?? null, decision: (memory ?? (await costs.admitShared(userId, guildId, 60000))) ?? null };
    };
    const [dana, erin] = await Promise.all([turn('dana', ${JSON.stringify(danaGuild)}), turn('erin', 'g-shared')]);
    process.stdout.write(JSON.stringify({ dana, erin }) + '\\n');
    await cache.close();
    await store.close();
    process.stdin.destroy();
  `;
}

storeTest(
  'voice turns in two shard processes at once: one answered, one told to wait; a cap used up in one refuses in the other',
  async (_t, store, engine, place) => {
    // Erin's cap in the shared server is used up through this process (another shard, for the children).
    const call = { input: { text: VOICE_CAP, audio: 0, image: 0, video: 0 }, output: { text: 0, audio: 0, reasoning: 0 } };
    await store.usage.recordUsage({ userId: 'erin', guildId: 'g-shared', ...call });
    const results = (await runTogether([shardCode(engine.name, place, 'g-zero'), shardCode(engine.name, place, 'g-one')])) as Array<
      Record<'dana' | 'erin', { memory: string | null; decision: string | null }>
    >;

    // Whether the later one's memory had heard of the first admission yet depends on timing; the outcome may not.
    const decisions = results.map((r) => r.dana.decision);
    assert.equal(decisions.filter((d) => d === null).length, 1, `exactly one of Dana's turns is answered: ${JSON.stringify(decisions)}`);
    assert.match(decisions.find((d) => d !== null) ?? '', /^Please wait \d+ s before asking again\.$/);
    assert.ok((await store.usage.lastAdmission('dana')) !== undefined, 'the admission is in the database');

    for (const { erin } of results) assert.match(erin.decision ?? '', /today's limit of 1,000 tokens/, 'a cap used up elsewhere refuses');
    if (engine.name === 'postgres') {
      // Memory had never read Erin's usage: the database's admission is what refused her.
      assert.deepEqual(
        results.map((r) => r.erin.memory),
        [null, null],
      );
    }
  },
);

storeTest('200 charges from two processes against one cap: exactly the cap, never more; one admission inside a cooldown', async (_t, store, engine, place) => {
  const results = (await runTogether([0, 1].map(() => childCode(engine.name, place)))) as Array<{ charged: number; admitted: number }>;
  assert.equal(
    results.reduce((sum, r) => sum + r.charged, 0),
    CHARGES_PER_PROCESS,
    `charges accepted per process: ${results.map((r) => r.charged).join(' + ')}`,
  );
  assert.equal(await store.usage.tokensToday('u1', 'g1'), CHARGES_PER_PROCESS * AMOUNT);
  assert.ok((await store.usage.tokensToday('u1', 'g1')) <= CAP);
  assert.equal(
    results.reduce((sum, r) => sum + r.admitted, 0),
    1,
    'one person admitted once inside the cooldown',
  );
  assert.equal(await store.usage.lastAdmission('u2'), 1_000_000);
});
