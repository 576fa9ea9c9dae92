// Pins scripted failures: 429 limit_requests / insufficient_quota / limit_burst_rate (with Retry-After when
// given), 500, and 400 Arrearage / data_inspection_failed, each with the service's error body.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { InternalServerError, RateLimitError } from 'openai';
import { startFakeOmni } from './server.ts';
import type { FakeOmni, ScriptedFailure } from './server.ts';
import { assertRejected } from './rejections.ts';
import { collect, omniClient } from './testkit.ts';

let fake: FakeOmni;
before(async () => {
  fake = await startFakeOmni({ realtime: false });
});
after(() => fake.close());

const ask = () => omniClient(fake).chat.completions.create({ model: 'qwen3-omni-flash', messages: [{ role: 'user', content: 'Hi' }], stream: true });

test('429 with Retry-After', async () => {
  fake.script({ fail: { status: 429, code: 'limit_requests', retryAfterSeconds: 7 } });
  const error = await assertRejected(ask(), 429, 'limit_requests');
  assert.ok(error instanceof RateLimitError);
  assert.equal(error.headers?.get('retry-after'), '7');
  assert.equal(error.type, 'limit_requests');
  assert.match(error.requestID ?? '', /^[0-9a-f-]{36}$/u);
});

test('429 without Retry-After, other 429 codes, 500 and 400 failures', async () => {
  const cases: [ScriptedFailure, string][] = [
    [{ status: 429, code: 'insufficient_quota' }, 'insufficient_quota'],
    [{ status: 429, code: 'limit_burst_rate' }, 'limit_burst_rate'],
    [{ status: 500 }, 'internal_error'],
    [{ status: 400, code: 'Arrearage' }, 'Arrearage'],
    [{ status: 400, code: 'data_inspection_failed' }, 'data_inspection_failed'],
  ];
  for (const [fail, code] of cases) {
    fake.script({ fail });
    const error = await assertRejected(ask(), fail.status, code);
    assert.equal(error.headers?.get('retry-after'), null);
    if (fail.status === 500) assert.ok(error instanceof InternalServerError);
    assert.equal(fake.requests.at(-1)?.errorCode, code);
  }
});

test('the next request after a scripted failure gets the default reply', async () => {
  fake.script({ fail: { status: 500 } });
  await assertRejected(ask(), 500, 'internal_error');
  const got = await collect(await ask());
  assert.equal(got.content, 'Hello! This is the fake Qwen-Omni speaking.');
});
