/** PostgreSQL failures as StoreErrors, and the database URL as it may be shown (never with its password). */
import { StoreError } from '../StoreError.ts';

/** `url` without the password (and without query parameters, which may carry one too). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    parsed.search = '';
    return parsed.toString();
  } catch {
    return 'DATABASE_URL (not a valid URL)';
  }
}

// SQLSTATE classes and codes (https://www.postgresql.org/docs/current/errcodes-appendix.html).
const CONNECTION_EXCEPTION_CLASS = '08';
const OPERATOR_INTERVENTION_CLASS = '57'; // admin_shutdown, crash_shutdown, cannot_connect_now
const TOO_MANY_CONNECTIONS = '53300';
const LOGIN_REFUSED = new Set(['28000', '28P01', '3D000']); // bad authorization, bad password, no such database
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOENT']);

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True for a failure that means "the server is not there right now", as opposed to a bad statement. */
export function isConnectionFailure(error: unknown): boolean {
  if (error instanceof StoreError) return error.kind === 'unavailable';
  const code = codeOf(error);
  if (code !== undefined) {
    return (
      NETWORK_CODES.has(code) || code.startsWith(CONNECTION_EXCEPTION_CLASS) || code.startsWith(OPERATOR_INTERVENTION_CLASS) || code === TOO_MANY_CONNECTIONS
    );
  }
  // node-postgres reports a dropped socket and its own timeouts as plain Errors.
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error/i.test(
    message,
  );
}

/** Maps a node-postgres failure to a StoreError about `location`; other errors (ours, callers') pass unchanged. */
export function toStoreError(error: unknown, location: string): unknown {
  if (error instanceof StoreError || !(error instanceof Error)) return error;
  const code = codeOf(error);
  const reason = error.message || code || 'no reason given';
  if (code !== undefined && LOGIN_REFUSED.has(code)) {
    return new StoreError(
      'refused',
      location,
      `The PostgreSQL database at ${location} refused the connection (${reason}). Check the user, password and database name in DATABASE_URL.`,
      error,
    );
  }
  if (isConnectionFailure(error)) {
    return new StoreError(
      'unavailable',
      location,
      `The PostgreSQL database at ${location} cannot be reached (${reason}). Check DATABASE_URL and that the server is running.`,
      error,
    );
  }
  // Anything that carries a SQLSTATE came from the server: a statement it refused.
  if (code !== undefined) return new StoreError('failed', location, `The PostgreSQL database at ${location} failed: ${reason}.`, error);
  return error;
}
