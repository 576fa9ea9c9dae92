// Pins addressed mode: the model is told its name and the silent marker; a silent reply plays and records nothing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SILENT_MARKER } from '../../src/session/prompt.ts';
import { startFakeOmni, type FakeOmni } from '../fakes/omni/server.ts';
import { createSessionHarness, utterance } from './harness.ts';

let fake: FakeOmni;
before(async () => {
  fake = await startFakeOmni({ realtime: false });
});
after(() => fake.close());

test('a silent reply is neither played nor remembered, and its request is cancelled', async () => {
  const h = createSessionHarness(fake);
  h.settings.mode = 'addressed';
  fake.script({ text: SILENT_MARKER, audio: { toneHz: 440, seconds: 1 } });
  const done = h.nextTurn();
  h.session.onUtterance(utterance('alice'));
  const request = await fake.nextRequest();
  assert.match(request.systemText ?? '', /Your name is Omni/);
  assert.ok(request.systemText?.includes(SILENT_MARKER));
  const outcome = await done;
  assert.equal(outcome.silent, true);
  assert.equal(h.output.plays.length, 0);
  assert.equal(h.session.history.entries.length, 0);
});

test('a real answer in addressed mode is played once the text shows it is not the marker', async () => {
  const h = createSessionHarness(fake);
  h.settings.mode = 'addressed';
  fake.script({ text: 'Yes, Alice?', audio: { toneHz: 440, seconds: 0.3 } });
  const done = h.nextTurn();
  h.session.onUtterance(utterance('alice'));
  const outcome = await done;
  assert.equal(outcome.silent, false);
  assert.equal(h.output.plays.length, 1);
  assert.ok(h.output.plays[0]!.playedMs() >= 299);
  assert.deepEqual(
    h.session.history.entries.map((e) => e.role),
    ['user', 'assistant'],
  );
});
