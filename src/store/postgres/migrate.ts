/** Runs the shared migration list on PostgreSQL; the `schema_version` table records how many ran. */
import type pg from 'pg';
import { MIGRATIONS, type Migration } from '../migrations.ts';
import { StoreError } from '../StoreError.ts';

// Any constant: processes starting at once take turns on this lock, so each step runs exactly once.
const MIGRATION_LOCK = 7_301_554_815;

/**
 * Brings the database up to `migrations.length`, each step in its own transaction with its version bump
 * (PostgreSQL's DDL is transactional, so a crash leaves a whole version). Returns the version it started from;
 * refuses a database written by a newer version of the bot.
 */
export async function migratePostgres(
  client: pg.ClientBase,
  location: string,
  migrations: readonly Pick<Migration, 'postgres'>[] = MIGRATIONS,
): Promise<number> {
  let from: number | undefined;
  for (;;) {
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
      const rows = (await client.query<{ version: number }>('SELECT version FROM schema_version')).rows;
      if (rows.length === 0) await client.query('INSERT INTO schema_version (version) VALUES (0)');
      const version = rows[0]?.version ?? 0;
      from ??= version;
      if (version > migrations.length) {
        throw new StoreError(
          'incompatible',
          location,
          `The PostgreSQL database at ${location} was written by a newer version of the bot (schema ${version}, this version knows ${migrations.length}). Update the bot.`,
        );
      }
      if (version === migrations.length) {
        await client.query('COMMIT');
        return from;
      }
      await client.query(migrations[version]!.postgres);
      await client.query('UPDATE schema_version SET version = $1', [version + 1]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    }
  }
}
