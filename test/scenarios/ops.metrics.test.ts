// The operator's view: with METRICS_PORT set, /healthz says the gateway is up and /metrics counts what
// people did: the voice guild, an answered turn with its latencies, and a failed turn by its error kind.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { speechFixture } from './support.ts';
import { startWorld, type World } from './world.ts';

let world: World;
before(async () => {
  world = await startWorld({ env: { METRICS_PORT: '0' } });
});
after(() => world.close());

/** The sum of a metric's samples over all its labels. */
function total(text: string, name: string): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

async function scrape(path: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`http://127.0.0.1:${world.bot.metricsPort()}${path}`);
  return { status: response.status, text: await response.text() };
}

/** A sample's value from Prometheus text, e.g. metric('voice_turns_total{outcome="answered"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('/healthz and /metrics report the gateway, voice guilds, turns, latencies and errors', async () => {
  const { sim, fake } = world;
  const health = await scrape('/healthz');
  assert.equal(health.status, 200);
  assert.deepEqual(JSON.parse(health.text), { status: 'ok' });
  assert.equal(sample((await scrape('/metrics')).text, 'voice_guilds'), 0);

  const alice = sim.user('alice');
  await alice.joinVoice('General');
  await (await alice.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? '') });
  fake.script({ text: 'Hi.', audio: { toneHz: 440, seconds: 0.5 } });
  const heard = sim.botAudio.nextUtterance(20_000);
  await alice.say(speechFixture('en_no_lead').path);
  await heard;
  // A failed turn: the model refuses for quota, which is counted by its kind.
  fake.script({ fail: { status: 429, code: 'insufficient_quota' } });
  const refused = fake.nextRequest();
  await alice.say(speechFixture('en_no_lead').path);
  await refused;
  const notice = await sim.nextMessage({ channel: 'General' });
  assert.ok(notice.content);

  const metrics = (await scrape('/metrics')).text;
  assert.equal(sample(metrics, 'voice_guilds'), 1);
  assert.equal(sample(metrics, 'gateway_up'), 1);
  assert.equal(sample(metrics, 'voice_turns_total{outcome="answered"}'), 1);
  assert.equal(sample(metrics, 'voice_turns_total{outcome="failed"}'), 1);
  assert.equal(sample(metrics, 'errors_total{kind="model_quota_exhausted"}'), 1);
  assert.equal(sample(metrics, 'voice_reply_latency_seconds_count'), 1);
  assert.equal(sample(metrics, 'model_first_audio_seconds_count'), 1);
  assert.ok((sample(metrics, 'voice_reply_latency_seconds_sum') ?? 0) > 0);
  assert.ok(sample(metrics, 'process_cpu_user_seconds_total') !== undefined, 'process metrics are there too');
  // The voice threads: the guild's worker, its packets (the 0.5 s reply is 25 frames, plus 5 of trailing
  // silence), and the counter of frames that had no audio ready.
  assert.equal(sample(metrics, 'voice_workers'), world.config.voice.workers === 0 ? 0 : 1);
  assert.equal(total(metrics, 'voice_thread_guilds'), 1);
  assert.equal(sample(metrics, 'voice_worker_deaths_total'), 0);
  assert.ok(total(metrics, 'voice_reply_packets_total') >= 30, `${total(metrics, 'voice_reply_packets_total')} reply packets counted`);
  assert.match(metrics, /^voice_reply_packets_starved_total\{thread="\w+"\} \d+$/m);
  assert.equal((await scrape('/nothing')).status, 404);
});
