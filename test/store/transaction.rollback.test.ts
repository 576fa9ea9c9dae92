// Pins that a group of writes that throws midway leaves every previous value in place, nested groups included.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SqliteStore as Store } from '../../src/store/SqliteStore.ts';
import { tempDir } from './helpers.ts';

const CALL = { input: { text: 10, audio: 0, image: 0, video: 0 }, output: { text: 0, audio: 0, reasoning: 0 } };

test('a transaction that throws after several writes leaves the previous values', (t) => {
  const store = Store.open(tempDir(t));
  t.after(() => store.close());
  store.settings.setUserVoice('u1', 'Cherry');
  store.settings.updateGuildSettings('g1', { voice: 'Ethan', dailyTokenCap: 100 });
  store.usage.recordUsage({ userId: 'u1', guildId: 'g1', ...CALL });

  assert.throws(
    () =>
      store.transaction(() => {
        store.settings.setUserVoice('u1', 'Dylan');
        store.settings.updateGuildSettings('g1', { voice: 'Sunny', dailyTokenCap: 5 });
        store.usage.recordUsage({ userId: 'u1', guildId: 'g1', ...CALL });
        throw new Error('crash halfway');
      }),
    /crash halfway/,
  );
  assert.equal(store.settings.getUserVoice('u1'), 'Cherry');
  assert.equal(store.settings.getGuildSettings('g1').voice, 'Ethan');
  assert.equal(store.settings.getGuildSettings('g1').dailyTokenCap, 100);
  assert.equal(store.usage.tokensToday('u1', 'g1'), 10);
});

test('a failed inner group rolls back alone; the outer one still commits', (t) => {
  const store = Store.open(tempDir(t));
  t.after(() => store.close());
  store.transaction(() => {
    store.settings.setUserVoice('u1', 'Cherry');
    assert.throws(() =>
      store.transaction(() => {
        store.settings.setUserVoice('u2', 'Ethan');
        throw new Error('inner');
      }),
    );
  });
  assert.equal(store.settings.getUserVoice('u1'), 'Cherry');
  assert.equal(store.settings.getUserVoice('u2'), null);
});

test('an async function is refused, and its writes undone', async (t) => {
  const store = Store.open(tempDir(t));
  t.after(() => store.close());
  let pending: Promise<void> | undefined;
  assert.throws(
    () =>
      store.transaction(() => {
        store.settings.setUserVoice('u1', 'Cherry');
        pending = Promise.resolve();
        return pending;
      }),
    /synchronous/,
  );
  await pending;
  assert.equal(store.settings.getUserVoice('u1'), null);
});
