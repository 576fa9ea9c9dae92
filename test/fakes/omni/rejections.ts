/** Assertion helper for tests of the fake's rejections, as the SDK reports them. */
import assert from 'node:assert/strict';
import { APIError } from 'openai';
import { collect } from './testkit.ts';
import type { Chunk } from './testkit.ts';

/** Awaits a create() call (and reads its stream) and checks it failed with this status and error code. */
export async function assertRejected(
  call: Promise<AsyncIterable<Chunk>> | Promise<unknown>,
  status: number,
  code: string,
  message?: RegExp,
): Promise<APIError> {
  let caught: unknown;
  try {
    const result = await call;
    if (result && typeof result === 'object' && Symbol.asyncIterator in result) await collect(result as AsyncIterable<Chunk>);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof APIError, `expected an APIError, got ${String(caught)}`);
  assert.equal(caught.status, status);
  assert.equal(caught.code, code);
  if (message) assert.match(caught.message, message);
  return caught;
}
