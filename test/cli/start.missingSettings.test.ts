// Pins what a newcomer sees from `npm start` with no settings: what is missing, where to get it, exit 2, no stack.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const MAIN = join(import.meta.dirname, '../../src/main.ts');

function start(env: Record<string, string>): { status: number | null; stderr: string; stdout: string } {
  // A fresh working directory, so no developer's .env is read.
  const cwd = mkdtempSync(join(tmpdir(), 'omni-start-'));
  const result = spawnSync(process.execPath, [MAIN], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, stderr: result.stderr, stdout: result.stdout };
}

test('no settings: both secrets named with where to get them, exit code 2, no stack trace', () => {
  const { status, stderr, stdout } = start({});
  assert.equal(status, 2);
  assert.match(stderr, /^Cannot start the bot: 2 settings need attention/);
  assert.match(stderr, /DISCORD_TOKEN is missing\. Get it from the Discord Developer Portal/);
  assert.match(stderr, /DASHSCOPE_API_KEY is missing\. Get it from Alibaba Cloud Model Studio/);
  assert.doesNotMatch(stderr, /\n\s+at /, 'a stack trace was printed');
  assert.equal(stdout, '');
});

test('an invalid value is explained without echoing the secret', () => {
  const secretKey = 'sk-very-secret-value-123';
  const { status, stderr } = start({ DISCORD_TOKEN: 'not a token', DASHSCOPE_API_KEY: secretKey, OMNI_MODEL: 'qwen-omni-turbo', DEFAULT_VOICE: 'Kiki' });
  assert.equal(status, 2);
  assert.match(stderr, /DISCORD_TOKEN does not look like a bot token/);
  assert.match(stderr, /DEFAULT_VOICE "Kiki" is not a voice of qwen-omni-turbo/, 'every problem is listed at once');
  assert.doesNotMatch(stderr, /not a token|sk-very-secret/);
});

test('a damaged settings database: one clear sentence, exit code 2 (no crash loop), the file left as it was', async () => {
  const { writeFileSync, readFileSync } = await import('node:fs');
  const dataDir = mkdtempSync(join(tmpdir(), 'omni-damaged-'));
  const file = join(dataDir, 'bot.sqlite');
  const garbage = Buffer.from('this is not a database, just some bytes that look nothing like SQLite'.repeat(20));
  writeFileSync(file, garbage);
  const { status, stderr } = start({
    DISCORD_TOKEN: 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB',
    DASHSCOPE_API_KEY: 'sk-test',
    DATA_DIR: dataDir,
    DISCORD_API_URL: 'http://127.0.0.1:9/api',
  });
  assert.equal(status, 2);
  assert.match(stderr, /^Cannot start the bot: The settings database at .*bot\.sqlite is damaged/);
  assert.doesNotMatch(stderr, /\n\s+at /);
  assert.deepEqual(readFileSync(file), garbage);
});
