// Pins the usage block against the real input: audio tokens from the sent WAV's duration (12.5/s on flash,
// 25/s on turbo, under 1 s billed as 1 s), image tokens from PNG dimensions, text at chars/4, and output
// audio tokens from the streamed reply.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeOmni } from './server.ts';
import type { FakeOmni } from './server.ts';
import { collect, dataUrl, encodeWav, omniClient, png, sine } from './testkit.ts';
import type { StreamingBody } from './testkit.ts';

let fake: FakeOmni;
before(async () => {
  fake = await startFakeOmni({ realtime: false });
});
after(() => fake.close());

const SYSTEM = 'You are a helpful voice.'; // 24 chars
const ASK = 'What did I say?'; // 15 chars

function speechRequest(model: string, seconds: number): StreamingBody {
  const wav = encodeWav(sine(220, seconds, 16_000), 16_000);
  return {
    model,
    messages: [
      { role: 'system', content: SYSTEM },
      {
        role: 'user',
        content: [
          { type: 'input_audio', input_audio: { data: dataUrl(wav, 'audio/wav'), format: 'wav' } },
          { type: 'text', text: ASK },
        ],
      },
    ],
    modalities: ['text'],
    stream: true,
    stream_options: { include_usage: true },
  };
}

async function usageOf(body: StreamingBody) {
  const got = await collect(await omniClient(fake).chat.completions.create(body));
  assert.ok(got.usage, 'usage chunk present');
  return got.usage;
}

test('audio input tokens follow the WAV duration and the model rate', async () => {
  fake.script({ text: 'You asked a question.' }); // 21 chars -> 6 tokens
  const flash = await usageOf(speechRequest('qwen3-omni-flash', 2.3));
  assert.deepEqual(flash.prompt_tokens_details, { text_tokens: Math.ceil(39 / 4), audio_tokens: 29, image_tokens: 0, video_tokens: 0 });
  assert.deepEqual(flash.completion_tokens_details, { text_tokens: 6, audio_tokens: 0, reasoning_tokens: 0 });
  assert.equal(flash.prompt_tokens, 10 + 29);
  assert.equal(flash.total_tokens, flash.prompt_tokens + flash.completion_tokens);

  const turbo = await usageOf({ ...speechRequest('qwen2.5-omni-7b', 2.3) });
  assert.equal(turbo.prompt_tokens_details?.audio_tokens, 58, '2.3 s at 25 tokens/s');
});

test('audio under a second is billed as a second', async () => {
  const usage = await usageOf(speechRequest('qwen3-omni-flash', 0.4));
  assert.equal(usage.prompt_tokens_details?.audio_tokens, 13);
});

test('image tokens from PNG dimensions, clamped to the minimum', async () => {
  const body = (model: string): StreamingBody => ({
    model,
    messages: [
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: dataUrl(png(300, 200), 'image/png') } },
          { type: 'image_url', image_url: { url: dataUrl(png(20, 20), 'image/png') } },
          { type: 'text', text: 'Compare' },
        ],
      },
    ],
    stream: true,
    stream_options: { include_usage: true },
  });
  assert.equal((await usageOf(body('qwen3-omni-flash'))).prompt_tokens_details?.image_tokens, 10 * 7 + 4);
  assert.equal((await usageOf(body('qwen-omni-turbo'))).prompt_tokens_details?.image_tokens, 11 * 8 + 4);
});

test('output audio tokens follow the reply length', async () => {
  fake.script({ text: 'Hi there.', audio: { toneHz: 440, seconds: 0.5 } });
  const usage = await usageOf({
    model: 'qwen3-omni-flash',
    messages: [{ role: 'user', content: 'Hi' }],
    modalities: ['text', 'audio'],
    audio: { voice: 'Cherry', format: 'wav' },
    stream: true,
    stream_options: { include_usage: true },
  });
  assert.deepEqual(usage.completion_tokens_details, { text_tokens: 3, audio_tokens: 7, reasoning_tokens: 0 });
  assert.equal(usage.prompt_tokens_details?.text_tokens, 1);
});
