// Pins the older models' stream: with audio output, reply text arrives as delta.audio.transcript (not
// delta.content), audio as data chunks; without audio output, text is delta.content.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeOmni } from './server.ts';
import type { FakeOmni } from './server.ts';
import { collect, omniClient } from './testkit.ts';
import type { OmniDelta } from './testkit.ts';

let fake: FakeOmni;
before(async () => {
  fake = await startFakeOmni({ realtime: false });
});
after(() => fake.close());

for (const [model, voice] of [
  ['qwen-omni-turbo', 'Serena'],
  ['qwen2.5-omni-7b', 'Chelsie'],
] as const) {
  test(`${model}: text as transcript with audio output`, async () => {
    fake.script({ text: 'Old models speak in transcripts.', audio: { toneHz: 500, seconds: 0.25 } });
    const stream = await omniClient(fake).chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'Hi' }],
      modalities: ['text', 'audio'],
      audio: { voice, format: 'wav' },
      stream: true,
      stream_options: { include_usage: true },
    });
    const got = await collect(stream);
    assert.equal(got.content, '');
    assert.equal(got.transcript, 'Old models speak in transcripts.');
    assert.equal(got.pcm.length, 6000);
    const deltas = got.chunks.map((chunk) => chunk.choices[0]?.delta as OmniDelta | undefined);
    const firstAudio = deltas.findIndex((d) => d?.audio?.data !== undefined);
    const lastTranscript = deltas.findLastIndex((d) => d?.audio?.transcript !== undefined);
    assert.ok(lastTranscript > 0 && lastTranscript < firstAudio, 'transcript before audio');
    assert.deepEqual(deltas[0], { role: 'assistant', content: '' });
    assert.equal(got.chunks.at(-1)?.model, model);
    assert.equal(got.usage?.completion_tokens_details?.audio_tokens, Math.ceil(0.25 * 25));
  });
}

test('qwen-omni-turbo: text-only output uses delta.content', async () => {
  fake.script({ text: 'Just text.' });
  const stream = await omniClient(fake).chat.completions.create({
    model: 'qwen-omni-turbo',
    messages: [{ role: 'user', content: 'Hi' }],
    modalities: ['text'],
    stream: true,
  });
  const got = await collect(stream);
  assert.equal(got.content, 'Just text.');
  assert.equal(got.transcript, '');
  assert.equal(got.pcm.length, 0);
});
