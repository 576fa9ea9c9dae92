// A preview through the guild's speaker: it plays when the output is free, and when it loses its place
// (someone starts talking before it is heard) it reports that and stops reading the model's stream.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MODELS } from '../../src/omni/catalogue.ts';
import type { OmniEvent } from '../../src/omni/events.ts';
import { GuildSpeaker } from '../../src/playback/GuildSpeaker.ts';
import { speakOnce } from '../../src/playback/speakOnce.ts';
import { FakeVoiceOutput } from '../support/fakeVoiceOutput.ts';

const REQUEST = { model: MODELS['qwen3-omni-flash']!, voice: 'Kiki', turns: [{ role: 'user' as const, text: 'Hi' }] };

/** A model stream of `chunks` 100 ms chunks; `between` runs before each one after the first. */
function stream(chunks: number, between: (index: number) => void = () => {}) {
  const read: number[] = [];
  let closed = false;
  return {
    read,
    get closed() {
      return closed;
    },
    omni: {
      async *stream(): AsyncGenerator<OmniEvent> {
        try {
          for (let i = 0; i < chunks; i++) {
            if (i > 0) between(i);
            read.push(i);
            yield { type: 'audio', pcm: new Int16Array(2_400) };
          }
        } finally {
          closed = true;
        }
      },
    },
  };
}

test('a preview on a free output plays whole', async () => {
  const output = new FakeVoiceOutput();
  const model = stream(5);
  const spoken = await speakOnce({ omni: model.omni, request: REQUEST, speaker: new GuildSpeaker(output), speech: { kind: 'preview', jitterMs: 100 } });
  assert.deepEqual(spoken, { playedMs: 500, refused: false });
  assert.equal(output.plays.length, 1);
});

test('a preview cut off by barge-in before it is heard is refused and stops reading the stream', async () => {
  const output = new FakeVoiceOutput();
  const speaker = new GuildSpeaker(output);
  const model = stream(10, (index) => index === 1 && speaker.bargeIn());
  const spoken = await speakOnce({ omni: model.omni, request: REQUEST, speaker, speech: { kind: 'preview', jitterMs: 300 } });
  assert.deepEqual(spoken, { playedMs: 0, refused: true });
  assert.deepEqual(model.read, [0, 1], 'the stream was left after the barge-in');
  assert.equal(model.closed, true);
  assert.equal(output.plays.length, 0, 'nothing was heard');
});
