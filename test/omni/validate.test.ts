// Pins media validation against each model's limits: every rejection is a sentence a Discord user can act on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidInputError } from '../../src/errors.ts';
import { MODELS } from '../../src/omni/catalogue.ts';
import type { MediaInput } from '../../src/omni/media.ts';
import { validateMedia } from '../../src/omni/validate.ts';

const flash = MODELS['qwen3-omni-flash']!;
const turbo = MODELS['qwen-omni-turbo']!;
const MB = 1024 * 1024;
const image = (width: number, height: number, bytes = 1000) => ({ bytes: new Uint8Array(bytes), mime: 'image/png', width, height });
const frames = (count: number) => Array.from({ length: count }, () => image(64, 64));

const rejected: Array<[string, MediaInput, typeof flash, RegExp]> = [
  ['image over 10 MB', { kind: 'images', images: [image(100, 100, 11 * MB)] }, flash, /11 MB; images can be at most 10 MB/],
  ['image 10 px wide', { kind: 'images', images: [image(10, 400)] }, flash, /10x400 px; both sides must be larger than 10 px/],
  ['second image too thin', { kind: 'images', images: [image(50, 50), image(4020, 20)] }, flash, /Image 2 is too long and thin.*200:1/],
  ['one frame on flash', { kind: 'image_sequence', frames: frames(1) }, flash, /2 to 128 images on qwen3-omni-flash; this one has 1/],
  ['129 frames on flash', { kind: 'image_sequence', frames: frames(129) }, flash, /this one has 129/],
  ['3 frames on turbo', { kind: 'image_sequence', frames: frames(3) }, turbo, /4 to 80 images on qwen-omni-turbo/],
  ['21 min audio on flash', { kind: 'audio', wav: new Uint8Array(100), seconds: 21 * 60 }, flash, /21 min long; it can be at most 20 min/],
  ['4 min audio on turbo', { kind: 'audio', wav: new Uint8Array(100), seconds: 240 }, turbo, /4 min long; it can be at most 3 min/],
  ['audio over turbo size', { kind: 'audio', wav: new Uint8Array(11 * MB), seconds: 60 }, turbo, /11 MB; it can be at most 10 MB/],
  ['inline audio over the data-URL cap', { kind: 'audio', wav: new Uint8Array(9 * MB), seconds: 60 }, flash, /sent inline can be at most about 7.5 MB/],
  [
    'video of 151 s on flash',
    { kind: 'video_file', bytes: new Uint8Array(100), mime: 'video/mp4', seconds: 151 },
    flash,
    /151 s long; it can be at most 150 s/,
  ],
  ['video of 41 s on turbo', { kind: 'video_file', bytes: new Uint8Array(100), mime: 'video/mp4', seconds: 41 }, turbo, /at most 40 s/],
  ['no images', { kind: 'images', images: [] }, flash, /no image/],
];

for (const [name, media, model, message] of rejected) {
  test(`rejects ${name}`, () => {
    assert.throws(
      () => validateMedia(media, model),
      (error: unknown) => error instanceof InvalidInputError && message.test(error.userMessage),
    );
  });
}

test('accepts media inside every limit', () => {
  validateMedia({ kind: 'images', images: [image(11, 11), image(2000, 10 + 1)] }, flash);
  validateMedia({ kind: 'image_sequence', frames: frames(2) }, flash);
  validateMedia({ kind: 'image_sequence', frames: frames(128) }, flash);
  validateMedia({ kind: 'audio', wav: new Uint8Array(1000), seconds: 20 * 60 }, flash);
  validateMedia({ kind: 'video_file', bytes: new Uint8Array(1000), mime: 'video/mp4', seconds: 150 }, flash);
});
