// Pins that a data directory that cannot be created or used gives a clear StoreError.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { StoreError } from '../../src/store/StoreError.ts';
import { SqliteStore as Store } from '../../src/store/SqliteStore.ts';
import { tempDir } from './helpers.ts';

test('a data directory under a regular file cannot be created', (t) => {
  const file = path.join(tempDir(t), 'not-a-folder');
  fs.writeFileSync(file, 'x');
  const dataDir = path.join(file, 'data');
  assert.throws(
    () => Store.open(dataDir),
    (error) =>
      error instanceof StoreError &&
      error.kind === 'unwritable' &&
      error.path === dataDir &&
      /^The data directory .+ cannot be created \(.*ENOTDIR.*\)\. Set DATA_DIR to a folder the bot can write\.$/.test(error.message),
  );
});

test('a folder where the database file should be is reported, not replaced', (t) => {
  const dir = tempDir(t);
  fs.mkdirSync(path.join(dir, 'bot.sqlite'));
  assert.throws(
    () => Store.open(dir),
    (error) => error instanceof StoreError && error.kind === 'unwritable' && /bot\.sqlite cannot be opened or written/.test(error.message),
  );
  assert.ok(fs.statSync(path.join(dir, 'bot.sqlite')).isDirectory());
});
