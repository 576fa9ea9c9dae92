// `npm start` with SHARD_COUNT=auto against a simulator that recommends two shards, both processes on one
// PostgreSQL (SQLite where PostgreSQL is not installed, outside CI): one supervisor process starts a bot
// process per shard, each serves only its own guilds (people on both shards are answered), a voice chosen
// through one shard is used by the other, each server's /usage is the shared ledger's, /status and the logs
// name the shard, a shard process killed while the other shard's reply plays is started again and goes back
// to its voice channel while that reply plays on unbroken, one person talking in servers on both shards at the
// same moment inside a cooldown is answered once (the other shard's turn is dropped before anything is heard,
// with the cooldown notice), and SIGTERM stops everything cleanly.
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
import { CHANNEL_VOICE } from '../sim/world.ts';
import { withTimeout } from '../sim/waiters.ts';
import { testPostgres } from '../store/engines.ts';
import { postgresUnavailable } from '../store/postgres.ts';
import { rtpBreaks, speechFixture } from './support.ts';
import { botEnvironment } from './world.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const GUILDS = [
  { name: 'Shard Zero', users: ['alice', 'dave'] },
  { name: 'Shard One', users: ['carol', 'alice', 'dave'] },
];
/** PostgreSQL where it is installed (always in CI: .ci/run installs it), the SQLite file otherwise. */
const ENGINE = postgresUnavailable() && process.env.CI !== 'true' ? 'sqlite' : 'postgres';
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
    ...botEnvironment(sim, fake, dataDir, {
      LOG_LEVEL: 'info',
      SHARD_COUNT: 'auto',
      ...(ENGINE === 'postgres' ? { DATABASE_URL: await (await testPostgres()).createDatabase() } : {}),
    }),
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

/** `user` says a sentence in `guild`; resolves with the model's request once the whole reply was heard. */
async function talk(user: string, guild: string, toneHz: number) {
  const person = sim.user(user, guild);
  fake.script({ text: `Hello ${user}.`, audio: { toneHz, seconds: 1 } });
  const asked = fake.nextRequest();
  const heard = sim.botAudioIn(guild).nextUtterance(20_000);
  await person.say(speechFixture('en_no_lead').path);
  const reply = await heard;
  assert.ok(Math.abs(reply.pcm.length / 2 / 48_000 - 1) < 0.06, `${user} heard the whole 1 s reply`);
  return asked;
}

/** The day's total in a server's /usage for `user` (first line of the embed: "**N** tokens"). */
async function usageToday(user: string, guild: string): Promise<number> {
  const answer = await (await sim.user(user, guild).slash('usage')).reply();
  const match = /\*\*([\d,]+)\*\* tokens/.exec(JSON.stringify(answer.embeds ?? []));
  assert.ok(match, `a token count in /usage: ${JSON.stringify(answer.embeds)}`);
  return Number(match[1]!.replaceAll(',', ''));
}

test(`two shard processes on ${ENGINE} serve their own guilds, share settings and the ledger, a dead one comes back, SIGTERM stops both`, async () => {
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

  // Alice picks a voice through shard 0; her next sentence, in the server on shard 1, is answered in it.
  const chosen = await (await sim.user('alice', 'Shard Zero').slash('voice set', { voice: 'Ethan' })).reply();
  assert.match(chosen.content ?? '', /Ethan/);
  await sim.user('alice', 'Shard Zero').leaveVoice();
  await sim.user('alice', 'Shard One').joinVoice('General');
  assert.equal((await talk('alice', 'Shard One', 480)).voice, 'Ethan');
  // Each server's /usage (each answered by its own shard process) reads the one ledger both write to.
  const [zero, one] = [await usageToday('alice', 'Shard Zero'), await usageToday('alice', 'Shard One')];
  assert.ok(zero > 0 && one > 0, `alice's tokens: ${zero} in Shard Zero, ${one} in Shard One`);
  await sim.user('alice', 'Shard One').leaveVoice();
  await sim.user('alice', 'Shard Zero').joinVoice('General');

  const status = await (await sim.user('carol', 'Shard One').slash('status')).reply();
  assert.match(JSON.stringify(status.embeds ?? []), /"name":"Shard","value":"1 of 2"/);
  assert.match(output, /"shard":0[^\n]*"joined voice"/);
  assert.match(output, /"shard":1[^\n]*"joined voice"/);

  // Shard 1's process dies while shard 0's 3 s reply plays; the supervisor starts it again and it identifies anew.
  const [, pid] = (await printed(/"shard":1,"pid":(\d+)[^\n]*"shard process started"/, 'shard 1 to have started')) as unknown as [string, string];
  fake.script({ text: 'A longer answer.', audio: { toneHz: 600, seconds: 3 } });
  const asked = fake.nextRequest();
  const longReply = sim.botAudioIn('Shard Zero').nextUtterance(20_000);
  await sim.user('alice', 'Shard Zero').say(speechFixture('en_no_lead').path);
  await (await asked).firstAudioAt;
  const mark = output.length;
  const sessionsBefore = sim.gateway.sessions.length;
  process.kill(Number(pid), 'SIGKILL');
  const played = await longReply;
  assert.ok(Math.abs(played.pcm.length / 2 / 48_000 - 3) < 0.06, 'shard 0 played its whole 3 s reply');
  assert.deepEqual(rtpBreaks(played), [], "shard 0's reply ran on as one unbroken RTP stream");
  await printed(/"shard":1[^\n]*"shard process died: restarting it"/, 'the supervisor to see shard 1 die', mark);
  await printed(/"shard":1[^\n]*"shard ready"/, 'shard 1 to be ready again', mark);
  assert.equal(sim.gateway.sessions.length, sessionsBefore + 1);
  assert.deepEqual(sim.gateway.sessions.at(-1)!.shard, [1, 2]);

  // Its server's voice comes back: the new shard process goes back to the channel it was in and answers.
  await printed(/"shard":1[^\n]*"joined voice"/, "shard 1's voice to come back", mark);
  await talk('carol', 'Shard One', 770);
  // Shard 0 still answers, reply whole.
  await talk('alice', 'Shard Zero', 550);

  // Dave, in the voice channels of servers on both shards, says a sentence in both at the same moment with a
  // 60 s cooldown: the database admits one turn; the other shard drops its turn before anything is heard and
  // posts the cooldown notice.
  await (await sim.user('alice', 'Shard Zero').slash('limits', { cooldown_seconds: 60 })).reply();
  await (await sim.user('carol', 'Shard One').slash('limits', { cooldown_seconds: 60 })).reply();
  for (const guild of ['Shard Zero', 'Shard One']) await sim.user('dave', guild).joinVoice('General');
  for (const _ of ['Shard Zero', 'Shard One']) fake.script({ text: 'Hello Dave.', audio: { toneHz: 520, seconds: 1 } });
  const soundsIn = (guild: string): number => sim.botAudioIn(guild).packets.filter((packet) => !packet.silence).length;
  const soundsBefore = { 'Shard Zero': soundsIn('Shard Zero'), 'Shard One': soundsIn('Shard One') };
  const notice = sim.nextMessage({ matching: (m) => /Please wait \d+ s before asking again/.test(m.content ?? ''), timeoutMs: 30_000 });
  await Promise.all(['Shard Zero', 'Shard One'].map((guild) => sim.user('dave', guild).say(speechFixture('en_no_lead').path)));
  const told = await notice;
  const refusedIn = told.guildId === sim.world.guild('Shard Zero').id ? 'Shard Zero' : 'Shard One';
  const answeredIn = refusedIn === 'Shard Zero' ? 'Shard One' : 'Shard Zero';
  assert.equal(told.channelId, sim.world.channel(sim.world.guild(refusedIn), 'General', CHANNEL_VOICE).id, "in the chat of Dave's voice channel");
  const answer = await sim.botAudioIn(answeredIn).nextUtterance(20_000);
  assert.ok(Math.abs(answer.pcm.length / 2 / 48_000 - 1) < 0.06, `Dave heard the whole 1 s reply in ${answeredIn}`);
  assert.equal(soundsIn(refusedIn), soundsBefore[refusedIn], `nothing was played in ${refusedIn}`);

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
