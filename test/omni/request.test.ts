// Pins the request builder: only bodies the service accepts (stream + usage, one modality per message,
// text-only assistant turns, voices of the model, thinking only where allowed, turbo's system folding).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidInputError } from '../../src/errors.ts';
import { MODELS } from '../../src/omni/catalogue.ts';
import type { ImageInput } from '../../src/omni/media.ts';
import { buildRequestBody } from '../../src/omni/request.ts';

const flash = MODELS['qwen3-omni-flash']!;
const turbo = MODELS['qwen-omni-turbo']!;
const wav = new Uint8Array([0x52, 0x49, 0x46, 0x46]);
const image = (width = 64, height = 48): ImageInput => ({ bytes: new Uint8Array(100), mime: 'image/png', width, height });

test('every body streams with usage; audio output names the voice and format wav', () => {
  const body = buildRequestBody({ model: flash, turns: [{ role: 'user', text: 'hi' }], voice: 'ethan' });
  assert.equal(body.stream, true);
  assert.deepEqual(body.stream_options, { include_usage: true });
  assert.deepEqual(body.modalities, ['text', 'audio']);
  assert.deepEqual(body.audio, { voice: 'Ethan', format: 'wav' });
  assert.equal('enable_thinking' in body, false);
});

test('text-only replies carry no audio parameter', () => {
  const body = buildRequestBody({ model: flash, turns: [{ role: 'user', text: 'hi' }] });
  assert.deepEqual(body.modalities, ['text']);
  assert.equal(body.audio, undefined);
});

test('speech goes as a WAV data URL with the text part after it; assistant turns are plain text', () => {
  const body = buildRequestBody({
    model: flash,
    system: 'Be brief.',
    turns: [
      { role: 'user', text: 'Alice said:', media: { kind: 'audio', wav, seconds: 1 } },
      { role: 'assistant', text: 'Hello Alice.' },
      { role: 'user', text: 'Bob said:', media: { kind: 'audio', wav, seconds: 2 } },
    ],
    voice: 'Cherry',
  });
  assert.deepEqual(body.messages[0], { role: 'system', content: 'Be brief.' });
  const first = body.messages[1];
  assert.equal(first?.role, 'user');
  assert.ok(Array.isArray(first?.content));
  const [audioPart, textPart] = first.content as Array<Record<string, unknown>>;
  assert.deepEqual(audioPart, { type: 'input_audio', input_audio: { data: `data:audio/wav;base64,${Buffer.from(wav).toString('base64')}`, format: 'wav' } });
  assert.deepEqual(textPart, { type: 'text', text: 'Alice said:' });
  assert.deepEqual(body.messages[2], { role: 'assistant', content: 'Hello Alice.' });
});

test('several images go in one message; an image sequence is a video list; a video file a video_url', () => {
  const images = buildRequestBody({ model: flash, turns: [{ role: 'user', text: 'compare', media: { kind: 'images', images: [image(), image()] } }] });
  const parts = images.messages[0]?.content as Array<{ type: string }>;
  assert.deepEqual(
    parts.map((p) => p.type),
    ['image_url', 'image_url', 'text'],
  );

  const sequence = buildRequestBody({ model: flash, turns: [{ role: 'user', media: { kind: 'image_sequence', frames: [image(), image(), image()] } }] });
  const [video] = sequence.messages[0]!.content as Array<{ type: string; video: string[] }>;
  assert.equal(video?.type, 'video');
  assert.equal(video?.video.length, 3);
  assert.match(video?.video[0] ?? '', /^data:image\/png;base64,/);

  const file = buildRequestBody({
    model: flash,
    turns: [{ role: 'user', media: { kind: 'video_file', bytes: new Uint8Array(10), mime: 'video/mp4', seconds: 3 } }],
  });
  assert.deepEqual(
    (file.messages[0]!.content as Array<{ type: string }>).map((p) => p.type),
    ['video_url'],
  );
});

test('turbo with audio output gets no system message: the persona is folded into the first user text', () => {
  const body = buildRequestBody({
    model: turbo,
    system: 'You are Omni.',
    turns: [
      { role: 'user', text: 'hi' },
      { role: 'assistant', text: 'hello' },
      { role: 'user', text: 'again' },
    ],
    voice: 'Serena',
  });
  assert.ok(body.messages.every((m) => m.role !== 'system'));
  assert.deepEqual(body.messages[0], { role: 'user', content: 'You are Omni.\n\nhi' });
  assert.deepEqual(body.messages[2], { role: 'user', content: 'again' });
  // Text output keeps the system message.
  assert.equal(buildRequestBody({ model: turbo, system: 'You are Omni.', turns: [{ role: 'user', text: 'hi' }] }).messages[0]?.role, 'system');
});

test('thinking mode: flash only, text only', () => {
  const body = buildRequestBody({ model: flash, turns: [{ role: 'user', text: 'why?' }], thinking: true });
  assert.equal(body.enable_thinking, true);
  assert.deepEqual(body.modalities, ['text']);
  assert.throws(() => buildRequestBody({ model: flash, turns: [{ role: 'user', text: 'x' }], thinking: true, voice: 'Cherry' }), /text only/);
  assert.throws(() => buildRequestBody({ model: turbo, turns: [{ role: 'user', text: 'x' }], thinking: true }), /cannot use thinking/);
});

test('a voice of another model is refused with the list of valid ones', () => {
  assert.throws(
    () => buildRequestBody({ model: turbo, turns: [{ role: 'user', text: 'x' }], voice: 'Jada' }),
    (error: unknown) => error instanceof InvalidInputError && /Jada is not a voice of qwen-omni-turbo.*Chelsie/.test(error.userMessage),
  );
});

test('a request must end with a user turn that has content', () => {
  assert.throws(() => buildRequestBody({ model: flash, turns: [] }), /nothing to answer/);
  assert.throws(
    () =>
      buildRequestBody({
        model: flash,
        turns: [
          { role: 'user', text: 'a' },
          { role: 'assistant', text: 'b' },
        ],
      }),
    /nothing to answer/,
  );
  assert.throws(() => buildRequestBody({ model: flash, turns: [{ role: 'user' }] }), /neither text nor media/);
});
