// The store suite runs every behaviour test on both engines: SQLite in a temp dir, and a real PostgreSQL
// server (one per test file, a fresh database per test). Without PostgreSQL installed (and outside CI) its
// half is skipped with a message saying so.
import { after, type TestContext, test } from 'node:test';
import { SqliteStore, type StoreOptions } from '../../src/store/SqliteStore.ts';
import { type Store, sqliteAsStore } from '../../src/store/Store.ts';
import { PostgresStore } from '../../src/store/postgres/PostgresStore.ts';
import { tempDir } from './helpers.ts';
import { skipWithoutPostgres, startPostgres, type TestPostgres } from './postgres.ts';

export interface EngineUnderTest {
  readonly name: 'sqlite' | 'postgres';
  /** A new, empty place for a store: a data directory or a database URL. */
  place(t: TestContext): Promise<string>;
  /** Opens the store at `place`, closed when the test ends. */
  open(t: TestContext, place: string, options?: StoreOptions): Promise<Store>;
}

let server: Promise<TestPostgres> | undefined;
// Registered at import, at the top level: an `after` called inside a test would run when that test ends.
after(async () => (await server?.catch(() => undefined))?.close());

/** This file's PostgreSQL server, started on first use and stopped after the file's tests. */
export function testPostgres(): Promise<TestPostgres> {
  server ??= startPostgres();
  return server;
}

const sqlite: EngineUnderTest = {
  name: 'sqlite',
  place: async (t) => tempDir(t),
  async open(t, place, options) {
    const store = sqliteAsStore(SqliteStore.open(place, options));
    t.after(() => store.close());
    return store;
  },
};

const postgres: EngineUnderTest = {
  name: 'postgres',
  place: async () => (await testPostgres()).createDatabase(),
  async open(t, place, options) {
    const store = await PostgresStore.open(place, options);
    t.after(() => store.close());
    return store;
  },
};

export const ENGINES: readonly EngineUnderTest[] = [sqlite, postgres];

/** Declares `title` once per engine; `fn` gets the engine and a fresh, open store. */
export function storeTest(
  title: string,
  fn: (t: TestContext, store: Store, engine: EngineUnderTest, place: string) => Promise<void>,
  options: StoreOptions = {},
): void {
  for (const engine of ENGINES) {
    test(`${title} [${engine.name}]`, engine.name === 'postgres' ? skipWithoutPostgres() : {}, async (t) => {
      const place = await engine.place(t);
      await fn(t, await engine.open(t, place, options), engine, place);
    });
  }
}
