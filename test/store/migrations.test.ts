// Pins opening: pragmas (WAL, busy_timeout, foreign keys), ordered migrations each in a transaction, newer schemas refused.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { openConnection } from '../../src/store/connection.ts';
import { migrate, MIGRATIONS, schemaVersion } from '../../src/store/migrations.ts';
import { StoreError } from '../../src/store/StoreError.ts';
import { SqliteStore as Store } from '../../src/store/SqliteStore.ts';
import { tempDir } from './helpers.ts';

const pragma = (db: DatabaseSync, name: string): unknown => Object.values(db.prepare(`PRAGMA ${name}`).get() ?? {})[0];

test('a fresh store is created in <dataDir>/bot.sqlite with WAL, busy_timeout, foreign keys, latest schema', (t) => {
  const dir = path.join(tempDir(t), 'nested', 'data');
  const conn = openConnection(dir, 1234);
  t.after(() => conn.close());
  assert.equal(conn.path, path.join(dir, 'bot.sqlite'));
  assert.equal(pragma(conn.db, 'journal_mode'), 'wal');
  assert.equal(pragma(conn.db, 'busy_timeout'), 1234);
  assert.equal(pragma(conn.db, 'foreign_keys'), 1);
  assert.equal(schemaVersion(conn.db), MIGRATIONS.length);
});

test('migrations run in order, once; a failing one rolls back whole and keeps the version', (t) => {
  const db = new DatabaseSync(path.join(tempDir(t), 'm.sqlite'));
  t.after(() => db.close());
  const first = { name: 'one', sqlite: 'CREATE TABLE a (x INTEGER);' };
  const broken = { name: 'two', sqlite: 'CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);' };
  assert.equal(migrate(db, [first]), 0);
  assert.equal(migrate(db, [first]), 1, 'nothing to do the second time');
  assert.throws(() => migrate(db, [first, broken]), /no such table: nowhere/);
  assert.equal(schemaVersion(db), 1);
  assert.equal(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'b'").get()?.n, 0, 'half a migration never stays');
  migrate(db, [first, { name: 'two', sqlite: 'CREATE TABLE b (x INTEGER);' }]);
  assert.equal(schemaVersion(db), 2);
});

test('a database from a newer version of the bot is refused and left untouched', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'bot.sqlite');
  const db = new DatabaseSync(file);
  db.exec(`PRAGMA user_version = ${MIGRATIONS.length + 1}`);
  db.close();
  const before = fs.readFileSync(file);
  assert.throws(
    () => Store.open(dir),
    (error) => error instanceof StoreError && error.kind === 'incompatible' && /written by a newer version of the bot/.test(error.message),
  );
  assert.deepEqual(fs.readFileSync(file), before);
});
