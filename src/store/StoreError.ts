/** The store's own error, and the mapping from raw SQLite failures to it. */
import { BotError } from '../errors.ts';

/**
 * Why the store failed, in terms an operator can act on. 'unavailable' and 'refused' are PostgreSQL's: the
 * server cannot be reached (or went away), or it turned the login down.
 */
export type StoreErrorKind = 'damaged' | 'locked' | 'unwritable' | 'incompatible' | 'failed' | 'unavailable' | 'refused';

const USER_MESSAGE = 'My settings storage is unavailable right now. Please try again later, or tell whoever runs the bot.';

/** The settings database (or its folder) cannot be used; `message` says why and what to do. */
export class StoreError extends BotError {
  readonly kind: StoreErrorKind;
  /** The database file or data directory concerned (PostgreSQL: its URL without the password). */
  readonly path: string;

  constructor(kind: StoreErrorKind, path: string, message: string, cause?: unknown) {
    super(message, { userMessage: USER_MESSAGE, cause });
    this.kind = kind;
    this.path = path;
  }
}

// Primary SQLite result codes (https://sqlite.org/rescode.html); node:sqlite may report extended ones.
const SQLITE_PERM = 3;
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_READONLY = 8;
const SQLITE_IOERR = 10;
const SQLITE_CORRUPT = 11;
const SQLITE_FULL = 13;
const SQLITE_CANTOPEN = 14;
const SQLITE_NOTADB = 26;

interface SqliteFailure {
  readonly code: 'ERR_SQLITE_ERROR';
  readonly errcode: number;
  readonly errstr: string;
  readonly message: string;
}

function isSqliteFailure(error: unknown): error is SqliteFailure {
  return error instanceof Error && (error as { code?: unknown }).code === 'ERR_SQLITE_ERROR' && typeof (error as { errcode?: unknown }).errcode === 'number';
}

/** A "damaged" error for the database at `path`, with SQLite's own wording of the damage. */
export function damaged(path: string, detail: string, cause?: unknown): StoreError {
  return new StoreError(
    'damaged',
    path,
    `The settings database at ${path} is damaged (${detail}). Move it aside or restore a backup; the bot will create a fresh one.`,
    cause,
  );
}

/**
 * Maps a SQLite failure to a StoreError about `path`. Anything else (our own errors, a caller's error thrown
 * inside a transaction, a programming error) is returned unchanged so it keeps its meaning.
 */
export function toStoreError(error: unknown, path: string): unknown {
  if (!isSqliteFailure(error)) return error;
  switch (error.errcode & 0xff) {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return damaged(path, error.message, error);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return new StoreError('locked', path, `The settings database at ${path} is locked by another process (is another copy of the bot running?).`, error);
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
      return new StoreError(
        'unwritable',
        path,
        `The settings database at ${path} cannot be opened or written (${error.message}). Check that its folder is writable by the bot and the disk is not full.`,
        error,
      );
    default:
      return new StoreError('failed', path, `The settings database at ${path} failed: ${error.message}.`, error);
  }
}
