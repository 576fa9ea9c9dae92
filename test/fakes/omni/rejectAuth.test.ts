// Pins that a missing or wrong bearer key gets 401 invalid_api_key ("Incorrect API key provided. ").
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AuthenticationError } from 'openai';
import { startFakeOmni } from './server.ts';
import type { FakeOmni } from './server.ts';
import { assertRejected } from './rejections.ts';
import { omniClient } from './testkit.ts';

let fake: FakeOmni;
before(async () => {
  fake = await startFakeOmni({ apiKey: 'sk-right', realtime: false });
});
after(() => fake.close());

const body = { model: 'qwen3-omni-flash', messages: [{ role: 'user' as const, content: 'Hi' }], stream: true as const };

test('wrong key: 401 through the SDK', async () => {
  const error = await assertRejected(omniClient(fake, 'sk-wrong').chat.completions.create(body), 401, 'invalid_api_key');
  assert.ok(error instanceof AuthenticationError);
  assert.equal(error.error && (error.error as { message?: string }).message, 'Incorrect API key provided. ');
  assert.equal(fake.requests.at(-1)?.status, 401);
});

test('no Authorization header: 401', async () => {
  const response = await fetch(`${fake.baseURL}/chat/completions`, { method: 'POST', body: JSON.stringify(body) });
  assert.equal(response.status, 401);
  assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'invalid_api_key');
});

test('the right key is accepted', async () => {
  const stream = await omniClient(fake, 'sk-right').chat.completions.create(body);
  for await (const chunk of stream) assert.ok(chunk);
});
