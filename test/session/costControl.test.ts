// Pins cost control: the daily token cap and the cooldown per person, server overrides over the defaults,
// polite refusals, and usage recorded by modality.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { OmniUsage } from '../../src/omni/events.ts';
import { createLogger } from '../../src/log.ts';
import { CostControl } from '../../src/session/CostControl.ts';
import { SqliteStore } from '../../src/store/SqliteStore.ts';
import { sqliteAsStore } from '../../src/store/Store.ts';
import { StoreCache } from '../../src/store/StoreCache.ts';

const usage = (audio: number): OmniUsage => ({
  input: { text: 10, audio, image: 0, video: 0, total: 10 + audio },
  output: { text: 5, audio: 20, reasoning: 0, total: 25 },
  total: 35 + audio,
});

function setup(defaults = { dailyTokenCap: 100, userCooldownMs: 0 }) {
  let now = 1_000_000;
  const store = sqliteAsStore(SqliteStore.open(mkdtempSync(join(tmpdir(), 'omni-costs-'))));
  const costs = new CostControl(new StoreCache(store, createLogger('silent')), defaults, () => now);
  return { store, costs, advance: (ms: number) => (now += ms) };
}

test('the daily cap refuses politely once reached, per person and server', async () => {
  const { costs, store } = setup();
  assert.equal(costs.admit('alice', 'g1'), undefined);
  costs.record('alice', 'g1', usage(70));
  assert.match(costs.admit('alice', 'g1') ?? '', /today's limit of 100 tokens/);
  assert.equal(costs.admit('bob', 'g1'), undefined, 'others are not affected');
  assert.equal(costs.admit('alice', 'g2'), undefined, 'the cap counts per server');
  const totals = await store.usage.usageFor({ userId: 'alice', guildId: 'g1', day: store.usage.day() });
  assert.deepEqual(totals.input, { text: 10, audio: 70, image: 0, video: 0 });
  assert.deepEqual(totals.output, { text: 5, audio: 20, reasoning: 0 });
  await store.close();
});

test('a server override replaces the default cap; 0 means no cap', async () => {
  const { costs, store } = setup();
  costs.record('alice', 'g1', usage(200));
  await store.settings.updateGuildSettings('g1', { dailyTokenCap: 0 });
  assert.equal(costs.admit('alice', 'g1'), undefined);
  await store.settings.updateGuildSettings('g1', { dailyTokenCap: 1000 });
  assert.equal(costs.admit('alice', 'g1'), undefined);
  await store.close();
});

test("the cooldown spaces one person's requests", async () => {
  const { costs, store, advance } = setup({ dailyTokenCap: 0, userCooldownMs: 3000 });
  assert.equal(costs.admit('alice', 'g1'), undefined);
  advance(1000);
  assert.equal(costs.admit('alice', 'g1'), 'Please wait 2 s before asking again.');
  assert.equal(costs.admit('bob', 'g1'), undefined);
  advance(2000);
  assert.equal(costs.admit('alice', 'g1'), undefined);
  await store.settings.updateGuildSettings('g1', { cooldownSeconds: 0 });
  assert.equal(costs.admit('alice', 'g1'), undefined, 'a server can switch the cooldown off');
  await store.close();
});
