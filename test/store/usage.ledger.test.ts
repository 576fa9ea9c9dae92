// Pins the usage ledger: calls accumulate per (user, server, day) and modality; totals filter by user, server, day.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidInputError } from '../../src/errors.ts';
import { Store } from '../../src/store/Store.ts';
import type { UsageRecord } from '../../src/store/usage.ts';
import { fakeClock, tempDir } from './helpers.ts';

const CALL = { input: { text: 10, audio: 100, image: 0, video: 0 }, output: { text: 5, audio: 50, reasoning: 1 } };
const CALL_TOTAL = 166;

function open(t: Parameters<typeof tempDir>[0]): Store {
  const store = Store.open(tempDir(t), { now: fakeClock('2025-06-10T12:00:00Z').now });
  t.after(() => store.close());
  return store;
}

test('two calls on the same day add up, modality by modality', (t) => {
  const store = open(t);
  store.usage.recordUsage({ userId: 'u1', guildId: 'g1', ...CALL });
  store.usage.recordUsage({ userId: 'u1', guildId: 'g1', input: { text: 1, audio: 2, image: 3, video: 4 }, output: { text: 5, audio: 6, reasoning: 7 } });
  assert.deepEqual(store.usage.usageFor({ userId: 'u1', guildId: 'g1', day: '2025-06-10' }), {
    input: { text: 11, audio: 102, image: 3, video: 4 },
    output: { text: 10, audio: 56, reasoning: 8 },
    total: CALL_TOTAL + 28,
    speculativeWasted: 0,
  });
  assert.equal(store.usage.tokensToday('u1', 'g1'), CALL_TOTAL + 28);
});

test('an OmniUsage (with its extra totals) can be recorded as it is', (t) => {
  const store = open(t);
  const usage = { input: { ...CALL.input, total: 110 }, output: { ...CALL.output, total: 56 }, total: 166 };
  store.usage.recordUsage({ userId: 'u1', guildId: 'g1', ...usage });
  assert.equal(store.usage.tokensToday('u1', 'g1'), CALL_TOTAL);
});

test('filters: me across servers, a server across users, DMs apart, since a day', (t) => {
  const store = open(t);
  const rows: UsageRecord[] = [
    { userId: 'u1', guildId: 'g1', ...CALL },
    { userId: 'u1', guildId: 'g2', ...CALL },
    { userId: 'u2', guildId: 'g1', ...CALL },
    { userId: 'u1', guildId: null, ...CALL },
    { userId: 'u1', guildId: 'g1', day: '2025-05-01', ...CALL },
    { userId: 'u1', guildId: 'g1', day: '2025-06-01', ...CALL },
  ];
  for (const row of rows) store.usage.recordUsage(row);
  const total = (query: Parameters<Store['usage']['usageFor']>[0]): number => store.usage.usageFor(query).total;
  assert.equal(total({}), 6 * CALL_TOTAL);
  assert.equal(total({ userId: 'u1', day: store.usage.day() }), 3 * CALL_TOTAL, 'me, today, every server and DMs');
  assert.equal(total({ guildId: 'g1', day: store.usage.day() }), 2 * CALL_TOTAL, 'this server today, every user');
  assert.equal(total({ userId: 'u1', guildId: null }), CALL_TOTAL, 'DMs only');
  assert.equal(total({ userId: 'u1', guildId: 'g1', since: store.usage.day(29) }), 2 * CALL_TOTAL, 'last 30 days');
  assert.equal(store.usage.tokensToday('u1', null), CALL_TOTAL);
  assert.equal(store.usage.tokensToday('u3', 'g1'), 0);
});

test('nothing recorded yet totals zero in every modality', (t) => {
  const store = open(t);
  assert.deepEqual(store.usage.usageFor({ userId: 'nobody' }), {
    input: { text: 0, audio: 0, image: 0, video: 0 },
    output: { text: 0, audio: 0, reasoning: 0 },
    total: 0,
    speculativeWasted: 0,
  });
});

test('negative or fractional token counts and malformed days are refused, nothing written', (t) => {
  const store = open(t);
  assert.throws(() => store.usage.recordUsage({ userId: 'u1', guildId: 'g1', ...CALL, output: { ...CALL.output, audio: -1 } }), InvalidInputError);
  assert.throws(() => store.usage.recordUsage({ userId: 'u1', guildId: 'g1', ...CALL, input: { ...CALL.input, text: 0.5 } }), InvalidInputError);
  assert.throws(() => store.usage.recordUsage({ userId: 'u1', guildId: 'g1', day: '10/06/2025', ...CALL }), InvalidInputError);
  assert.throws(() => store.usage.usageFor({ day: '2025-06-10', since: '2025-06-01' }), InvalidInputError);
  assert.equal(store.usage.usageFor({}).total, 0);
});

test('a dropped speculative request counts toward the day like any call, and is totalled apart as waste', (t) => {
  const store = open(t);
  store.usage.recordUsage({ userId: 'u1', guildId: 'g1', ...CALL });
  store.usage.recordUsage({
    userId: 'u1',
    guildId: 'g1',
    input: { text: 20, audio: 30, image: 0, video: 0 },
    output: { text: 0, audio: 0, reasoning: 0 },
    speculative: true,
  });
  assert.equal(store.usage.tokensToday('u1', 'g1'), CALL_TOTAL + 50);
  const totals = store.usage.usageFor({ guildId: 'g1', since: '2025-06-01' });
  assert.equal(totals.total, CALL_TOTAL + 50);
  assert.equal(totals.speculativeWasted, 50);
  assert.equal(totals.input.audio, CALL.input.audio + 30);
});
