// Pins cost control: the daily token cap and the cooldown per person, server overrides over the defaults,
// polite refusals, and usage recorded by modality; the shared admission (the database decides and records in
// one statement, memory only checks before it) and memory deciding when the database fails, is slow or away.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { OmniUsage } from '../../src/omni/events.ts';
import { createLogger } from '../../src/log.ts';
import { CostControl, VOICE_ADMISSION_WAIT_MS } from '../../src/session/CostControl.ts';
import { SqliteStore } from '../../src/store/SqliteStore.ts';
import { type Store, type StoreHealth, sqliteAsStore } from '../../src/store/Store.ts';
import { StoreError } from '../../src/store/StoreError.ts';
import type { Admission, AdmissionRequest } from '../../src/store/usage.ts';
import { StoreCache } from '../../src/store/StoreCache.ts';

const usage = (audio: number): OmniUsage => ({
  input: { text: 10, audio, image: 0, video: 0, total: 10 + audio },
  output: { text: 5, audio: 20, reasoning: 0, total: 25 },
  total: 35 + audio,
});

function setup(
  defaults = { dailyTokenCap: 100, userCooldownMs: 0 },
  admit?: (request: AdmissionRequest, stored: () => Promise<Admission>) => Promise<Admission>,
) {
  let now = 1_000_000;
  const sqlite = sqliteAsStore(SqliteStore.open(mkdtempSync(join(tmpdir(), 'omni-costs-'))));
  const admissionsAsked: AdmissionRequest[] = [];
  const healthListeners = new Set<(health: StoreHealth) => void>();
  // The SQLite store, its admissions counted (and answered by `admit` when given), its health set by the test.
  const store: Store = {
    ...sqlite,
    usage: {
      ...sqlite.usage,
      admit: (request) => {
        admissionsAsked.push(request);
        return admit ? admit(request, () => sqlite.usage.admit(request)) : sqlite.usage.admit(request);
      },
    },
    onHealth: (listener) => {
      healthListeners.add(listener);
      return () => healthListeners.delete(listener);
    },
  };
  const costs = new CostControl(new StoreCache(store, createLogger('silent')), defaults, () => now);
  const setHealth = (health: StoreHealth): void => {
    for (const listener of healthListeners) listener(health);
  };
  return { store, costs, admissionsAsked, setHealth, advance: (ms: number) => (now += ms) };
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

test('the shared admission: memory only checks, the database admits and records once, memory learns it', async () => {
  const { costs, store, admissionsAsked, advance } = setup({ dailyTokenCap: 0, userCooldownMs: 3000 });
  assert.equal(costs.check('alice', 'g1'), undefined);
  assert.equal(costs.check('alice', 'g1'), undefined, 'a check records nothing');
  assert.equal(await store.usage.lastAdmission('alice'), undefined);
  assert.equal(await costs.admitShared('alice', 'g1'), undefined, 'not refused by a note of its own check');
  assert.equal(admissionsAsked.length, 1);
  assert.equal(await store.usage.lastAdmission('alice'), 1_000_000);
  advance(1000);
  assert.equal(costs.check('alice', 'g1'), 'Please wait 2 s before asking again.');
  assert.equal(await costs.admitShared('alice', 'g1'), 'Please wait 2 s before asking again.');
  await store.close();
});

test('the shared admission refuses when the database has an admission memory has not heard of', async () => {
  // Another process's admission, in the database only: this one's memory still says yes, the database says no.
  const { costs, store } = setup({ dailyTokenCap: 0, userCooldownMs: 3000 }, async (request, stored) =>
    request.userId === 'alice' ? { admitted: false, reason: 'cooldown', waitMs: 2500 } : stored(),
  );
  assert.equal(costs.check('alice', 'g1'), undefined);
  assert.equal(await costs.admitShared('alice', 'g1'), 'Please wait 3 s before asking again.');
  assert.equal(costs.check('alice', 'g1'), undefined, 'a refusal records no admission here');
  await store.close();
});

test("a database failure leaves memory's decision: admitted and noted, or refused", async () => {
  const { costs, store, advance } = setup({ dailyTokenCap: 0, userCooldownMs: 3000 }, async () => {
    throw new StoreError('unavailable', 'postgres://db', 'The database cannot be reached.');
  });
  assert.equal(await costs.admitShared('alice', 'g1'), undefined);
  advance(1000);
  assert.equal(costs.check('alice', 'g1'), 'Please wait 2 s before asking again.', 'memory noted the admission');
  assert.equal(await costs.admitShared('alice', 'g1'), 'Please wait 2 s before asking again.');
  await store.close();
});

test("a database slower than the voice turn's wait: memory decides when it passes", async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const answers: Array<(admission: Admission) => void> = [];
  const { costs, store, admissionsAsked } = setup({ dailyTokenCap: 0, userCooldownMs: 3000 }, () => new Promise((resolve) => answers.push(resolve)));
  let decided: string | undefined | 'pending' = 'pending';
  const asked = costs.admitShared('alice', 'g1', VOICE_ADMISSION_WAIT_MS).then((refusal) => (decided = refusal));
  t.mock.timers.tick(VOICE_ADMISSION_WAIT_MS - 1);
  await Promise.resolve();
  assert.equal(decided, 'pending', 'it waits for the database up to the bound');
  t.mock.timers.tick(1);
  await asked;
  assert.equal(decided, undefined, "memory's decision: admitted");
  assert.deepEqual(
    admissionsAsked.map((request) => request.cooldownMs),
    [3000, 0],
    "the atomic admission, then the background note of memory's",
  );
  assert.match(costs.check('alice', 'g1') ?? '', /Please wait/, 'memory noted the admission');
  answers[0]!({ admitted: true });
  await store.close();
});

test('with the database known to be away, memory decides at once without asking it', async () => {
  const { costs, store, admissionsAsked, setHealth } = setup({ dailyTokenCap: 0, userCooldownMs: 3000 });
  setHealth('down');
  assert.equal(await costs.admitShared('alice', 'g1', VOICE_ADMISSION_WAIT_MS), undefined);
  assert.match((await costs.admitShared('alice', 'g1', VOICE_ADMISSION_WAIT_MS)) ?? '', /Please wait/);
  // Only the background note of memory's admission went to the store, no atomic admission.
  assert.deepEqual(
    admissionsAsked.map((request) => request.cooldownMs),
    [0],
  );
  setHealth('up');
  await costs.admitShared('bob', 'g1', VOICE_ADMISSION_WAIT_MS);
  assert.equal(admissionsAsked.at(-1)?.cooldownMs, 3000, 'asked again once it is back');
  await store.close();
});
