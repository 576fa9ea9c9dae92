// The bot as a process, started the normal way (`npm start`, settings from the environment only), against
// the simulator and the fake model it does not import: it logs in, registers commands, joins, answers, and
// shuts down cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startFakeOmni, type FakeOmni } from '../fakes/omni/server.ts';
import { startSimulator, type Simulator } from '../sim/simulator.ts';
import { envTrustingSimCA } from '../sim/tls.ts';
import { withTimeout } from '../sim/waiters.ts';
import { botEnvironment } from './world.ts';
import { speechFixture } from './support.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
let sim: Simulator;
let fake: FakeOmni;
let bot: ChildProcess;
let output = '';

before(async () => {
  sim = await startSimulator();
  fake = await startFakeOmni({ realtime: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'omni-bot-process-'));
  const env = await envTrustingSimCA({
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    ...botEnvironment(sim, fake, dataDir, { LOG_LEVEL: 'info' }),
  });
  // Its own process group, so a stop reaches npm and the bot alike, as Ctrl-C or a service manager does.
  bot = spawn('npm', ['start', '--silent'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  bot.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  bot.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
});

after(async () => {
  if (bot.exitCode === null && bot.signalCode === null) process.kill(-bot.pid!, 'SIGKILL');
  await sim.close();
  await fake.close();
});

test('npm start logs in to the simulator, answers a voice turn, and stops cleanly', async () => {
  await withTimeout(
    new Promise<void>((resolve) => {
      const check = (): void => {
        if (output.includes('"bot ready"')) resolve();
      };
      check();
      bot.stdout!.on('data', check);
    }),
    30_000,
    `the bot process to be ready; it printed:\n${output}`,
  );
  assert.ok(
    sim.commands().some((command) => command.name === 'join'),
    'commands were registered',
  );

  const alice = sim.user('alice');
  await alice.joinVoice('General');
  await (await alice.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? ''), timeoutMs: 15_000 });
  fake.script({ text: 'Hello from the process.', audio: { toneHz: 440, seconds: 1 } });
  const heard = sim.botAudio.nextUtterance(20_000);
  await alice.say(speechFixture('en_no_lead').path);
  const reply = await heard;
  assert.ok(Math.abs(reply.pcm.length / 2 / 48_000 - 1) < 0.06);

  process.kill(-bot.pid!, 'SIGTERM');
  const [code, signal] = (await withTimeout(once(bot, 'exit'), 10_000, 'the bot to exit')) as [number | null, string | null];
  // npm passes SIGTERM on to the bot and may itself end by that signal; the bot must have shut down in order.
  assert.ok(code === 0 || signal === 'SIGTERM', `exit code ${code}, signal ${signal}`);
  assert.match(output, /"shutting down"/);
  assert.equal(sim.guild().voiceStates.has(sim.botUserId), false, 'the bot left the voice channel (op 4) before exiting');
  assert.ok(!output.includes(sim.botToken) && !output.includes('test-key'), 'no secret in the logs');
});
