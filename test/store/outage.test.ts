// Pins what happens when PostgreSQL goes away for 10 s while voice turns go on: nothing is thrown to the
// turn, settings are the last ones read, usage is kept in memory and written when the database is back
// (every token of every turn), and the log says once that it went and once that it came back.
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';
import type { OmniUsage } from '../../src/omni/events.ts';
import { CostControl } from '../../src/session/CostControl.ts';
import { PostgresStore } from '../../src/store/postgres/PostgresStore.ts';
import type { StoreHealth } from '../../src/store/Store.ts';
import { StoreCache } from '../../src/store/StoreCache.ts';
import { testPostgres } from './engines.ts';
import { capturedLogger } from './helpers.ts';
import { skipWithoutPostgres } from './postgres.ts';

const OUTAGE_MS = 10_000;
const TURN_EVERY_MS = 100;
const USAGE: OmniUsage = {
  input: { text: 12, audio: 300, image: 0, video: 0, total: 312 },
  output: { text: 20, audio: 400, reasoning: 0, total: 420 },
  total: 732,
};

test('[postgres] the database stopped for 10 s: turns go on, settings from memory, every turn in the ledger afterwards', skipWithoutPostgres(), async (t) => {
  const server = await testPostgres();
  const store = await PostgresStore.open(await server.createDatabase());
  const { log, lines } = capturedLogger();
  const cache = new StoreCache(store, log, { retryMs: 200 });
  t.after(async () => {
    server.start();
    await cache.close();
    await store.close();
  });
  const health: StoreHealth[] = [];
  store.onHealth((state) => health.push(state));
  const cameBack = new Promise<void>((resolve) => store.onHealth((state) => state === 'up' && resolve()));

  await store.settings.updateGuildSettings('g1', { persona: 'A pirate.', dailyTokenCap: 10_000_000 });
  await store.settings.setUserVoice('u1', 'Ethan');
  await cache.warm('u1', 'g1');
  const costs = new CostControl(cache, { dailyTokenCap: 0, userCooldownMs: 0 });
  let turns = 0;
  // What a voice turn asks of the store, synchronously: admission, persona, voice, transcript; then its usage.
  const turn = (): void => {
    assert.equal(costs.admit('u1', 'g1'), undefined);
    assert.equal(cache.guildSettings('g1').persona, 'A pirate.');
    assert.equal(cache.resolveVoice('u1', 'g1', 'Chelsie', () => true).voice, 'Ethan');
    assert.equal(cache.guildSettings('g1').transcript.enabled, false);
    costs.record('u1', 'g1', USAGE);
    turns++;
  };

  for (let i = 0; i < 5; i++) turn();
  await cache.drained();
  server.stop();
  const stoppedAt = Date.now();
  while (Date.now() - stoppedAt < OUTAGE_MS) {
    turn();
    await delay(TURN_EVERY_MS);
  }
  assert.deepEqual(health, ['down'], 'the store noticed the database was gone');
  assert.ok(cache.unwrittenRows > 0, 'usage was kept in memory');
  assert.equal(cache.tokensToday('u1', 'g1'), turns * USAGE.total, "today's total includes what is not written yet");

  server.start();
  await cameBack;
  await cache.drained();
  assert.equal(await store.usage.tokensToday('u1', 'g1'), turns * USAGE.total, `every one of ${turns} turns is in the ledger`);
  const totals = await store.usage.usageFor({ userId: 'u1', guildId: 'g1' });
  assert.equal(totals.input.audio, turns * USAGE.input.audio);
  assert.equal(totals.output.audio, turns * USAGE.output.audio);

  const said = lines().map((line) => String(line.msg));
  assert.equal(said.filter((msg) => msg.startsWith('database unavailable')).length, 1, said.join('\n'));
  assert.equal(said.filter((msg) => msg.startsWith('database is back')).length, 1, said.join('\n'));
  assert.ok(!JSON.stringify(lines()).includes(server.password), 'no password in the logs');
});
