// The bot as its own process with one voice worker, its main thread held in 1 s busy loops (as a long GC or a
// slow synchronous call would, back to back) from the reply's first packet to its end, while the model streams
// at real time: the reply's audio goes from the model's stream to the player on the worker's thread, so the
// player never runs dry (the worker's starved-packet count stays 0) and the reply arrives whole, continuous in
// RTP sequence, at its pitch. The stalls are much longer than the jitter buffer, so a reply whose audio passed
// through the main thread would starve (before the worker read the stream, one run counted 29 starved packets).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startFakeOmni, type FakeOmni } from '../fakes/omni/server.ts';
import { startSimulator, type Simulator } from '../sim/simulator.ts';
import { envTrustingSimCA } from '../sim/tls.ts';
import { withTimeout } from '../sim/waiters.ts';
import { dominantFrequency } from '../audio/signal.ts';
import { leftChannel, rtpBreaks, speechFixture } from './support.ts';
import { botEnvironment } from './world.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const REPLY_SECONDS = 2;
/** Large, so the fake model (paced at real time in this busy test process) is never what starves the player. */
const JITTER_MS = 400;
let sim: Simulator;
let fake: FakeOmni;
let bot: ChildProcess;
let output = '';
const stallLog = join(mkdtempSync(join(tmpdir(), 'omni-stall-')), 'stalls.txt');

before(async () => {
  sim = await startSimulator();
  fake = await startFakeOmni({ realtime: true });
  const env = await envTrustingSimCA({
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    ...botEnvironment(sim, fake, mkdtempSync(join(tmpdir(), 'omni-stall-bot-')), {
      LOG_LEVEL: 'info',
      VOICE_WORKERS: '1',
      JITTER_BUFFER_MS: String(JITTER_MS),
      METRICS_PORT: '0',
    }),
    MAIN_THREAD_STALL_MS: '1000',
    MAIN_THREAD_STALL_EVERY_MS: '50',
    MAIN_THREAD_STALL_LOG: stallLog,
  });
  bot = spawn(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', `--import=${new URL('../support/mainThreadStall.ts', import.meta.url).href}`, join(ROOT, 'src/main.ts')],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  bot.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  bot.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
});

after(async () => {
  if (bot.exitCode === null && bot.signalCode === null) {
    bot.kill('SIGTERM');
    await withTimeout(once(bot, 'exit'), 10_000, 'the bot to exit').catch(() => bot.kill('SIGKILL'));
  }
  await sim.close();
  await fake.close();
});

function untilOutput(pattern: RegExp, what: string): Promise<RegExpExecArray> {
  return withTimeout(
    new Promise((resolve) => {
      const check = (): void => {
        const match = pattern.exec(output);
        if (match) resolve(match);
      };
      check();
      bot.stdout!.on('data', check);
    }),
    30_000,
    `${what}; the bot printed:\n${output}`,
  );
}

async function starvedPackets(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const counts = [...text.matchAll(/^voice_reply_packets_starved_total\{thread="[^"]+"\} (\d+)$/gm)].map((m) => Number(m[1]));
  assert.ok(counts.length > 0, `the starved-packet count is exported:\n${text}`);
  return counts.reduce((a, b) => a + b, 0);
}

test('main-thread stalls during a reply do not starve the worker playing it', async () => {
  const metricsPort = Number((await untilOutput(/"port":(\d+)[^\n]*metrics on \/metrics/, 'the metrics port'))[1]);
  await untilOutput(/"bot ready"/, 'the bot to be ready');
  const alice = sim.user('alice');
  await alice.joinVoice('General');
  await (await alice.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? ''), timeoutMs: 15_000 });
  fake.script({ text: 'Here is a long tone.', audio: { toneHz: 440, seconds: REPLY_SECONDS } });
  const firstPacket = sim.botAudio.nextAudioPacket(20_000);
  const heard = sim.botAudio.nextUtterance(30_000);
  await alice.say(speechFixture('en_no_lead').path);
  await firstPacket;
  bot.kill('SIGUSR2'); // stalls begin
  const reply = await heard;
  bot.kill('SIGUSR2'); // and end
  // The stall in progress (if any) must be over before the main thread answers a scrape.
  const starved = await starvedPackets(metricsPort);

  const stalls = readFileSync(stallLog, 'utf8').trim().split('\n').filter(Boolean);
  assert.ok(stalls.length >= 1, 'the main thread stalled during the reply');
  assert.equal(starved, 0, `the worker's player never ran dry (${stalls.length} main-thread stalls of 1 s)`);
  const pcm = leftChannel(reply);
  assert.ok(Math.abs(pcm.length / 48_000 - REPLY_SECONDS) <= 0.06, `the whole reply arrived (${(pcm.length / 48_000).toFixed(3)} s)`);
  assert.deepEqual(rtpBreaks(reply), [], 'RTP sequence numbers and timestamps run on through the reply');
  assert.equal(reply.packets.filter((p) => p.silence).length, 0, 'no silence frames inside the reply');
  assert.ok(Math.abs(dominantFrequency(pcm, 48_000) - 440) <= 4.4, 'the model audio, at its pitch');
});
