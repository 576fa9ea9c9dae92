// Pins the request body's JSON: media spliced in verbatim must give exactly what JSON.stringify gives, and
// nothing that merely looks like a data URL (quotes, backslashes, control characters) may skip escaping.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toJsonBody } from '../../src/omni/jsonBody.ts';
import { toDataUrl } from '../../src/omni/media.ts';

const bytes = (length: number, seed: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (i * 7919 + seed) % 256);

test('a body with media is the same JSON as JSON.stringify makes, byte for byte', () => {
  const wav = toDataUrl(bytes(90_000, 1), 'audio/wav');
  const png = toDataUrl(bytes(20_001, 2), 'image/png');
  const body = {
    model: 'qwen3-omni-flash',
    messages: [
      { role: 'system', content: 'Be brief. "Quoted" \\ back\nslash ü 漢字 😀' },
      {
        role: 'user',
        content: [
          { type: 'input_audio', input_audio: { data: wav, format: 'wav' } },
          { type: 'text', text: 'Alice says:' },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: png } },
          { type: 'input_audio', input_audio: { data: wav, format: 'wav' } },
        ],
      },
    ],
    stream: true,
  };
  assert.equal(toJsonBody(body).toString('utf8'), JSON.stringify(body));
});

test('long strings that are not clean base64 data URLs are escaped as usual', () => {
  const payload = 'A'.repeat(5_000);
  const tricky = [
    `data:audio/wav;base64,${payload}"},"injected":{"x":"`,
    `data:audio/wav;base64,${payload}\\`,
    `data:audio/wav;base64,${payload}\n`,
    `data:audio/wav";base64,${payload}`,
    `text that mentions data:audio/wav;base64,${payload}`,
  ];
  for (const value of tricky) {
    const body = { messages: [{ role: 'user', content: value }] };
    const json = toJsonBody(body).toString('utf8');
    assert.equal(json, JSON.stringify(body));
    assert.deepEqual(JSON.parse(json), body);
  }
});

test('text that imitates the splice marker stays text', () => {
  const wav = toDataUrl(bytes(10_000, 3), 'audio/wav');
  const body = { a: 'omni-media-00000000-0000-0000-0000-000000000000', b: wav, c: '"omni-media-"' };
  assert.deepEqual(JSON.parse(toJsonBody(body).toString('utf8')), body);
});
