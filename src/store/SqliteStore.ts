/**
 * The embedded engine: settings and the usage ledger in `<dataDir>/bot.sqlite` (node:sqlite), synchronous.
 * The bot reaches it through the async `Store` interface (Store.ts); tests of SQLite itself use it directly.
 * Node 22 prints "ExperimentalWarning: SQLite is an experimental feature" once when node:sqlite loads;
 * start Node with `--disable-warning=ExperimentalWarning` to keep it out of the bot's output.
 */
import { type Connection, DEFAULT_BUSY_TIMEOUT_MS, openConnection } from './connection.ts';
import { DescribeChannels } from './describeChannels.ts';
import { Settings } from './settings.ts';
import { toStoreError } from './StoreError.ts';
import { UsageLedger } from './usage.ts';
import { VoiceChannels } from './voiceChannels.ts';

/** How to open the store; the defaults suit the bot, tests override them. */
export interface StoreOptions {
  /** The clock that decides the UTC day of usage; `() => new Date()` by default. */
  readonly now?: () => Date;
  /** How long to wait for another connection's lock before failing as "locked"; 5000 ms by default. */
  readonly busyTimeoutMs?: number;
}

/** Settings and usage, synchronous, surviving restarts. Failures are StoreErrors; bad input InvalidInputErrors. */
export class SqliteStore {
  readonly settings: Settings;
  readonly usage: UsageLedger;
  readonly describeChannels: DescribeChannels;
  readonly voiceChannels: VoiceChannels;
  /** Absolute path of the database file. */
  readonly path: string;
  readonly #conn: Connection;

  private constructor(conn: Connection, now: () => Date) {
    this.#conn = conn;
    this.path = conn.path;
    this.settings = new Settings(conn);
    this.usage = new UsageLedger(conn, now);
    this.describeChannels = new DescribeChannels(conn);
    this.voiceChannels = new VoiceChannels(conn);
  }

  /** Opens (creating and migrating if needed) the store in `dataDir`; throws a StoreError it cannot use. */
  static open(dataDir: string, options: StoreOptions = {}): SqliteStore {
    const conn = openConnection(dataDir, options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
    try {
      return new SqliteStore(conn, options.now ?? (() => new Date()));
    } catch (error) {
      conn.close();
      throw toStoreError(error, conn.path);
    }
  }

  /** Runs `fn` atomically: every store write inside it lands, or none does if it throws. */
  transaction<T>(fn: () => T): T {
    return this.#conn.transaction(fn);
  }

  /** Closes the database file; safe to call twice. */
  close(): void {
    this.#conn.close();
  }
}
