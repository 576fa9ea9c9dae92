// Pins what an operator sees from `npm start` when DATABASE_URL cannot be used: one clear line naming the
// database (never its password) and what to check, exit code 2 (no restart loop), no stack trace.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { testPostgres } from './engines.ts';
import { skipWithoutPostgres } from './postgres.ts';

const MAIN = join(import.meta.dirname, '../../src/main.ts');

function start(databaseUrl: string): { status: number | null; stderr: string; stdout: string } {
  // A fresh working directory, so no developer's .env is read.
  const cwd = mkdtempSync(join(tmpdir(), 'omni-start-db-'));
  const env = {
    PATH: process.env.PATH ?? '',
    DISCORD_TOKEN: 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB',
    DASHSCOPE_API_KEY: 'sk-test',
    DATA_DIR: cwd,
    DISCORD_API_URL: 'http://127.0.0.1:9/api',
    DATABASE_URL: databaseUrl,
  };
  const result = spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', MAIN], { cwd, env, encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, stderr: result.stderr, stdout: result.stdout };
}

function assertOneLine(stderr: string): void {
  assert.equal(stderr.trimEnd().split('\n').length, 1, `more than one line:\n${stderr}`);
  assert.doesNotMatch(stderr, /\n\s+at /, 'a stack trace was printed');
}

test('nothing listens at DATABASE_URL: one line saying it cannot be reached, exit 2, password not shown', () => {
  const { status, stderr } = start('postgres://bot:hunter2-secret@127.0.0.1:9/omni');
  assert.equal(status, 2);
  assert.match(
    stderr,
    /^Cannot start the bot: The PostgreSQL database at postgres:\/\/bot@127\.0\.0\.1:9\/omni cannot be reached \(.*ECONNREFUSED.*\)\. Check DATABASE_URL and that the server is running\.\n$/,
  );
  assertOneLine(stderr);
  assert.doesNotMatch(stderr, /hunter2/);
});

test('a wrong password: one line saying the login was refused, exit 2, password not shown', skipWithoutPostgres(), async () => {
  const server = await testPostgres();
  const url = `postgres://postgres:wrong-password-123@127.0.0.1:${server.port}/postgres`;
  const { status, stderr } = start(url);
  assert.equal(status, 2);
  assert.match(
    stderr,
    /^Cannot start the bot: The PostgreSQL database at postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres refused the connection \(password authentication failed for user "postgres"\)\. Check the user, password and database name in DATABASE_URL\.\n$/,
  );
  assertOneLine(stderr);
  assert.doesNotMatch(stderr, /wrong-password-123/);
});

test('DATABASE_URL that is not a PostgreSQL URL is a settings problem, exit 2', () => {
  const { status, stderr } = start('mysql://localhost/db');
  assert.equal(status, 2);
  assert.match(stderr, /DATABASE_URL must be a PostgreSQL URL/);
});

test('npm run doctor says whether DATABASE_URL answers, without its password', skipWithoutPostgres(), async () => {
  const server = await testPostgres();
  const doctor = (databaseUrl: string): string => {
    const cwd = mkdtempSync(join(tmpdir(), 'omni-doctor-db-'));
    const result = spawnSync(process.execPath, [join(import.meta.dirname, '../../src/cli/doctor.ts')], {
      cwd,
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl },
      encoding: 'utf8',
      timeout: 30_000,
    });
    return result.stdout;
  };
  assert.match(doctor(server.adminUrl), /^\[ok\] +Database: PostgreSQL \d+.* at postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres answers$/m);
  const refused = doctor(`postgres://postgres:not-it-456@127.0.0.1:${server.port}/postgres`);
  assert.match(refused, /^\[FAIL\] Database: The PostgreSQL database at .* refused the connection \(password authentication failed/m);
  assert.doesNotMatch(refused, /not-it-456/);
});
