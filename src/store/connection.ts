/** Opening the database file safely, and running reads and transactional writes on it. */
import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { migrate } from './migrations.ts';
import { damaged, StoreError, toStoreError } from './StoreError.ts';

/** Name of the database file inside the data directory. */
export const DATABASE_FILE = 'bot.sqlite';
/** How long a statement waits for another connection's lock before failing as "locked". */
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/** An open database with the store's error mapping and transaction discipline. */
export class Connection {
  readonly db: DatabaseSync;
  /** Absolute path of the database file, for messages. */
  readonly path: string;
  #depth = 0;

  constructor(db: DatabaseSync, file: string) {
    this.db = db;
    this.path = file;
  }

  /** Runs a read or a single-statement write (atomic by itself); SQLite failures become StoreErrors. */
  run<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw toStoreError(error, this.path);
    }
  }

  /**
   * Runs `fn` atomically: all of its writes land or none do. Nested calls become savepoints, so a helper that
   * writes transactionally can be grouped with others into one bigger transaction.
   */
  transaction<T>(fn: () => T): T {
    const outer = this.#depth === 0;
    const savepoint = `s${this.#depth}`;
    try {
      // IMMEDIATE takes the write lock up front, so a busy database fails here rather than halfway through.
      this.db.exec(outer ? 'BEGIN IMMEDIATE' : `SAVEPOINT ${savepoint}`);
    } catch (error) {
      throw toStoreError(error, this.path);
    }
    this.#depth++;
    try {
      const result = fn();
      // A promise would let other code run between our statements while the transaction stays open.
      if (result instanceof Promise) throw new TypeError('Store transactions are synchronous; do not pass an async function');
      this.db.exec(outer ? 'COMMIT' : `RELEASE ${savepoint}`);
      return result;
    } catch (error) {
      this.#undo(outer, savepoint);
      throw toStoreError(error, this.path);
    } finally {
      this.#depth--;
    }
  }

  /** Closes the file; safe to call twice. */
  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  #undo(outer: boolean, savepoint: string): void {
    // SQLite rolls some failures (disk full, I/O errors) back by itself; then there is nothing left to undo.
    if (!this.db.isTransaction) return;
    if (outer) this.db.exec('ROLLBACK');
    else this.db.exec(`ROLLBACK TO ${savepoint}; RELEASE ${savepoint}`);
  }
}

/**
 * Opens (creating if needed) `<dataDir>/bot.sqlite`: WAL, busy timeout, foreign keys, an integrity check and
 * migrations. Never deletes or replaces an existing file: a damaged one is reported as a StoreError.
 */
export function openConnection(dataDir: string, busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS): Connection {
  const dir = path.resolve(dataDir);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new StoreError('unwritable', dir, `The data directory ${dir} cannot be created (${reason}). Set DATA_DIR to a folder the bot can write.`, error);
  }
  const file = path.join(dir, DATABASE_FILE);
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(file);
    // busy_timeout first: every later statement may need a lock.
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
    db.exec('PRAGMA foreign_keys = ON');
    // Check and migrate before switching to WAL: a damaged or newer file is refused without one byte written.
    checkIntegrity(db, file);
    migrate(db);
    db.exec('PRAGMA journal_mode = WAL');
    // In WAL mode NORMAL cannot corrupt the file or lose a commit on a process crash; only a power cut can
    // drop the last commits. Settings and token counts can afford that, and it makes each write ~10x faster.
    db.exec('PRAGMA synchronous = NORMAL');
    return new Connection(db, file);
  } catch (error) {
    if (db?.isOpen) db.close();
    throw toStoreError(error, file);
  }
}

// quick_check reads every page (about 0.35 s per million usage rows): a truncated file can open fine and only
// fail later, halfway through someone's command.
function checkIntegrity(db: DatabaseSync, file: string): void {
  const rows = db.prepare('PRAGMA quick_check(1)').all() as Array<{ quick_check: string }>;
  const verdict = rows[0]?.quick_check ?? 'no answer from the integrity check';
  if (verdict !== 'ok') throw damaged(file, verdict.split('\n').filter((line) => !line.startsWith('***'))[0] ?? verdict);
}
