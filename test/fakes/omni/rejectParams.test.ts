// Pins the parameter rejections: stream not true, unknown model (404), voices outside the model's list,
// thinking with audio output or on a model that cannot think, a system message with audio on turbo, bad
// modalities, malformed JSON and an over-large body; a rejected request does not consume a script.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeOmni } from './server.ts';
import type { FakeOmni } from './server.ts';
import { assertRejected } from './rejections.ts';
import { collect, createRaw, omniClient } from './testkit.ts';

let fake: FakeOmni;
before(async () => {
  fake = await startFakeOmni({ realtime: false, maxBodyBytes: 64 * 1024 });
});
after(() => fake.close());

const hello = [{ role: 'user', content: 'Hello' }];
const speak = (model: string, voice: string) => ({
  model,
  messages: hello,
  modalities: ['text', 'audio'],
  audio: { voice, format: 'wav' },
  stream: true,
});

test('stream must be true', async () => {
  const client = omniClient(fake);
  await assertRejected(
    client.chat.completions.create({ model: 'qwen3-omni-flash', messages: [{ role: 'user', content: 'Hi' }] }),
    400,
    'invalid_parameter_error',
    /only support stream mode, please enable the stream parameter/u,
  );
  await assertRejected(createRaw(client, { model: 'qwen3-omni-flash', messages: hello, stream: false }), 400, 'invalid_parameter_error');
});

test('unknown model: 404 model_not_found', async () => {
  await assertRejected(createRaw(omniClient(fake), { model: 'qwen-omni-ultra', messages: hello, stream: true }), 404, 'model_not_found');
});

test('voices must belong to the model', async () => {
  const client = omniClient(fake);
  for (const voice of [
    'Cherry',
    'Ethan',
    'Nofish',
    'Jennifer',
    'Ryan',
    'Katerina',
    'Elias',
    'Jada',
    'Dylan',
    'Sunny',
    'Li',
    'Marcus',
    'Roy',
    'Peter',
    'Rocky',
    'Kiki',
    'Eric',
  ]) {
    await collect(await createRaw(client, speak('qwen3-omni-flash', voice)));
  }
  await assertRejected(createRaw(client, speak('qwen3-omni-flash', 'Shanghai-Jada')), 400, 'invalid_parameter_error', /Shanghai-Jada/u);
  await assertRejected(createRaw(client, speak('qwen3-omni-flash', 'Serena')), 400, 'invalid_parameter_error', /Serena/u);
  await assertRejected(createRaw(client, speak('qwen-omni-turbo', 'Jada')), 400, 'invalid_parameter_error', /Jada/u);
  await assertRejected(createRaw(client, speak('qwen2.5-omni-7b', 'Cherry')), 400, 'invalid_parameter_error', /Cherry/u);
  await collect(await createRaw(client, speak('qwen-omni-turbo', 'Serena')));
});

test('thinking: no audio output, and only on models that think', async () => {
  const client = omniClient(fake);
  await assertRejected(createRaw(client, { ...speak('qwen3-omni-flash', 'Cherry'), enable_thinking: true }), 400, 'invalid_parameter_error');
  await assertRejected(
    createRaw(client, { model: 'qwen-omni-turbo', messages: hello, modalities: ['text'], enable_thinking: true, stream: true }),
    400,
    'invalid_parameter_error',
    /enable_thinking/u,
  );
});

test('qwen-omni-turbo refuses a system message with audio output', async () => {
  const client = omniClient(fake);
  const withSystem = [{ role: 'system', content: 'Be nice.' }, ...hello];
  await assertRejected(createRaw(client, { ...speak('qwen-omni-turbo', 'Cherry'), messages: withSystem }), 400, 'invalid_parameter_error');
  // Text output with a system message is fine, and so is flash with audio.
  await collect(await createRaw(client, { model: 'qwen-omni-turbo', messages: withSystem, stream: true }));
  await collect(await createRaw(client, { ...speak('qwen3-omni-flash', 'Cherry'), messages: withSystem }));
});

test('modalities must be ["text"] or ["text","audio"]', async () => {
  await assertRejected(createRaw(omniClient(fake), { ...speak('qwen3-omni-flash', 'Cherry'), modalities: ['audio'] }), 400, 'invalid_parameter_error');
});

test('malformed JSON and an over-large body: 400', async () => {
  const post = (body: string) =>
    fetch(`${fake.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { Authorization: 'Bearer test-key', 'Content-Type': 'application/json' },
      body,
    });
  const malformed = await post('{"model": "qwen3-omni-flash",');
  assert.equal(malformed.status, 400);
  assert.equal(((await malformed.json()) as { error: { code: string } }).error.code, 'invalid_parameter_error');
  const large = await post(JSON.stringify({ model: 'qwen3-omni-flash', messages: [{ role: 'user', content: 'x'.repeat(70_000) }], stream: true }));
  assert.equal(large.status, 400);
  assert.match(((await large.json()) as { error: { message: string } }).error.message, /at most 65536/u);
});

test('a rejected request leaves the script for the next valid one', async () => {
  const client = omniClient(fake);
  fake.script({ text: 'Scripted.' });
  await assertRejected(createRaw(client, { model: 'nope', messages: hello, stream: true }), 404, 'model_not_found');
  const got = await collect(await createRaw(client, { model: 'qwen3-omni-flash', messages: hello, stream: true }));
  assert.equal(got.content, 'Scripted.');
});
