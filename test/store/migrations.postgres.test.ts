// Pins PostgreSQL's side of the shared migrations: the same list runs once, in order, each step whole or not
// at all; processes starting at once migrate once; a database from a newer bot is refused and left alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { MIGRATIONS } from '../../src/store/migrations.ts';
import { migratePostgres } from '../../src/store/postgres/migrate.ts';
import { PostgresStore } from '../../src/store/postgres/PostgresStore.ts';
import { StoreError } from '../../src/store/StoreError.ts';
import { testPostgres } from './engines.ts';
import { skipWithoutPostgres } from './postgres.ts';

const skip = skipWithoutPostgres();

async function connect(url: string, t: { after: (fn: () => Promise<void>) => void }): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  t.after(() => client.end());
  return client;
}

test('[postgres] three processes opening a fresh database at once migrate it once, to the latest version', skip, async (t) => {
  const url = await (await testPostgres()).createDatabase();
  const stores = await Promise.all([PostgresStore.open(url), PostgresStore.open(url), PostgresStore.open(url)]);
  t.after(() => Promise.all(stores.map((store) => store.close())).then(() => {}));
  const client = await connect(url, t);
  assert.deepEqual((await client.query('SELECT version FROM schema_version')).rows, [{ version: MIGRATIONS.length }]);
  const tables = (await client.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).rows.map((row) => row.tablename);
  assert.deepEqual(tables, ['describe_channels', 'guild_settings', 'schema_version', 'usage_daily', 'user_admissions', 'user_settings', 'voice_channels']);
});

test('[postgres] migrations run in order, once; a failing one rolls back whole and keeps the version', skip, async (t) => {
  const client = await connect(await (await testPostgres()).createDatabase(), t);
  const first = { postgres: 'CREATE TABLE a (x INTEGER);' };
  const broken = { postgres: 'CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);' };
  assert.equal(await migratePostgres(client, 'test', [first]), 0);
  assert.equal(await migratePostgres(client, 'test', [first]), 1, 'nothing to do the second time');
  await assert.rejects(() => migratePostgres(client, 'test', [first, broken]), /relation "nowhere" does not exist/);
  assert.deepEqual((await client.query('SELECT version FROM schema_version')).rows, [{ version: 1 }]);
  assert.equal((await client.query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'b'")).rows[0].n, 0, 'half a migration never stays');
});

test('[postgres] a database from a newer version of the bot is refused and left untouched', skip, async (t) => {
  const url = await (await testPostgres()).createDatabase();
  const client = await connect(url, t);
  await client.query(`CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (${MIGRATIONS.length + 1})`);
  await assert.rejects(
    () => PostgresStore.open(url),
    (error) => error instanceof StoreError && error.kind === 'incompatible' && /written by a newer version of the bot/.test(error.message),
  );
  const tables = (await client.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).rows.map((row) => row.tablename);
  assert.deepEqual(tables, ['schema_version']);
});
