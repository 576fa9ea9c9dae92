// Scenarios: replies that end early. A connection cut mid-reply: the channel hears the audio that arrived,
// then the notice. A reply longer than MAX_REPLY_SECONDS ends there cleanly (request stopped, no error
// notice).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startWorld, type World } from './world.ts';
import { leftChannel, speechFixture } from './support.ts';

let world: World;
before(async () => {
  world = await startWorld({ env: { MAX_REPLY_SECONDS: '5' } });
  const alice = world.sim.user('alice');
  await alice.joinVoice('General');
  await (await alice.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? '') });
});
after(() => world.close());

const say = () => world.sim.user('alice').say(speechFixture('en_no_lead').path);

test('a connection cut mid-reply: the channel hears what arrived, then the notice', async () => {
  const { sim, fake } = world;
  // The role chunk, four text chunks, then six 80 ms audio chunks: 480 ms of audio arrives.
  fake.script({ text: 'Part of an answer that was cut off.', audio: { toneHz: 440, seconds: 2 }, dropAfterChunks: 1 + 4 + 6 });
  const request = fake.nextRequest(20_000);
  const heard = sim.botAudio.nextUtterance(20_000);
  const notice = sim.nextMessage({ channel: 'General', timeoutMs: 20_000 });
  await say();
  await request;
  const reply = await heard;
  const seconds = leftChannel(reply).length / 48_000;
  assert.ok(seconds >= 0.46 && seconds <= 0.52, `heard ${seconds} s of the 0.48 s received`);
  assert.match((await notice).content ?? '', /lost mid-answer/);
});

test('a reply longer than MAX_REPLY_SECONDS ends there: request stopped, no error notice', async () => {
  const { sim, fake } = world;
  fake.script({ text: 'This goes on and on and on, far longer than anyone wanted to listen to it.', audio: { toneHz: 440, seconds: 7 } });
  const request = fake.nextRequest(20_000);
  const heard = sim.botAudio.nextUtterance(30_000);
  await say();
  const reply = await heard;
  const seconds = leftChannel(reply).length / 48_000;
  assert.ok(Math.abs(seconds - 5) <= 0.06, `heard ${seconds} s of a 7 s reply`);
  assert.equal(await (await request).aborted, true, 'the request was stopped at the limit');

  // The conversation goes on, and nothing was posted about the limit.
  fake.script({ text: 'Next.', audio: { toneHz: 300, seconds: 0.5 } });
  const next = sim.botAudio.nextUtterance(20_000);
  await say();
  await next;
  // Anything posted since the last notice would be waiting here already.
  await assert.rejects(sim.nextMessage({ channel: 'General', timeoutMs: 1 }), /Timed out/);
});
