/** Structured, leveled logs (pino, JSON lines). Secrets and media payloads are redacted by key. */
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config/config.ts';

export type { Logger };

// Keys that may hold a token, a key or base64 media, at the top level or one level down.
const SECRET_KEYS = ['token', 'apiKey', 'authorization', 'Authorization', 'secret_key', 'data', 'databaseUrl', 'connectionString', 'password'];
const REDACT_PATHS = [...SECRET_KEYS, ...SECRET_KEYS.map((key) => `*.${key}`)];

/** A logger writing to stdout (or the given stream), with secrets redacted. */
export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): Logger {
  return pino({ level, base: undefined, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination ?? pino.destination({ fd: 1, sync: false }));
}
