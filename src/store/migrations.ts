/**
 * The database schema as one ordered list of migrations that both engines run: SQLite records how many ran in
 * `PRAGMA user_version`, PostgreSQL in its `schema_version` table (postgres/migrate.ts).
 */
import type { DatabaseSync } from 'node:sqlite';
import { PERSONA_MAX_LENGTH } from './limits.ts';
import { StoreError } from './StoreError.ts';

/**
 * One schema step, written once per engine with the same tables, keys and CHECKs (so both accept and refuse
 * the same values). Its version is its position in MIGRATIONS plus one; never edit a released step, add one.
 */
export interface Migration {
  readonly name: string;
  readonly sqlite: string;
  readonly postgres: string;
}

/** Every migration, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    name: 'settings and usage ledger',
    // STRICT tables and CHECKs keep bad values out even if a caller bypasses validation.
    // usage_daily.guild_id is '' for DMs: a NULL in the key would make every DM row distinct.
    sqlite: `
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
    // char_length counts code points, like SQLite's length().
    postgres: `
      CREATE TABLE user_settings (
        user_id TEXT PRIMARY KEY,
        voice   TEXT
      );

      CREATE TABLE guild_settings (
        guild_id              TEXT PRIMARY KEY,
        voice                 TEXT,
        listen_mode           TEXT NOT NULL DEFAULT 'everyone' CHECK (listen_mode IN ('everyone', 'only-me', 'addressed')),
        listen_user_id        TEXT,
        transcript            INTEGER NOT NULL DEFAULT 0 CHECK (transcript IN (0, 1)),
        transcript_channel_id TEXT,
        persona               TEXT CHECK (char_length(persona) <= ${PERSONA_MAX_LENGTH}),
        daily_token_cap       BIGINT CHECK (daily_token_cap >= 0),
        cooldown_seconds      INTEGER CHECK (cooldown_seconds >= 0),
        CHECK ((listen_mode = 'only-me') = (listen_user_id IS NOT NULL))
      );

      CREATE TABLE usage_daily (
        user_id          TEXT NOT NULL,
        guild_id         TEXT NOT NULL,
        day              TEXT NOT NULL,
        input_text       BIGINT NOT NULL DEFAULT 0,
        input_audio      BIGINT NOT NULL DEFAULT 0,
        input_image      BIGINT NOT NULL DEFAULT 0,
        input_video      BIGINT NOT NULL DEFAULT 0,
        output_text      BIGINT NOT NULL DEFAULT 0,
        output_audio     BIGINT NOT NULL DEFAULT 0,
        output_reasoning BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY (user_id, guild_id, day)
      );

      CREATE INDEX usage_daily_by_guild ON usage_daily (guild_id, day);
    `,
  },
  {
    name: 'channels where posted files are described without a mention',
    sqlite: `
      CREATE TABLE describe_channels (
        guild_id   TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        PRIMARY KEY (guild_id, channel_id)
      ) STRICT, WITHOUT ROWID;
    `,
    postgres: `
      CREATE TABLE describe_channels (
        guild_id   TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        PRIMARY KEY (guild_id, channel_id)
      );
    `,
  },
  {
    name: 'when each person was last admitted, so cooldowns hold across processes',
    sqlite: `
      CREATE TABLE user_admissions (
        user_id     TEXT PRIMARY KEY,
        admitted_ms INTEGER NOT NULL CHECK (admitted_ms >= 0)
      ) STRICT, WITHOUT ROWID;
    `,
    postgres: `
      CREATE TABLE user_admissions (
        user_id     TEXT PRIMARY KEY,
        admitted_ms BIGINT NOT NULL CHECK (admitted_ms >= 0)
      );
    `,
  },
  {
    // Every process keeps a cache of the settings it reads; a committed change, by any writer, tells them all.
    // SQLite serves one process, which learns its own changes directly.
    name: 'change notifications for other processes',
    sqlite: '',
    postgres: `
      CREATE FUNCTION notify_store_change() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        r record;
        change json;
      BEGIN
        IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
        IF TG_TABLE_NAME = 'user_settings' THEN change := json_build_object('kind', 'user', 'userId', r.user_id);
        ELSIF TG_TABLE_NAME = 'guild_settings' THEN change := json_build_object('kind', 'guild', 'guildId', r.guild_id);
        ELSIF TG_TABLE_NAME = 'describe_channels' THEN change := json_build_object('kind', 'channels', 'guildId', r.guild_id);
        ELSIF TG_TABLE_NAME = 'usage_daily' THEN
          change := json_build_object('kind', 'usage', 'userId', r.user_id, 'guildId', r.guild_id, 'day', r.day);
        ELSIF TG_TABLE_NAME = 'user_admissions' THEN change := json_build_object('kind', 'admission', 'userId', r.user_id);
        END IF;
        -- The writer's application_name says which process made the change, so it can skip its own.
        PERFORM pg_notify('store_changes', (change::jsonb || jsonb_build_object('origin', current_setting('application_name')))::text);
        RETURN NULL;
      END
      $$;
      CREATE TRIGGER user_settings_changed AFTER INSERT OR UPDATE OR DELETE ON user_settings FOR EACH ROW EXECUTE FUNCTION notify_store_change();
      CREATE TRIGGER guild_settings_changed AFTER INSERT OR UPDATE OR DELETE ON guild_settings FOR EACH ROW EXECUTE FUNCTION notify_store_change();
      CREATE TRIGGER describe_channels_changed AFTER INSERT OR UPDATE OR DELETE ON describe_channels FOR EACH ROW EXECUTE FUNCTION notify_store_change();
      CREATE TRIGGER usage_daily_changed AFTER INSERT OR UPDATE OR DELETE ON usage_daily FOR EACH ROW EXECUTE FUNCTION notify_store_change();
      CREATE TRIGGER user_admissions_changed AFTER INSERT OR UPDATE OR DELETE ON user_admissions FOR EACH ROW EXECUTE FUNCTION notify_store_change();
    `,
  },
  {
    name: 'speculative requests: per-server switch, and their waste in the usage ledger',
    // speculative_wasted is an "of which" of the modality columns: dropped speculative requests count toward
    // caps like any request, and /usage shows them apart. speculation NULL means the bot's default.
    // The usage_daily trigger of migration 4 already tells other processes of the new column's changes.
    sqlite: `
      ALTER TABLE guild_settings ADD COLUMN speculation INTEGER CHECK (speculation IN (0, 1));
      ALTER TABLE usage_daily ADD COLUMN speculative_wasted INTEGER NOT NULL DEFAULT 0 CHECK (speculative_wasted >= 0);
    `,
    postgres: `
      ALTER TABLE guild_settings ADD COLUMN speculation INTEGER CHECK (speculation IN (0, 1));
      ALTER TABLE usage_daily ADD COLUMN speculative_wasted BIGINT NOT NULL DEFAULT 0 CHECK (speculative_wasted >= 0);
    `,
  },
  {
    name: 'the voice channel the bot is in per server, to go back after a restart',
    sqlite: `
      CREATE TABLE voice_channels (
        guild_id   TEXT PRIMARY KEY,
        channel_id TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
    `,
    postgres: `
      CREATE TABLE voice_channels (
        guild_id   TEXT PRIMARY KEY,
        channel_id TEXT NOT NULL
      );
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
export function migrate(db: DatabaseSync, migrations: readonly Pick<Migration, 'sqlite'>[] = MIGRATIONS): number {
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
      db.exec(migration.sqlite);
      db.exec(`PRAGMA user_version = ${version}`);
      db.exec('COMMIT');
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw error;
    }
  }
  return from;
}
