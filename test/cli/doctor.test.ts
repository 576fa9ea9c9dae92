// Pins `npm run doctor`: a checklist of runtime, settings, libraries, model key and Discord token, with the
// invite link; non-zero exit and a readable reason when something is wrong; secrets never printed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startFakeOmni, type FakeOmni } from '../fakes/omni/server.ts';
import { startSimulator, type Simulator } from '../sim/simulator.ts';

const DOCTOR = join(import.meta.dirname, '../../src/cli/doctor.ts');
let sim: Simulator;
let fake: FakeOmni;

before(async () => {
  sim = await startSimulator();
  fake = await startFakeOmni({ realtime: false });
});
after(async () => {
  await sim.close();
  await fake.close();
});

function doctor(env: Record<string, string>): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, [DOCTOR], { cwd: mkdtempSync(join(tmpdir(), 'omni-doctor-')), env: { PATH: process.env.PATH ?? '', ...env } });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout })));
}

test('everything in order: every check ok, the invite link carries the scopes and permissions', async () => {
  const { code, stdout } = await doctor({
    DISCORD_TOKEN: sim.botToken,
    DISCORD_API_URL: sim.restURL,
    DASHSCOPE_API_KEY: 'test-key',
    DASHSCOPE_BASE_URL: fake.baseURL,
  });
  assert.equal(code, 0, stdout);
  assert.match(stdout, /\[ok\] {3}Node 22\./);
  assert.match(stdout, /\[ok\] {3}Opus: opusscript/);
  assert.match(stdout, /\[ok\] {3}DAVE end-to-end encryption: @snazzah\/davey/);
  assert.match(stdout, /\[ok\] {3}Voice workers: \d+ \(VOICE_WORKERS\); a worker started with Opus opusscript and DAVE/);
  assert.match(stdout, /\[ok\] {3}Qwen-Omni answers: qwen3-omni-flash at http:\/\/127\.0\.0\.1/);
  assert.match(
    stdout,
    new RegExp(
      `\\[ok\\] {3}Invite link: https://discord\\.com/oauth2/authorize\\?client_id=${sim.applicationId}&scope=bot\\+applications\\.commands&permissions=\\d+`,
    ),
  );
  assert.match(stdout, /All checks passed\./);
  assert.ok(!stdout.includes(sim.botToken) && !stdout.includes('test-key'), 'a secret was printed');
});

test('a wrong key and a missing token fail with reasons and a non-zero exit', async () => {
  const { code, stdout } = await doctor({ DASHSCOPE_API_KEY: 'wrong-key', DASHSCOPE_BASE_URL: fake.baseURL });
  assert.equal(code, 1);
  assert.match(stdout, /\[FAIL\] Setting: DISCORD_TOKEN is missing/);
  assert.match(stdout, /\[FAIL\] Qwen-Omni answers: .*DASHSCOPE_API_KEY/);
  assert.match(stdout, /\[FAIL\] Discord token: DISCORD_TOKEN is not set/);
  assert.ok(!stdout.includes('wrong-key'));
});
