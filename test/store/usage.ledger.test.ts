// Pins the usage ledger: calls accumulate per (user, server, day) and modality; totals filter by user, server, day.
import assert from 'node:assert/strict';
import { InvalidInputError } from '../../src/errors.ts';
import type { Store } from '../../src/store/Store.ts';
import type { UsageRecord } from '../../src/store/usage.ts';
import { storeTest } from './engines.ts';
import { fakeClock } from './helpers.ts';

const CALL = { input: { text: 10, audio: 100, image: 0, video: 0 }, output: { text: 5, audio: 50, reasoning: 1 } };
const CALL_TOTAL = 166;
const AT_NOON = { now: fakeClock('2025-06-10T12:00:00Z').now };

storeTest(
  'two calls on the same day add up, modality by modality',
  async (_t, store) => {
    await store.usage.recordUsage({ userId: 'u1', guildId: 'g1', ...CALL });
    await store.usage.recordUsage({
      userId: 'u1',
      guildId: 'g1',
      input: { text: 1, audio: 2, image: 3, video: 4 },
      output: { text: 5, audio: 6, reasoning: 7 },
    });
    assert.deepEqual(await store.usage.usageFor({ userId: 'u1', guildId: 'g1', day: '2025-06-10' }), {
      input: { text: 11, audio: 102, image: 3, video: 4 },
      output: { text: 10, audio: 56, reasoning: 8 },
      total: CALL_TOTAL + 28,
      speculativeWasted: 0,
    });
    assert.equal(await store.usage.tokensToday('u1', 'g1'), CALL_TOTAL + 28);
  },
  AT_NOON,
);

storeTest(
  'an OmniUsage (with its extra totals) can be recorded as it is',
  async (_t, store) => {
    const usage = { input: { ...CALL.input, total: 110 }, output: { ...CALL.output, total: 56 }, total: 166 };
    await store.usage.recordUsage({ userId: 'u1', guildId: 'g1', ...usage });
    assert.equal(await store.usage.tokensToday('u1', 'g1'), CALL_TOTAL);
  },
  AT_NOON,
);

storeTest(
  'filters: me across servers, a server across users, DMs apart, since a day',
  async (_t, store) => {
    const rows: UsageRecord[] = [
      { userId: 'u1', guildId: 'g1', ...CALL },
      { userId: 'u1', guildId: 'g2', ...CALL },
      { userId: 'u2', guildId: 'g1', ...CALL },
      { userId: 'u1', guildId: null, ...CALL },
      { userId: 'u1', guildId: 'g1', day: '2025-05-01', ...CALL },
      { userId: 'u1', guildId: 'g1', day: '2025-06-01', ...CALL },
    ];
    for (const row of rows) await store.usage.recordUsage(row);
    const total = async (query: Parameters<Store['usage']['usageFor']>[0]): Promise<number> => (await store.usage.usageFor(query)).total;
    assert.equal(await total({}), 6 * CALL_TOTAL);
    assert.equal(await total({ userId: 'u1', day: store.usage.day() }), 3 * CALL_TOTAL, 'me, today, every server and DMs');
    assert.equal(await total({ guildId: 'g1', day: store.usage.day() }), 2 * CALL_TOTAL, 'this server today, every user');
    assert.equal(await total({ userId: 'u1', guildId: null }), CALL_TOTAL, 'DMs only');
    assert.equal(await total({ userId: 'u1', guildId: 'g1', since: store.usage.day(29) }), 2 * CALL_TOTAL, 'last 30 days');
    assert.equal(await store.usage.tokensToday('u1', null), CALL_TOTAL);
    assert.equal(await store.usage.tokensToday('u3', 'g1'), 0);
  },
  AT_NOON,
);

storeTest('nothing recorded yet totals zero in every modality', async (_t, store) => {
  assert.deepEqual(await store.usage.usageFor({ userId: 'nobody' }), {
    input: { text: 0, audio: 0, image: 0, video: 0 },
    output: { text: 0, audio: 0, reasoning: 0 },
    total: 0,
    speculativeWasted: 0,
  });
});

storeTest('negative or fractional token counts and malformed days are refused, nothing written', async (_t, store) => {
  await assert.rejects(() => store.usage.recordUsage({ userId: 'u1', guildId: 'g1', ...CALL, output: { ...CALL.output, audio: -1 } }), InvalidInputError);
  await assert.rejects(() => store.usage.recordUsage({ userId: 'u1', guildId: 'g1', ...CALL, input: { ...CALL.input, text: 0.5 } }), InvalidInputError);
  await assert.rejects(() => store.usage.recordUsage({ userId: 'u1', guildId: 'g1', day: '10/06/2025', ...CALL }), InvalidInputError);
  await assert.rejects(() => store.usage.usageFor({ day: '2025-06-10', since: '2025-06-01' }), InvalidInputError);
  assert.equal((await store.usage.usageFor({})).total, 0);
});

storeTest('a charge lands only while the day total stays within the cap', async (_t, store) => {
  const call = (text: number): UsageRecord => ({
    userId: 'u1',
    guildId: 'g1',
    input: { text, audio: 0, image: 0, video: 0 },
    output: { text: 0, audio: 0, reasoning: 0 },
  });
  assert.equal(await store.usage.charge(call(120), 100), false, 'a first charge over the cap');
  assert.equal(await store.usage.tokensToday('u1', 'g1'), 0);
  assert.equal(await store.usage.charge(call(60), 100), true);
  assert.equal(await store.usage.charge(call(40), 100), true, 'exactly up to the cap');
  assert.equal(await store.usage.charge(call(1), 100), false);
  assert.equal(await store.usage.tokensToday('u1', 'g1'), 100);
  assert.equal(await store.usage.charge({ ...call(1), guildId: 'g2' }, 100), true, 'the cap counts per server');
});

storeTest('admission: refused at the cap or inside the cooldown, the admission time recorded otherwise', async (_t, store) => {
  const ask = (nowMs: number, cap = 100, cooldownMs = 3000) => store.usage.admit({ userId: 'u1', guildId: 'g1', cap, cooldownMs, nowMs });
  assert.deepEqual(await ask(10_000), { admitted: true });
  assert.equal(await store.usage.lastAdmission('u1'), 10_000);
  assert.deepEqual(await ask(11_000), { admitted: false, reason: 'cooldown', waitMs: 2000 });
  assert.equal(await store.usage.lastAdmission('u1'), 10_000, 'a refusal records nothing');
  assert.deepEqual(await ask(13_000), { admitted: true });
  await store.usage.recordUsage({
    userId: 'u1',
    guildId: 'g1',
    input: { text: 100, audio: 0, image: 0, video: 0 },
    output: { text: 0, audio: 0, reasoning: 0 },
  });
  assert.deepEqual(await ask(20_000), { admitted: false, reason: 'cap' });
  assert.deepEqual(await ask(20_000, 0), { admitted: true }, 'cap 0: no cap');
  assert.deepEqual(await ask(20_001, 0, 0), { admitted: true }, 'cooldown 0: none');
});

storeTest(
  'a dropped speculative request counts toward the day like any call, and is totalled apart as waste',
  async (_t, store) => {
    await store.usage.recordUsage({ userId: 'u1', guildId: 'g1', ...CALL });
    await store.usage.recordUsage({
      userId: 'u1',
      guildId: 'g1',
      input: { text: 20, audio: 30, image: 0, video: 0 },
      output: { text: 0, audio: 0, reasoning: 0 },
      speculative: true,
    });
    assert.equal(await store.usage.tokensToday('u1', 'g1'), CALL_TOTAL + 50);
    const totals = await store.usage.usageFor({ guildId: 'g1', since: '2025-06-01' });
    assert.equal(totals.total, CALL_TOTAL + 50);
    assert.equal(totals.speculativeWasted, 50);
    assert.equal(totals.input.audio, CALL.input.audio + 30);
  },
  AT_NOON,
);

storeTest('a merged record carries its waste as a count, never more than its tokens', async (_t, store) => {
  await store.usage.recordUsage({ userId: 'u1', guildId: 'g1', ...CALL, speculativeWasted: 66 });
  assert.equal((await store.usage.usageFor({ userId: 'u1' })).speculativeWasted, 66);
  await assert.rejects(() => store.usage.recordUsage({ userId: 'u1', guildId: 'g1', ...CALL, speculativeWasted: CALL_TOTAL + 1 }), InvalidInputError);
  assert.equal(await store.usage.charge({ userId: 'u1', guildId: 'g1', ...CALL, speculative: true }, 1_000), true, 'a charge carries waste too');
  assert.deepEqual(
    { total: (await store.usage.usageFor({ userId: 'u1' })).total, wasted: (await store.usage.usageFor({ userId: 'u1' })).speculativeWasted },
    { total: 2 * CALL_TOTAL, wasted: 66 + CALL_TOTAL },
  );
});
