// The service's request id stays on OmniError for support, and failures a person can only retry or report
// show it as a short reference; key, quota and rate problems do not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { APIError } from 'openai';
import { toOmniError } from '../../src/omni/errorMapping.ts';

/** An error as the SDK builds it from the service's reply: the body's error object and the response headers. */
function apiError(status: number, code: string, requestId: string): APIError {
  return APIError.generate(
    status,
    { error: { code, message: 'failed', type: 'x' }, request_id: requestId },
    undefined,
    new Headers({ 'x-request-id': requestId }),
  );
}

test('a server error keeps the request id and shows it as a reference', () => {
  const error = toOmniError(apiError(500, 'InternalError', 'req-abc123'));
  assert.equal(error.requestId, 'req-abc123');
  assert.match(error.userMessage, /^The model service had an error\. Please try again\. \(ref: req-abc123\)$/);
  assert.match(error.message, /req-abc123/, 'in the log line too');
});

test('a content-filter refusal shows the reference too (the provider may be asked why)', () => {
  const error = toOmniError(apiError(400, 'data_inspection_failed', 'body-42'));
  assert.equal(error.requestId, 'body-42');
  assert.match(error.userMessage, /safety filter.*\(ref: body-42\)/);
});

test('problems the owner fixes without the provider (key, quota, rate) carry the id but do not show it', () => {
  for (const [status, code] of [
    [401, 'invalid_api_key'],
    [429, 'insufficient_quota'],
    [429, 'limit_requests'],
  ] as const) {
    const error = toOmniError(apiError(status, code, 'req-1'));
    assert.equal(error.requestId, 'req-1');
    assert.doesNotMatch(error.userMessage, /ref:/, code);
  }
});
