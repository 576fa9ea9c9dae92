// Pins that a database another connection holds locked past busy_timeout gives a clear StoreError, not a crash.
import assert from 'node:assert/strict';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { StoreError } from '../../src/store/StoreError.ts';
import { SqliteStore as Store } from '../../src/store/SqliteStore.ts';
import { tempDir } from './helpers.ts';

const LOCKED = /^The settings database at .+bot\.sqlite is locked by another process \(is another copy of the bot running\?\)\.$/;
const isLocked = (error: unknown): boolean => error instanceof StoreError && error.kind === 'locked' && LOCKED.test(error.message);

test('writes fail as "locked" while another connection holds BEGIN EXCLUSIVE; reads go on; writes resume after', (t) => {
  const dir = tempDir(t);
  const store = Store.open(dir, { busyTimeoutMs: 50 });
  t.after(() => store.close());
  store.settings.setUserVoice('u1', 'Cherry');

  const other = new DatabaseSync(path.join(dir, 'bot.sqlite'));
  t.after(() => other.close());
  other.exec('BEGIN EXCLUSIVE');
  assert.throws(() => store.settings.setUserVoice('u1', 'Ethan'), isLocked);
  assert.throws(() => store.settings.updateGuildSettings('g1', { voice: 'Ethan' }), isLocked);
  assert.throws(
    () =>
      store.usage.recordUsage({ userId: 'u1', guildId: 'g1', input: { text: 1, audio: 0, image: 0, video: 0 }, output: { text: 0, audio: 0, reasoning: 0 } }),
    isLocked,
  );
  assert.equal(store.settings.getUserVoice('u1'), 'Cherry', 'WAL readers are not blocked by a writer');

  other.exec('COMMIT');
  store.settings.setUserVoice('u1', 'Ethan');
  assert.equal(store.settings.getUserVoice('u1'), 'Ethan');
});

test('opening fails as "locked" while another connection holds the file exclusively', (t) => {
  const dir = tempDir(t);
  // A database still in rollback-journal mode: an exclusive lock there blocks readers too.
  const other = new DatabaseSync(path.join(dir, 'bot.sqlite'));
  t.after(() => other.close());
  other.exec('CREATE TABLE placeholder (x INTEGER); BEGIN EXCLUSIVE; INSERT INTO placeholder VALUES (1);');
  assert.throws(() => Store.open(dir, { busyTimeoutMs: 50 }), isLocked);

  other.exec('ROLLBACK');
  const store = Store.open(dir, { busyTimeoutMs: 50 });
  t.after(() => store.close());
  assert.equal(store.settings.getUserVoice('u1'), null);
});
