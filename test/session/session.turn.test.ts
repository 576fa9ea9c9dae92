// Pins one voice turn: the request carries the speaker's 16 kHz WAV, their name and their voice; the reply
// is played as the model sent it (pitch, length) and history keeps both sides.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { channel, dominantFrequency } from '../audio/signal.ts';
import { startFakeOmni, type FakeOmni } from '../fakes/omni/server.ts';
import { createSessionHarness, utterance } from './harness.ts';

let fake: FakeOmni;
before(async () => {
  fake = await startFakeOmni({ realtime: false });
});
after(() => fake.close());

test("an utterance is answered in the speaker's voice and the reply audio is played intact", async () => {
  const h = createSessionHarness(fake);
  h.settings.voices.set('alice', 'Ethan');
  fake.script({ text: 'Hello Alice.', audio: { toneHz: 440, seconds: 0.8 } });
  const played = h.output.nextPlay();
  const done = h.nextTurn();
  h.session.onUtterance(utterance('alice', 1.2, 250));

  const request = await fake.nextRequest();
  assert.equal(request.voice, 'Ethan');
  const [speech] = request.audioInputs;
  assert.equal(speech?.sampleRate, 16_000);
  assert.ok(Math.abs(speech!.seconds - 1.2) < 0.001);
  assert.ok(Math.abs(dominantFrequency(speech!.samples, 16_000) - 250) < 2.5);
  assert.ok(
    request.texts.some((text) => text.includes('Alice')),
    'the text part names the speaker',
  );
  assert.match(request.systemText ?? '', /Your name is Omni/);

  const playback = await played;
  const outcome = await done;
  assert.equal(outcome.interrupted, false);
  assert.equal(outcome.text, 'Hello Alice.');
  const left = channel(playback.samples(), 2, 0);
  assert.ok(Math.abs(left.length / 48_000 - 0.8) <= 0.021, `played ${left.length / 48_000} s`);
  assert.ok(Math.abs(dominantFrequency(left, 48_000) - 440) < 4.4);
  assert.deepEqual(
    h.session.history.entries.map((e) => e.role),
    ['user', 'assistant'],
  );
  assert.equal(h.session.state.status, 'listening');
  assert.equal(h.usage.length, 1);
  assert.equal(h.usage[0]?.userId, 'alice');
});

test('the next request carries the earlier exchange: the older speech as audio, the reply as text', async () => {
  const h = createSessionHarness(fake);
  fake.script({ text: 'First answer.', audio: { toneHz: 440, seconds: 0.2 } });
  let done = h.nextTurn();
  h.session.onUtterance(utterance('alice', 0.5));
  await done;
  fake.script({ text: 'Second answer.', audio: { toneHz: 440, seconds: 0.2 } });
  done = h.nextTurn();
  h.session.onUtterance(utterance('bob', 0.5));
  await done;
  const request = fake.requests.at(-1)!;
  const roles = request.messages.map((m) => m.role);
  assert.deepEqual(roles, ['system', 'user', 'assistant', 'user']);
  assert.equal(request.messages[2]?.content, 'First answer.');
  assert.equal(request.audioInputs.length, 2);
});

test('transcripts are posted when switched on', async () => {
  const h = createSessionHarness(fake);
  h.settings.transcript = true;
  fake.script({ text: 'Written down.', audio: { toneHz: 440, seconds: 0.2 } });
  const done = h.nextTurn();
  h.session.onUtterance(utterance('alice', 0.5));
  await done;
  assert.deepEqual(h.posts, ['**Omni** → Alice: Written down.']);
});
