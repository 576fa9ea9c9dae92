// Pins that a damaged database file (random bytes, truncated) is reported as a clear StoreError and left untouched.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { StoreError } from '../../src/store/StoreError.ts';
import { SqliteStore as Store } from '../../src/store/SqliteStore.ts';
import { tempDir } from './helpers.ts';

const DAMAGED = /^The settings database at .+bot\.sqlite is damaged \(.+\)\. Move it aside or restore a backup; the bot will create a fresh one\.$/;

function assertDamaged(dir: string): void {
  assert.throws(
    () => Store.open(dir),
    (error) => error instanceof StoreError && error.kind === 'damaged' && DAMAGED.test(error.message) && error.path === path.join(dir, 'bot.sqlite'),
  );
}

/** A real, closed store big enough to span many pages. */
function filledStore(dir: string): Buffer {
  const store = Store.open(dir);
  store.transaction(() => {
    for (let i = 0; i < 2000; i++) store.settings.updateGuildSettings(`guild-${i}`, { persona: `Persona number ${i}.` });
  });
  store.close();
  return fs.readFileSync(path.join(dir, 'bot.sqlite'));
}

test('random bytes: "file is not a database", the file is not overwritten, and the error repeats', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'bot.sqlite');
  const junk = randomBytes(16_384);
  fs.writeFileSync(file, junk);
  assert.throws(
    () => Store.open(dir),
    (error) => error instanceof StoreError && /is damaged \(file is not a database\)/.test(error.message),
  );
  assertDamaged(dir);
  assert.deepEqual(fs.readFileSync(file), junk);
});

for (const [what, cut] of [
  ['truncated to half', (size: number) => Math.floor(size / 2)],
  ['missing its last 100 bytes', (size: number) => size - 100],
  ['cut inside the header', () => 50],
] as const) {
  test(`a file ${what} is reported as damaged and kept as it is`, (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, 'bot.sqlite');
    const truncated = filledStore(dir).subarray(0, cut(fs.statSync(file).size));
    fs.writeFileSync(file, truncated);
    assertDamaged(dir);
    assert.deepEqual(fs.readFileSync(file), truncated);
  });
}

test('once the damaged file is moved aside, a fresh store opens', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'bot.sqlite');
  fs.writeFileSync(file, randomBytes(4096));
  assertDamaged(dir);
  fs.renameSync(file, `${file}.damaged`);
  const store = Store.open(dir);
  t.after(() => store.close());
  assert.equal(store.settings.getUserVoice('u1'), null);
});
