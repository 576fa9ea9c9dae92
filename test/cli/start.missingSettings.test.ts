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
  assert.match(stderr, /DEFAULT_VOICE "Kiki" is not a voice of qwen-omni-turbo/, "every problem is listed at once");
  assert.doesNotMatch(stderr, /not a token|sk-very-secret/);
});
