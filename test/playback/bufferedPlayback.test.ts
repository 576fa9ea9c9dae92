// The in-process PlaybackHandle: the sink gets audio only once the jitter buffer has filled, and `finished`
// always resolves with what was heard (nothing when stopped before playing or ended without audio).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BufferedPlayback } from '../../src/playback/VoiceOutput.ts';
import { FakeVoiceOutput } from '../support/fakeVoiceOutput.ts';

test('plays after the jitter buffer fills and finishes with the played time', async () => {
  const output = new FakeVoiceOutput();
  const reply = new BufferedPlayback(output, { jitterMs: 100 });
  reply.push(new Int16Array(1200)); // 50 ms
  assert.equal(reply.started, false);
  assert.equal(output.plays.length, 0);
  reply.push(new Int16Array(2400)); // 150 ms in all
  assert.equal(reply.started, true);
  reply.end();
  const played = await reply.finished;
  assert.ok(Math.abs(played - 150) <= 20, `played ${played} ms`);
});

test('finished resolves with 0 when stopped before playing, or ended without audio', async () => {
  const output = new FakeVoiceOutput();
  const stopped = new BufferedPlayback(output, { jitterMs: 100 });
  stopped.push(new Int16Array(240));
  stopped.stop();
  assert.equal(await stopped.finished, 0);
  const empty = new BufferedPlayback(output, { jitterMs: 100 });
  empty.end();
  assert.equal(await empty.finished, 0);
  assert.equal(output.plays.length, 0);
});

test('a short reply still plays when it ends before the jitter buffer is full', async () => {
  const output = new FakeVoiceOutput();
  const reply = new BufferedPlayback(output, { jitterMs: 100 });
  reply.push(new Int16Array(960)); // 40 ms
  reply.end();
  assert.equal(reply.started, true);
  const played = await reply.finished;
  assert.ok(played > 0 && played <= 40, `played ${played} ms`);
});
