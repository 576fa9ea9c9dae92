// Files people post become model input, or a one-line reason naming the file.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidInputError } from '../../src/errors.ts';
import { decodeWav } from '../../src/audio/wav.ts';
import { MODELS } from '../../src/omni/catalogue.ts';
import { combineFiles, maxAttachmentBytes, prepareFile, type PreparedFile } from '../../src/media/prepare.ts';
import { dominantFrequency } from '../audio/signal.ts';
import { makePng } from '../support/images.ts';
import { BAD_FILES, mediaFixture } from './files.ts';

const flash = MODELS['qwen3-omni-flash']!;
const turbo = MODELS['qwen-omni-turbo']!;

test('still images of every common format are read from their bytes, whatever their name', async () => {
  const cases = [
    ['photo.jpg', 'image/jpeg', 64, 48],
    ['still.webp', 'image/webp', 40, 30],
    ['still.gif', 'image/gif', 32, 24],
    ['image.bmp', 'image/bmp', 24, 16],
  ] as const;
  for (const [fixture, mime, width, height] of cases) {
    const prepared = await prepareFile({ name: 'upload.dat', bytes: mediaFixture(fixture) }, flash);
    assert.equal(prepared.kind, 'image', fixture);
    if (prepared.kind !== 'image') continue;
    assert.deepEqual([prepared.image.mime, prepared.image.width, prepared.image.height], [mime, width, height], fixture);
  }
});

test('videos are sent as files with their duration and picture size read from the container', async () => {
  const cases = [
    ['clip.mp4', 'video/mp4', 2, 64, 48],
    ['clip.mov', 'video/quicktime', 1, 48, 32],
    ['clip.webm', 'video/webm', 1.508, 64, 48],
    ['live.webm', 'video/webm', 1.5, 64, 48],
  ] as const;
  for (const [fixture, mime, seconds, width, height] of cases) {
    const prepared = await prepareFile({ name: fixture, bytes: mediaFixture(fixture) }, flash);
    assert.equal(prepared.kind, 'video', fixture);
    if (prepared.kind !== 'video') continue;
    const { media } = prepared;
    assert.equal(media.mime, mime, fixture);
    assert.ok(Math.abs(media.seconds - seconds) < 0.05, `${fixture}: ${media.seconds} s`);
    assert.deepEqual([media.width, media.height], [width, height], fixture);
  }
});

test('audio files are decoded to 16 kHz mono WAV at the same pitch and length', async () => {
  const cases = [
    ['voice.ogg', 440, 1.5],
    ['tone.mp3', 440, 1.0],
    ['tone.wav', 660, 0.5],
  ] as const;
  for (const [fixture, frequency, seconds] of cases) {
    const prepared = await prepareFile({ name: fixture, bytes: mediaFixture(fixture) }, flash);
    assert.equal(prepared.kind, 'audio', fixture);
    if (prepared.kind !== 'audio') continue;
    const wav = decodeWav(prepared.media.wav);
    assert.deepEqual([wav.sampleRate, wav.channels], [16_000, 1], fixture);
    // MP3 frames pad the end by up to one frame (26 ms at 44.1 kHz) plus the decoder's delay.
    assert.ok(Math.abs(prepared.media.seconds - seconds) <= 0.06, `${fixture}: ${prepared.media.seconds} s`);
    assert.ok(Math.abs(dominantFrequency(wav.samples, 16_000) - frequency) <= frequency * 0.01, fixture);
  }
});

for (const bad of BAD_FILES) {
  test(`${bad.what} is refused with its own reason`, async () => {
    await assert.rejects(prepareFile({ name: bad.name, bytes: bad.bytes() }, flash), (error: unknown) => {
      assert.ok(error instanceof InvalidInputError);
      assert.match(error.userMessage, bad.reason);
      return true;
    });
  });
}

test('every bad-file reason is different', () => {
  assert.equal(new Set(BAD_FILES.map((bad) => bad.reason.source)).size, BAD_FILES.length);
});

test("limits follow the model: a 60 s video fits flash but not turbo's 40 s", async () => {
  const { media } = (await prepareFile({ name: 'clip.mp4', bytes: mediaFixture('clip.mp4') }, flash)) as Extract<PreparedFile, { kind: 'video' }>;
  const long = { ...media, seconds: 60 };
  assert.equal(combineFiles([{ kind: 'video', name: 'a.mp4', media: long }], flash).kind, 'video_file');
  assert.ok(maxAttachmentBytes(flash) < flash.media.dataUrlMaxBytes);
  await assert.rejects(prepareFile({ name: 'lecture.mp4', bytes: mediaFixture('long.mp4') }, turbo), /at most 40 s/);
});

test('several images go together; a video or an audio file goes alone', async () => {
  const a = await prepareFile({ name: 'a.png', bytes: makePng(64, 64) }, flash);
  const b = await prepareFile({ name: 'b.png', bytes: makePng(32, 128) }, flash);
  const video = await prepareFile({ name: 'clip.mp4', bytes: mediaFixture('clip.mp4') }, flash);
  const audio = await prepareFile({ name: 'voice.ogg', bytes: mediaFixture('voice.ogg') }, flash);
  const both = combineFiles([a, b], flash);
  assert.equal(both.kind, 'images');
  assert.equal(both.kind === 'images' && both.images.length, 2);
  assert.equal(combineFiles([video], flash).kind, 'video_file');
  assert.equal(combineFiles([audio], flash).kind, 'audio');
  assert.throws(() => combineFiles([video, audio], flash), /one video or one audio file at a time/);
  assert.throws(() => combineFiles([a, video], flash), /one video or one audio file at a time/);
});

test('as a sequence, images become the frames of one video, within the frame limits', async () => {
  const frame = await prepareFile({ name: 'f.png', bytes: makePng(64, 48) }, flash);
  const sequence = combineFiles([frame, frame, frame], flash, { asSequence: true });
  assert.equal(sequence.kind, 'image_sequence');
  assert.throws(() => combineFiles([frame], flash, { asSequence: true }), /needs 2 to 128 images/);
  assert.throws(() => combineFiles([frame, frame, frame], turbo, { asSequence: true }), /needs 4 to 80 images/);
});
