// Pins the media rejections: bare base64 audio, a data-URL item over 10 MB, two non-text modalities in one
// message, two audio files, audio the fake cannot decode, unreadable or too-small images, and image-list
// videos outside the model's frame range.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeOmni } from './server.ts';
import type { FakeOmni } from './server.ts';
import { assertRejected } from './rejections.ts';
import { collect, createRaw, dataUrl, encodeWav, omniClient, png, sine } from './testkit.ts';

let fake: FakeOmni;
before(async () => {
  fake = await startFakeOmni({ realtime: false });
});
after(() => fake.close());

const wav = encodeWav(sine(200, 0.5, 16_000), 16_000);
const audioPart = (data: string) => ({ type: 'input_audio', input_audio: { data, format: 'wav' } });
const imagePart = (url: string) => ({ type: 'image_url', image_url: { url } });
const ask = (content: unknown[], model = 'qwen3-omni-flash') => createRaw(omniClient(fake), { model, messages: [{ role: 'user', content }], stream: true });

test('input_audio must be a data URL, not bare base64', async () => {
  await assertRejected(ask([audioPart(wav.toString('base64'))]), 400, 'invalid_parameter_error', /data URL/u);
  await collect(await ask([audioPart(dataUrl(wav, 'audio/wav'))]));
  await collect(await ask([audioPart(`data:;base64,${wav.toString('base64')}`)]));
});

test('a data-URL item over 10 MB is refused', async () => {
  const big = Buffer.alloc(10 * 1024 * 1024 + 1);
  await assertRejected(
    ask([imagePart(dataUrl(big, 'image/png'))]),
    400,
    'invalid_parameter_error',
    /Exceeded limit on max bytes per data-uri item : 10485760/u,
  );
});

test('one non-text modality per message, one audio file', async () => {
  const image = dataUrl(png(64, 64), 'image/png');
  const audio = dataUrl(wav, 'audio/wav');
  await assertRejected(ask([imagePart(image), audioPart(audio)]), 400, 'invalid_parameter_error', /only one other modality/u);
  await assertRejected(ask([audioPart(audio), audioPart(audio)]), 400, 'invalid_parameter_error');
  // Several images in one message are fine.
  await collect(await ask([imagePart(image), imagePart(image), { type: 'text', text: 'Same?' }]));
});

test('audio the fake cannot decode is refused with a reason', async () => {
  await assertRejected(ask([audioPart(dataUrl(Buffer.from('ID3 not a wav'), 'audio/mp3'))]), 400, 'invalid_parameter_error', /PCM16 WAV/u);
});

test('images must be readable and larger than 10 px each side', async () => {
  await assertRejected(ask([imagePart(dataUrl(Buffer.from('hello'), 'image/png'))]), 400, 'invalid_parameter_error');
  await assertRejected(ask([imagePart(dataUrl(png(10, 64), 'image/png'))]), 400, 'invalid_parameter_error');
});

test('image-list videos need the model frame range', async () => {
  const frame = dataUrl(png(32, 32), 'image/jpeg');
  await assertRejected(ask([{ type: 'video', video: [frame] }]), 400, 'invalid_parameter_error');
  await collect(await ask([{ type: 'video', video: [frame, frame] }]));
  await assertRejected(ask([{ type: 'video', video: [frame, frame, frame] }], 'qwen-omni-turbo'), 400, 'invalid_parameter_error');
  const rejected = fake.requests.at(-1);
  assert.equal(rejected?.status, 400);
  assert.equal(rejected?.errorCode, 'invalid_parameter_error');
});
