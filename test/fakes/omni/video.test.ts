// Pins video handling: an image-list video costs one frame per image; an MP4 file is read for duration,
// frame size and sound track, billed at 2 frames per second plus its audio; both are recorded.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeOmni } from './server.ts';
import type { FakeOmni } from './server.ts';
import { assertRejected } from './rejections.ts';
import { collect, createRaw, dataUrl, mp4, omniClient, png } from './testkit.ts';

let fake: FakeOmni;
before(async () => {
  fake = await startFakeOmni({ realtime: false });
});
after(() => fake.close());

const ask = (model: string, part: unknown) =>
  createRaw(omniClient(fake), {
    model,
    messages: [{ role: 'user', content: [part, { type: 'text', text: 'What happens?' }] }],
    stream: true,
    stream_options: { include_usage: true },
  });

test('image-list video: one frame per image', async () => {
  const frame = dataUrl(png(64, 64), 'image/png'); // 2x2 patches on flash = 4 tokens
  const got = await collect(await ask('qwen3-omni-flash', { type: 'video', video: [frame, frame, frame] }));
  assert.equal(got.usage?.prompt_tokens_details?.video_tokens, 3 * 4);
  const [video] = (await fake.nextRequest()).videos;
  assert.equal(video?.kind, 'frames');
  assert.equal(video?.frames, 3);
});

test('MP4 file: 2 frames per second plus its sound track', async () => {
  const file = dataUrl(mp4(3.2, 320, 240, true), 'video/mp4');
  const got = await collect(await ask('qwen3-omni-flash', { type: 'video_url', video_url: { url: file } }));
  // 7 frames of 10x8 patches, and 3.2 s of audio at 12.5 tokens/s.
  assert.equal(got.usage?.prompt_tokens_details?.video_tokens, 7 * 80);
  assert.equal(got.usage?.prompt_tokens_details?.audio_tokens, 40);
  const [video] = (await fake.nextRequest()).videos;
  assert.ok(video?.kind === 'file');
  assert.deepEqual(
    { seconds: video.seconds, width: video.width, height: video.height, hasAudio: video.hasAudio, frames: video.frames },
    { seconds: 3.2, width: 320, height: 240, hasAudio: true, frames: 7 },
  );
});

test('a video file longer than the model accepts is refused', async () => {
  await assertRejected(
    ask('qwen-omni-turbo', { type: 'video_url', video_url: { url: dataUrl(mp4(41, 320, 240, false), 'video/mp4') } }),
    400,
    'invalid_parameter_error',
  );
});
