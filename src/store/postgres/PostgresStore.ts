/**
 * The PostgreSQL engine (node-postgres, pure JavaScript): the same tables, migrations and behaviour as SQLite,
 * shared by every process of the bot. Writes that must hold across processes are single statements or
 * transactions with row locks (updateGuildSettings, charge, admit, describe channels). A LISTEN connection
 * hears every change other processes commit (the triggers of migration 4) and tells onChange listeners, as
 * it tells its own settings changes directly; when it drops, the store reports 'down', reconnects every
 * second, and reports 'up' plus a 'resync' when it is back.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { MAX_DESCRIBE_CHANNELS } from '../describeChannels.ts';
import { chooseVoice, checkPatch, checkVoice, DEFAULT_GUILD_SETTINGS, fromRow, type GuildRow, type GuildSettings, toRow } from '../settings.ts';
import type { Store, StoreChange, StoreHealth } from '../Store.ts';
import type { StoreOptions } from '../SqliteStore.ts';
import {
  admissionParams,
  admitSql,
  chargeSql,
  checkCount,
  checkRecord,
  DM,
  LEDGER_COLUMNS,
  refusal,
  SUMS_SQL,
  totalSql,
  totalsFrom,
  usageFilters,
  utcDay,
} from '../usage.ts';
import { isConnectionFailure, redactUrl, toStoreError } from './errors.ts';
import { migratePostgres } from './migrate.ts';

const CHANGES_CHANNEL = 'store_changes';
const RECONNECT_MS = 1_000;
const MS_PER_DAY = 86_400_000;
const GUILD_COLUMNS = 'voice, listen_mode, listen_user_id, transcript, transcript_channel_id, persona, daily_token_cap, cooldown_seconds, speculation';

const UPSERT_USAGE = `INSERT INTO usage_daily (user_id, guild_id, day, ${LEDGER_COLUMNS.join(', ')})
  VALUES ($1, $2, $3, ${LEDGER_COLUMNS.map((_, i) => `$${i + 4}::bigint`).join(', ')})
  ON CONFLICT (user_id, guild_id, day) DO UPDATE SET ${LEDGER_COLUMNS.map((c) => `${c} = usage_daily.${c} + excluded.${c}`).join(', ')}`;
const CHARGE = chargeSql(
  LEDGER_COLUMNS.map((_, i) => `$${i + 1}::bigint`),
  '$9::text',
  '$10::text',
  '$11::text',
  '$12::bigint',
  '$13::bigint',
);
const ADMIT = admitSql('$1::text', '$2::text', '$3::text', '$4::bigint', '$5::bigint', '$6::bigint');

export class PostgresStore implements Store {
  readonly engine = 'postgres';
  readonly location: string;
  readonly #url: string;
  /** This process's application_name: notifications of its own writes carry it and are skipped. */
  readonly #origin = `qwen-omni-bot ${randomUUID().slice(0, 8)}`;
  readonly #pool: pg.Pool;
  readonly #now: () => Date;
  readonly #changeListeners = new Set<(change: StoreChange) => void>();
  readonly #healthListeners = new Set<(health: StoreHealth) => void>();
  #listener: pg.Client | undefined;
  #health: StoreHealth = 'up';
  #reconnectTimer: NodeJS.Timeout | undefined;
  #closed = false;

  private constructor(url: string, now: () => Date) {
    this.#url = url;
    this.location = redactUrl(url);
    this.#now = now;
    this.#pool = new pg.Pool({
      connectionString: url,
      application_name: this.#origin,
      max: 10,
      connectionTimeoutMillis: 3_000,
      query_timeout: 10_000,
      keepAlive: true,
    });
    // An idle connection the server dropped: the pool discards it; without a handler it would crash the process.
    this.#pool.on('error', () => this.#lost());
  }

  /** Connects, migrates and starts listening for changes; a StoreError ('unavailable', 'refused', ...) if it cannot. */
  static async open(url: string, options: StoreOptions = {}): Promise<PostgresStore> {
    const store = new PostgresStore(url, options.now ?? (() => new Date()));
    try {
      const client = await store.#pool.connect();
      try {
        await migratePostgres(client, store.location);
      } finally {
        client.release();
      }
      await store.#listen();
      return store;
    } catch (error) {
      await store.close();
      throw toStoreError(error, store.location);
    }
  }

  readonly settings: Store['settings'] = {
    getUserVoice: async (userId) => {
      const rows = await this.#query<{ voice: string | null }>('SELECT voice FROM user_settings WHERE user_id = $1', [userId]);
      return rows[0]?.voice ?? null;
    },
    setUserVoice: async (userId, voice) => {
      const checked = voice === null ? null : checkVoice(voice);
      if (checked === null) await this.#query('DELETE FROM user_settings WHERE user_id = $1', [userId]);
      else {
        await this.#query('INSERT INTO user_settings (user_id, voice) VALUES ($1, $2) ON CONFLICT (user_id) DO UPDATE SET voice = excluded.voice', [
          userId,
          checked,
        ]);
      }
      this.#tell({ kind: 'user', userId });
    },
    getGuildSettings: async (guildId) => {
      const rows = await this.#query<GuildRow>(`SELECT ${GUILD_COLUMNS} FROM guild_settings WHERE guild_id = $1`, [guildId]);
      return rows[0] ? fromPgRow(rows[0]) : DEFAULT_GUILD_SETTINGS;
    },
    updateGuildSettings: async (guildId, patch) => {
      const changes = checkPatch(patch);
      return this.#transaction(async (client) => {
        // The row exists and is locked before it is read, so two processes patching different fields both land.
        await client.query('INSERT INTO guild_settings (guild_id) VALUES ($1) ON CONFLICT (guild_id) DO NOTHING', [guildId]);
        const { rows } = await client.query<GuildRow>(`SELECT ${GUILD_COLUMNS} FROM guild_settings WHERE guild_id = $1 FOR UPDATE`, [guildId]);
        const next: GuildSettings = { ...fromPgRow(rows[0]!), ...changes };
        const row = toRow(next);
        await client.query(
          `UPDATE guild_settings SET voice = $2, listen_mode = $3, listen_user_id = $4, transcript = $5, transcript_channel_id = $6,
             persona = $7, daily_token_cap = $8, cooldown_seconds = $9, speculation = $10 WHERE guild_id = $1`,
          [
            guildId,
            row.voice,
            row.listen_mode,
            row.listen_user_id,
            row.transcript,
            row.transcript_channel_id,
            row.persona,
            row.daily_token_cap,
            row.cooldown_seconds,
            row.speculation,
          ],
        );
        return next;
      }).then((next) => {
        this.#tell({ kind: 'guild', guildId });
        return next;
      });
    },
    resolveVoice: async (userId, guildId, fallback, isValid) => {
      const rows = await this.#query<{ user_voice: string | null; guild_voice: string | null }>(
        `SELECT (SELECT voice FROM user_settings WHERE user_id = $1) AS user_voice,
                (SELECT voice FROM guild_settings WHERE guild_id = $2) AS guild_voice`,
        [userId, guildId],
      );
      return chooseVoice(rows[0]?.user_voice ?? null, rows[0]?.guild_voice ?? null, fallback, isValid);
    },
  };

  readonly usage: Store['usage'] = {
    day: (daysAgo = 0) => utcDay(new Date(this.#now().getTime() - daysAgo * MS_PER_DAY)),
    recordUsage: async (record) => {
      const { day, counts, wasted } = checkRecord(record, this.usage.day());
      await this.#query(UPSERT_USAGE, [record.userId, record.guildId ?? DM, day, ...counts, wasted]);
    },
    charge: async (record, cap) => {
      const { day, counts, wasted } = checkRecord(record, this.usage.day());
      const amount = counts.reduce((a, b) => a + b, 0);
      const rows = await this.#query(CHARGE, [...counts, wasted, record.userId, record.guildId ?? DM, day, amount, checkCount(cap)]);
      return rows.length > 0;
    },
    admit: async (request) => {
      const p = admissionParams(request, this.usage.day());
      const rows = await this.#query(ADMIT, [p.user, p.guild, p.day, p.now, p.cap, p.cooldown]);
      if (rows.length > 0) return { admitted: true };
      // Only to word the refusal: the decision above was made in one statement.
      return refusal(request, await this.usage.tokensToday(request.userId, request.guildId), await this.usage.lastAdmission(request.userId));
    },
    lastAdmission: async (userId) => {
      const rows = await this.#query<{ admitted_ms: string }>('SELECT admitted_ms FROM user_admissions WHERE user_id = $1', [userId]);
      return rows[0] ? Number(rows[0].admitted_ms) : undefined;
    },
    tokensToday: async (userId, guildId) => {
      const rows = await this.#query<{ total: string }>(`SELECT ${totalSql()} AS total FROM usage_daily WHERE user_id = $1 AND guild_id = $2 AND day = $3`, [
        userId,
        guildId ?? DM,
        this.usage.day(),
      ]);
      return Number(rows[0]?.total ?? 0);
    },
    usageFor: async (query) => {
      const { filters, params } = usageFilters(query, (n) => `$${n}`);
      const where = filters.length > 0 ? `WHERE ${filters.join(' AND ')}` : '';
      const rows = await this.#query<Record<string, string | null>>(`SELECT ${SUMS_SQL} FROM usage_daily ${where}`, params);
      return totalsFrom(rows[0] ?? {});
    },
  };

  readonly describeChannels: Store['describeChannels'] = {
    has: async (guildId, channelId) =>
      (await this.#query('SELECT 1 FROM describe_channels WHERE guild_id = $1 AND channel_id = $2', [guildId, channelId])).length > 0,
    list: async (guildId) =>
      (await this.#query<{ channel_id: string }>('SELECT channel_id FROM describe_channels WHERE guild_id = $1 ORDER BY channel_id', [guildId])).map(
        (row) => row.channel_id,
      ),
    set: async (guildId, channelId, on) => {
      if (!on) {
        await this.#query('DELETE FROM describe_channels WHERE guild_id = $1 AND channel_id = $2', [guildId, channelId]);
        this.#tell({ kind: 'channels', guildId });
        return true;
      }
      return this.#transaction(async (client) => {
        // One server's marks are counted and added under one lock, so two processes cannot both take the last place.
        await client.query("SELECT pg_advisory_xact_lock(hashtext('describe_channels:' || $1))", [guildId]);
        const { rows } = await client.query<{ marked: boolean; count: string }>(
          'SELECT bool_or(channel_id = $2) AS marked, count(*) AS count FROM describe_channels WHERE guild_id = $1',
          [guildId, channelId],
        );
        if (rows[0]?.marked) return true;
        if (Number(rows[0]?.count ?? 0) >= MAX_DESCRIBE_CHANNELS) return false;
        await client.query('INSERT INTO describe_channels (guild_id, channel_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [guildId, channelId]);
        return true;
      }).then((done) => {
        this.#tell({ kind: 'channels', guildId });
        return done;
      });
    },
  };

  readonly voiceChannels: Store['voiceChannels'] = {
    list: async () =>
      (await this.#query<{ guild_id: string; channel_id: string }>('SELECT guild_id, channel_id FROM voice_channels ORDER BY guild_id', [])).map((row) => ({
        guildId: row.guild_id,
        channelId: row.channel_id,
      })),
    set: async (guildId, channelId) => {
      if (channelId === null) await this.#query('DELETE FROM voice_channels WHERE guild_id = $1', [guildId]);
      else {
        await this.#query(
          'INSERT INTO voice_channels (guild_id, channel_id) VALUES ($1, $2) ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id',
          [guildId, channelId],
        );
      }
    },
  };

  onChange(listener: (change: StoreChange) => void): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  onHealth(listener: (health: StoreHealth) => void): () => void {
    this.#healthListeners.add(listener);
    return () => this.#healthListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    const listener = this.#listener;
    this.#listener = undefined;
    await listener?.end().catch(() => {});
    await this.#pool.end().catch(() => {});
  }

  async #query<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params: readonly unknown[]): Promise<R[]> {
    try {
      return (await this.#pool.query<R>(sql, params as unknown[])).rows;
    } catch (error) {
      throw this.#failure(error);
    }
  }

  async #transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw this.#failure(error);
    }
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      broken = isConnectionFailure(error);
      if (!broken) await client.query('ROLLBACK').catch(() => {});
      throw this.#failure(error);
    } finally {
      // A connection that failed mid-transaction is not handed to anyone else.
      client.release(broken);
    }
  }

  #failure(error: unknown): unknown {
    if (isConnectionFailure(error)) this.#lost();
    return toStoreError(error, this.location);
  }

  async #listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#url, application_name: this.#origin, connectionTimeoutMillis: 3_000, keepAlive: true });
    client.on('error', () => this.#lost());
    client.on('end', () => this.#lost());
    client.on('notification', (message) => {
      if (message.channel !== CHANGES_CHANNEL || !message.payload) return;
      this.#tell(parseChange(message.payload, this.#origin));
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
      throw error;
    }
    this.#listener = client;
  }

  // The database went away (or a connection to it broke): say so once and try to listen again every second.
  #lost(): void {
    if (this.#closed || this.#reconnectTimer) return;
    const listener = this.#listener;
    this.#listener = undefined;
    if (listener) {
      listener.removeAllListeners('end');
      void listener.end().catch(() => {});
    }
    this.#setHealth('down');
    this.#reconnectTimer = setTimeout(() => void this.#reconnect(), RECONNECT_MS);
  }

  async #reconnect(): Promise<void> {
    try {
      await this.#listen();
    } catch {
      if (!this.#closed) this.#reconnectTimer = setTimeout(() => void this.#reconnect(), RECONNECT_MS);
      return;
    }
    this.#reconnectTimer = undefined;
    if (this.#closed) {
      await this.close();
      return;
    }
    this.#setHealth('up');
    // Changes committed while we were not listening were never heard.
    this.#tell({ kind: 'resync' });
  }

  #setHealth(health: StoreHealth): void {
    if (this.#health === health) return;
    this.#health = health;
    for (const listener of this.#healthListeners) listener(health);
  }

  #tell(change: StoreChange | undefined): void {
    if (!change) return;
    for (const listener of this.#changeListeners) listener(change);
  }
}

/** PostgreSQL returns BIGINT as a string; the shared row type has numbers. */
function fromPgRow(row: GuildRow): GuildSettings {
  return fromRow({ ...row, daily_token_cap: row.daily_token_cap === null ? null : Number(row.daily_token_cap) });
}

function parseChange(payload: string, ownOrigin: string): StoreChange | undefined {
  try {
    const change = JSON.parse(payload) as StoreChange & { guildId?: string | null; origin?: string };
    if (change.origin === ownOrigin) return undefined;
    if (change.kind === 'usage') return { ...change, guildId: change.guildId === DM ? null : change.guildId };
    return change;
  } catch {
    return undefined;
  }
}
