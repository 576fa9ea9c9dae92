// Pins StoreCache, what voice turns read and write: answers from memory, changes made by another process
// arrive (PostgreSQL LISTEN/NOTIFY), usage is written in the background and counted at once.
import assert from 'node:assert/strict';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { createLogger } from '../../src/log.ts';
import { PostgresStore } from '../../src/store/postgres/PostgresStore.ts';
import { SqliteStore } from '../../src/store/SqliteStore.ts';
import { type Store, type StoreChange, sqliteAsStore } from '../../src/store/Store.ts';
import { StoreCache } from '../../src/store/StoreCache.ts';
import { storeTest, testPostgres } from './engines.ts';
import { capturedLogger, tempDir } from './helpers.ts';
import { skipWithoutPostgres } from './postgres.ts';

const CALL = { input: { text: 10, audio: 20, image: 0, video: 0 }, output: { text: 5, audio: 15, reasoning: 0 } };

/** Resolves with the next change `store` hears that `matches`. */
function nextChange(store: Store, matches: (change: StoreChange) => boolean): Promise<StoreChange> {
  return new Promise((resolve) => {
    const stop = store.onChange((change) => {
      if (!matches(change)) return;
      stop();
      resolve(change);
    });
  });
}

storeTest('usage recorded through the cache counts at once and reaches the ledger in the background', async (t, store) => {
  const cache = new StoreCache(store, createLogger('silent'));
  t.after(() => cache.close());
  await cache.warm('u1', 'g1');
  assert.equal(cache.tokensToday('u1', 'g1'), 0);
  cache.recordUsage({ userId: 'u1', guildId: 'g1', ...CALL });
  cache.recordUsage({ userId: 'u1', guildId: 'g1', ...CALL });
  assert.equal(cache.tokensToday('u1', 'g1'), 100, 'counted before it is written');
  await cache.drained();
  assert.equal(await store.usage.tokensToday('u1', 'g1'), 100);
  await cache.settled();
  assert.equal(cache.tokensToday('u1', 'g1'), 100, 'not counted twice once written');
});

storeTest('speculative waste keeps its count through the queue, where records of one person, server and day merge', async (t, store) => {
  const cache = new StoreCache(store, createLogger('silent'));
  t.after(() => cache.close());
  // The first is written at once; the next three wait behind it and merge into one row.
  cache.recordUsage({ userId: 'u1', guildId: 'g1', ...CALL, speculative: true });
  cache.recordUsage({ userId: 'u1', guildId: 'g1', ...CALL });
  cache.recordUsage({ userId: 'u1', guildId: 'g1', ...CALL, speculative: true });
  cache.recordUsage({ userId: 'u1', guildId: 'g1', ...CALL });
  await cache.drained();
  const totals = await store.usage.usageFor({ userId: 'u1' });
  assert.deepEqual({ total: totals.total, wasted: totals.speculativeWasted }, { total: 200, wasted: 100 });
});

storeTest('settings changed through the store are what the cache answers next', async (t, store) => {
  const cache = new StoreCache(store, createLogger('silent'));
  t.after(() => cache.close());
  await cache.warm('u1', 'g1');
  await store.settings.updateGuildSettings('g1', { persona: 'Be brief.', voice: 'Ethan' });
  await store.settings.setUserVoice('u1', 'Cherry');
  await store.settings.updateGuildSettings('g1', { speculation: false });
  await cache.settled();
  assert.equal(cache.guildSettings('g1').persona, 'Be brief.');
  assert.equal(cache.guildSettings('g1').speculation, false);
  assert.equal(cache.resolveVoice('u1', 'g1', 'Chelsie', () => true).voice, 'Cherry');
  assert.equal(cache.resolveVoice('u2', 'g1', 'Chelsie', () => true).voice, 'Ethan');
});

test('[postgres] a change made by another process reaches this one by NOTIFY: settings, voices, usage, admissions', skipWithoutPostgres(), async (t) => {
  const url = await (await testPostgres()).createDatabase();
  const here = await PostgresStore.open(url);
  const elsewhere = await PostgresStore.open(url);
  const cache = new StoreCache(here, createLogger('silent'));
  t.after(async () => {
    await cache.close();
    await here.close();
    await elsewhere.close();
  });
  await cache.warm('u1', 'g1');
  assert.equal(cache.guildSettings('g1').listen.mode, 'everyone');

  let heard = nextChange(here, (change) => change.kind === 'guild' && change.guildId === 'g1');
  await elsewhere.settings.updateGuildSettings('g1', { listen: { mode: 'addressed' }, dailyTokenCap: 500, speculation: false });
  await heard;
  await cache.settled();
  assert.deepEqual(cache.guildSettings('g1').listen, { mode: 'addressed' });
  assert.equal(cache.guildSettings('g1').dailyTokenCap, 500);
  assert.equal(cache.guildSettings('g1').speculation, false);

  heard = nextChange(here, (change) => change.kind === 'user' && change.userId === 'u1');
  await elsewhere.settings.setUserVoice('u1', 'Ethan');
  await heard;
  await cache.settled();
  assert.equal(cache.userVoice('u1'), 'Ethan');

  heard = nextChange(here, (change) => change.kind === 'usage' && change.userId === 'u1' && change.guildId === 'g1');
  await elsewhere.usage.recordUsage({ userId: 'u1', guildId: 'g1', ...CALL });
  await heard;
  await cache.settled();
  assert.equal(cache.tokensToday('u1', 'g1'), 50);

  heard = nextChange(here, (change) => change.kind === 'admission' && change.userId === 'u1');
  await elsewhere.usage.admit({ userId: 'u1', guildId: 'g1', cap: 0, cooldownMs: 0, nowMs: 123_456 });
  await heard;
  await cache.settled();
  assert.equal(cache.lastAdmission('u1'), 123_456);
});

test('[sqlite] a locked database file: usage is kept and written once the lock is gone, one log line each way', async (t) => {
  const dir = tempDir(t);
  const store = sqliteAsStore(SqliteStore.open(dir, { busyTimeoutMs: 20 }));
  const { log, lines, said } = capturedLogger();
  const cache = new StoreCache(store, log, { retryMs: 20 });
  t.after(async () => {
    await cache.close();
    await store.close();
  });
  const other = new DatabaseSync(path.join(dir, 'bot.sqlite'));
  t.after(() => other.close());
  other.exec('BEGIN EXCLUSIVE');
  const failing = said('usage ledger writes failing');
  cache.recordUsage({ userId: 'u1', guildId: 'g1', ...CALL });
  cache.recordUsage({ userId: 'u1', guildId: 'g1', ...CALL, speculative: true });
  await failing;
  assert.ok(cache.unwrittenRows > 0);
  other.exec('COMMIT');
  await cache.drained();
  assert.equal(await store.usage.tokensToday('u1', 'g1'), 100);
  assert.equal((await store.usage.usageFor({ userId: 'u1' })).speculativeWasted, 50, 'the waste merged with the rest, kept apart');
  const messages = lines().map((line) => String(line.msg));
  assert.equal(messages.filter((msg) => msg.startsWith('usage ledger writes failing')).length, 1, messages.join('\n'));
  assert.equal(messages.filter((msg) => msg === 'usage ledger writes resumed').length, 1, messages.join('\n'));
});
