// Shared by the store tests: throwaway data directories, a settable clock, a child-process runner.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { TestContext } from 'node:test';
import { createLogger, type Logger } from '../../src/log.ts';

/** A fresh data directory, removed when the test ends. */
export function tempDir(t: TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'store-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A clock the test moves by hand. */
export function fakeClock(iso: string): { now: () => Date; set: (iso: string) => void } {
  let current = new Date(iso);
  return { now: () => current, set: (next) => (current = new Date(next)) };
}

/** Runs `code` (an ES module, with `SqliteStore` and `openStore` imported) in a new Node process and returns its stdout. */
export function runInChild(code: string): string {
  const result = spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', '--input-type=module', '-e', childScript(code)], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (result.status !== 0) throw new Error(`child failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

/** Starts `code` in a new Node process without waiting for it. */
export function startChild(code: string): ReturnType<typeof spawn> {
  return spawn(process.execPath, ['--disable-warning=ExperimentalWarning', '--input-type=module', '-e', childScript(code)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs `code` like runInChild without blocking this process's event loop (a PostgreSQL server in it may be needed). */
export async function runInChildAsync(code: string): Promise<string> {
  const child = startChild(code);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [status] = (await once(child, 'close')) as [number | null];
  if (status !== 0) throw new Error(`child failed (${status}): ${stderr}`);
  return stdout;
}

function childScript(code: string): string {
  const sqlite = new URL('../../src/store/SqliteStore.ts', import.meta.url).href;
  const store = new URL('../../src/store/Store.ts', import.meta.url).href;
  return `import { SqliteStore } from ${JSON.stringify(sqlite)};\nimport { openStore } from ${JSON.stringify(store)};\n${code}`;
}

/** A logger whose lines the test can read, and wait for. */
export function capturedLogger(): {
  log: Logger;
  lines: () => Array<Record<string, unknown>>;
  /** Resolves when a line whose message starts with `prefix` is (or has been) written. */
  said: (prefix: string) => Promise<void>;
} {
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<{ prefix: string; resolve: () => void }> = [];
  const matches = (prefix: string): boolean => lines.some((line) => String(line.msg).startsWith(prefix));
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      for (const waiter of waiters.splice(0)) {
        if (matches(waiter.prefix)) waiter.resolve();
        else waiters.push(waiter);
      }
      done();
    },
  });
  return {
    log: createLogger('info', sink),
    lines: () => lines,
    said: (prefix) => new Promise((resolve) => (matches(prefix) ? resolve() : waiters.push({ prefix, resolve }))),
  };
}
