// Pins what the fake records per request: model, voice, modalities, thinking flag, decoded audio samples,
// image dimensions, texts and system text, redacted authorization; nextRequest hands them out in order.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeOmni } from './server.ts';
import type { FakeOmni } from './server.ts';
import { collect, dataUrl, encodeWav, omniClient, png, sine } from './testkit.ts';

let fake: FakeOmni;
before(async () => {
  fake = await startFakeOmni({ realtime: false });
});
after(() => fake.close());

test('a voice request is recorded with its decoded audio', async () => {
  const speech = sine(300, 0.6, 16_000);
  const waiting = fake.nextRequest();
  const stream = await omniClient(fake).chat.completions.create({
    model: 'qwen3-omni-flash',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Earlier question' },
      { role: 'assistant', content: 'Earlier answer' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Alice says:' },
          { type: 'input_audio', input_audio: { data: `data:;base64,${encodeWav(speech, 16_000).toString('base64')}`, format: 'wav' } },
        ],
      },
    ],
    modalities: ['text', 'audio'],
    audio: { voice: 'Kiki', format: 'wav' },
    stream: true,
  });
  await collect(stream);
  const request = await waiting;
  assert.equal(request.model, 'qwen3-omni-flash');
  assert.equal(request.voice, 'Kiki');
  assert.deepEqual(request.modalities, ['text', 'audio']);
  assert.equal(request.enableThinking, false);
  assert.equal(request.status, 200);
  assert.equal(request.errorCode, undefined);
  assert.equal(request.headers.authorization, '<redacted>');
  assert.equal(request.messages.length, 4);
  assert.deepEqual(request.texts, ['Earlier question', 'Earlier answer', 'Alice says:']);
  assert.equal(request.systemText, 'Be brief.');
  assert.equal(request.audioInputs.length, 1);
  const [audio] = request.audioInputs;
  assert.equal(audio?.sampleRate, 16_000);
  assert.equal(audio?.channels, 1);
  assert.equal(audio?.seconds, 0.6);
  assert.equal(audio?.messageIndex, 3);
  assert.deepEqual(audio?.samples, speech);
  assert.equal(await request.aborted, false);
  assert.equal(fake.requests.at(-1), request);
});

test('images are recorded with type and size; nextRequest returns requests in arrival order', async () => {
  const client = omniClient(fake);
  const ask = (width: number) =>
    client.chat.completions
      .create({
        model: 'qwen3-omni-flash',
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: dataUrl(png(width, 40), 'image/png') } }] }],
        stream: true,
      })
      .then(collect);
  await ask(64);
  await ask(128);
  const first = await fake.nextRequest();
  const second = await fake.nextRequest();
  assert.deepEqual(
    first.images.map(({ mime, width, height }) => ({ mime, width, height })),
    [{ mime: 'image/png', width: 64, height: 40 }],
  );
  assert.equal(second.images[0]?.width, 128);
  assert.ok((first.images[0]?.bytes ?? 0) > 0);
});
