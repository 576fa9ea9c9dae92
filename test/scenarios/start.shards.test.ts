// `npm start` with SHARD_COUNT=auto against a simulator that recommends two shards: one supervisor process
// starts a bot process per shard, each serves only its own guilds (people on both shards are answered),
// /status and the logs name the shard, a shard process that dies is started again by the supervisor and
// goes back to its voice channel while the other shard carries on, and SIGTERM stops everything cleanly.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type FakeOmni, startFakeOmni } from '../fakes/omni/server.ts';
import { type Simulator, startSimulator } from '../sim/simulator.ts';
import { envTrustingSimCA } from '../sim/tls.ts';
import { withTimeout } from '../sim/waiters.ts';
import { speechFixture } from './support.ts';
import { botEnvironment } from './world.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const GUILDS = [
  { name: 'Shard Zero', users: ['alice'] },
  { name: 'Shard One', users: ['carol'] },
];
let sim: Simulator;
let fake: FakeOmni;
let bot: ChildProcess;
let output = '';

/** Resolves once the bot's combined output matches `pattern` (after `from`, an offset into the output). */
function printed(pattern: RegExp, what: string, from = 0, timeoutMs = 60_000): Promise<RegExpExecArray> {
  return withTimeout(
    new Promise<RegExpExecArray>((resolve) => {
      const check = (): void => {
        const match = pattern.exec(output.slice(from));
        if (match) {
          bot.stdout!.off('data', check);
          resolve(match);
        }
      };
      bot.stdout!.on('data', check);
      check();
    }),
    timeoutMs,
    `${what}; the bot printed:\n${output}`,
  );
}

before(async () => {
  sim = await startSimulator({ guilds: GUILDS, sharding: { recommendedShards: 2, maxConcurrency: 2, enforceIdentifyRate: true } });
  fake = await startFakeOmni({ realtime: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'omni-bot-shards-'));
  const env = await envTrustingSimCA({
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    ...botEnvironment(sim, fake, dataDir, { LOG_LEVEL: 'info', SHARD_COUNT: 'auto' }),
  });
  bot = spawn('npm', ['start', '--silent'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  bot.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  bot.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
});

after(async () => {
  if (process.env.SHARDS_DEBUG) process.stderr.write(output);
  if (bot.exitCode === null && bot.signalCode === null) process.kill(-bot.pid!, 'SIGKILL');
  await sim.close();
  await fake.close();
});

async function joinVoice(user: string, guild: string): Promise<void> {
  const person = sim.user(user, guild);
  await person.joinVoice('General');
  await (await person.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? ''), timeoutMs: 30_000 });
}

async function talk(user: string, guild: string, toneHz: number): Promise<void> {
  const person = sim.user(user, guild);
  fake.script({ text: `Hello ${user}.`, audio: { toneHz, seconds: 1 } });
  const heard = sim.botAudioIn(guild).nextUtterance(20_000);
  await person.say(speechFixture('en_no_lead').path);
  const reply = await heard;
  assert.ok(Math.abs(reply.pcm.length / 2 / 48_000 - 1) < 0.06, `${user} heard the whole 1 s reply`);
}

test('two shard processes serve their own guilds, a dead one comes back, SIGTERM stops both', async () => {
  assert.equal(sim.shardOf('Shard Zero', 2), 0);
  assert.equal(sim.shardOf('Shard One', 2), 1);
  await printed(/"all shards ready"/, 'both shards to be ready');
  // Each shard process registers the commands after its client is ready.
  await printed(/"bot ready"[\s\S]*"bot ready"/, 'both shard processes to have registered their commands');
  assert.deepEqual(sim.gateway.sessions.map((s) => s.shard).sort(), [
    [0, 2],
    [1, 2],
  ]);

  await joinVoice('alice', 'Shard Zero');
  await talk('alice', 'Shard Zero', 440);
  await joinVoice('carol', 'Shard One');
  await talk('carol', 'Shard One', 660);
  assert.deepEqual(sim.gateway.misroutedVoiceStates, [], 'every op 4 went out on the shard that owns its guild');

  const status = await (await sim.user('carol', 'Shard One').slash('status')).reply();
  assert.match(JSON.stringify(status.embeds ?? []), /"name":"Shard","value":"1 of 2"/);
  assert.match(output, /"shard":0[^\n]*"joined voice"/);
  assert.match(output, /"shard":1[^\n]*"joined voice"/);

  // Shard 1's process dies; the supervisor starts it again and it identifies anew.
  const [, pid] = (await printed(/"shard":1,"pid":(\d+)[^\n]*"shard process started"/, 'shard 1 to have started')) as unknown as [string, string];
  const mark = output.length;
  const sessionsBefore = sim.gateway.sessions.length;
  process.kill(Number(pid), 'SIGKILL');
  await printed(/"shard":1[^\n]*"shard process died: restarting it"/, 'the supervisor to see shard 1 die', mark);
  await printed(/"shard":1[^\n]*"shard ready"/, 'shard 1 to be ready again', mark);
  assert.equal(sim.gateway.sessions.length, sessionsBefore + 1);
  assert.deepEqual(sim.gateway.sessions.at(-1)!.shard, [1, 2]);

  // Its server's voice comes back: the new shard process goes back to the channel it was in and answers.
  await printed(/"shard":1[^\n]*"joined voice"/, "shard 1's voice to come back", mark);
  await talk('carol', 'Shard One', 770);
  // Shard 0 never noticed: it still answers, reply whole.
  await talk('alice', 'Shard Zero', 550);

  const outputEnds = once(bot.stdout!, 'end');
  process.kill(-bot.pid!, 'SIGTERM');
  const [code, signal] = (await withTimeout(once(bot, 'exit'), 15_000, 'the supervisor to exit')) as [number | null, string | null];
  assert.ok(code === 0 || signal === 'SIGTERM', `exit code ${code}, signal ${signal}`);
  // npm may exit at the signal before the supervisor and shards have written their last lines.
  await withTimeout(outputEnds, 15_000, 'every process of the bot to close its output');
  assert.match(output, /"shutting down every shard"/);
  assert.equal(output.match(/"shutting down"/g)?.length, 2, 'each shard process shut down in order');
  assert.ok(!output.includes(sim.botToken) && !output.includes('test-key'), 'no secret in the logs');
});
