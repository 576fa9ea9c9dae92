// Pins that the ledger's day is the UTC day of the injected clock: midnight UTC starts a fresh daily total.
import assert from 'node:assert/strict';
import { storeTest } from './engines.ts';
import { fakeClock } from './helpers.ts';

const CALL = { input: { text: 10, audio: 0, image: 0, video: 0 }, output: { text: 0, audio: 0, reasoning: 0 } };
const clock = fakeClock('2025-06-10T23:59:59.999Z');

storeTest(
  'a call just before and just after UTC midnight land on different days',
  async (_t, store) => {
    clock.set('2025-06-10T23:59:59.999Z');
    await store.usage.recordUsage({ userId: 'u1', guildId: 'g1', ...CALL });
    assert.equal(await store.usage.tokensToday('u1', 'g1'), 10);

    clock.set('2025-06-11T00:00:00.000Z');
    assert.equal(await store.usage.tokensToday('u1', 'g1'), 0, 'the cap starts over at midnight UTC');
    await store.usage.recordUsage({ userId: 'u1', guildId: 'g1', ...CALL });
    await store.usage.recordUsage({ userId: 'u1', guildId: 'g1', ...CALL });
    assert.equal(await store.usage.tokensToday('u1', 'g1'), 20);

    assert.equal((await store.usage.usageFor({ userId: 'u1', day: '2025-06-10' })).total, 10);
    assert.equal((await store.usage.usageFor({ userId: 'u1', since: store.usage.day(1) })).total, 30);
  },
  { now: clock.now },
);

storeTest(
  'a local time zone does not move the day: the ISO instant decides',
  async (_t, store) => {
    // 01:30 in UTC+02:00 is still the previous day in UTC.
    assert.equal(store.usage.day(), '2025-06-10');
    assert.equal(store.usage.day(30), '2025-05-11');
  },
  { now: fakeClock('2025-06-11T01:30:00+02:00').now },
);
