/** The database schema as an ordered list of migrations; `PRAGMA user_version` records how many ran. */
import type { DatabaseSync } from 'node:sqlite';
import { PERSONA_MAX_LENGTH } from './limits.ts';
import { StoreError } from './StoreError.ts';

/** One schema step. Its version is its position in MIGRATIONS plus one; never edit a released step, add one. */
export interface Migration {
  readonly name: string;
  readonly sql: string;
}

/** Every migration, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    name: 'settings and usage ledger',
    // STRICT tables and CHECKs keep bad values out even if a caller bypasses validation.
    // usage_daily.guild_id is '' for DMs: a NULL in the key would make every DM row distinct.
    sql: `
      CREATE TABLE user_settings (
        user_id TEXT PRIMARY KEY,
        voice   TEXT
      ) STRICT;

      CREATE TABLE guild_settings (
        guild_id              TEXT PRIMARY KEY,
        voice                 TEXT,
        listen_mode           TEXT NOT NULL DEFAULT 'everyone' CHECK (listen_mode IN ('everyone', 'only-me', 'addressed')),
        listen_user_id        TEXT,
        transcript            INTEGER NOT NULL DEFAULT 0 CHECK (transcript IN (0, 1)),
        transcript_channel_id TEXT,
        persona               TEXT CHECK (length(persona) <= ${PERSONA_MAX_LENGTH}),
        daily_token_cap       INTEGER CHECK (daily_token_cap >= 0),
        cooldown_seconds      INTEGER CHECK (cooldown_seconds >= 0),
        CHECK ((listen_mode = 'only-me') = (listen_user_id IS NOT NULL))
      ) STRICT;

      CREATE TABLE usage_daily (
        user_id          TEXT NOT NULL,
        guild_id         TEXT NOT NULL,
        day              TEXT NOT NULL,
        input_text       INTEGER NOT NULL DEFAULT 0,
        input_audio      INTEGER NOT NULL DEFAULT 0,
        input_image      INTEGER NOT NULL DEFAULT 0,
        input_video      INTEGER NOT NULL DEFAULT 0,
        output_text      INTEGER NOT NULL DEFAULT 0,
        output_audio     INTEGER NOT NULL DEFAULT 0,
        output_reasoning INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (user_id, guild_id, day)
      ) STRICT, WITHOUT ROWID;

      CREATE INDEX usage_daily_by_guild ON usage_daily (guild_id, day);
    `,
  },
  {
    name: 'channels where posted files are described without a mention',
    sql: `
      CREATE TABLE describe_channels (
        guild_id   TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        PRIMARY KEY (guild_id, channel_id)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    name: 'speculative requests: per-server switch, and their waste in the usage ledger',
    // speculative_wasted is an "of which" of the modality columns: dropped speculative requests count toward
    // caps like any request, and /usage shows them apart. speculation NULL means the bot's default.
    sql: `
      ALTER TABLE guild_settings ADD COLUMN speculation INTEGER CHECK (speculation IN (0, 1));
      ALTER TABLE usage_daily ADD COLUMN speculative_wasted INTEGER NOT NULL DEFAULT 0 CHECK (speculative_wasted >= 0);
    `,
  },
];

/** The schema version of a database: how many migrations it has had. */
export function schemaVersion(db: DatabaseSync): number {
  const row = db.prepare('PRAGMA user_version').get() as { user_version: number };
  return row.user_version;
}

/**
 * Brings the database up to `migrations.length`, each step in its own transaction together with its version
 * bump, so a crash leaves the database at a whole version. Returns the version it started from.
 * Refuses a database written by a newer version of the bot rather than guess at its schema.
 */
export function migrate(db: DatabaseSync, migrations: readonly Migration[] = MIGRATIONS): number {
  const from = schemaVersion(db);
  if (from > migrations.length) {
    const path = db.location() ?? ':memory:';
    throw new StoreError(
      'incompatible',
      path,
      `The settings database at ${path} was written by a newer version of the bot (schema ${from}, this version knows ${migrations.length}). Update the bot, or move the file aside to start fresh.`,
    );
  }
  for (let version = from + 1; version <= migrations.length; version++) {
    const migration = migrations[version - 1]!;
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(migration.sql);
      db.exec(`PRAGMA user_version = ${version}`);
      db.exec('COMMIT');
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw error;
    }
  }
  return from;
}
