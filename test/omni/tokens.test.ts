// Pins token estimates from the published rates (audio per second with a 1 s floor, image patches, text).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MODELS } from '../../src/omni/catalogue.ts';
import { audioTokens, imageTokens, mediaTokens, messageTokens, textTokens } from '../../src/omni/tokens.ts';

const flash = MODELS['qwen3-omni-flash']!;
const turbo = MODELS['qwen-omni-turbo']!;

test('audio: 12.5 tokens/s on flash, 25 on turbo, under a second counts as one', () => {
  assert.equal(audioTokens(4, flash), 50);
  assert.equal(audioTokens(4, turbo), 100);
  assert.equal(audioTokens(0.3, flash), 13);
  assert.equal(audioTokens(1.1, flash), 14);
});

test('images: one token per 32x32 px on flash (28x28 on turbo), clamped to 4..1280', () => {
  assert.equal(imageTokens(320, 320, flash), 100);
  assert.equal(imageTokens(280, 280, turbo), 100);
  assert.equal(imageTokens(20, 20, flash), 4);
  assert.equal(imageTokens(4000, 3000, flash), 1280);
  assert.equal(
    mediaTokens(
      {
        kind: 'images',
        images: [
          { bytes: new Uint8Array(), mime: 'image/png', width: 64, height: 64 },
          { bytes: new Uint8Array(), mime: 'image/png', width: 64, height: 64 },
        ],
      },
      flash,
    ),
    8,
  );
});

test('text: about four Latin characters per token, one per CJK character', () => {
  assert.equal(textTokens('abcdefgh'), 2);
  assert.equal(textTokens('你好世界'), 4);
  assert.equal(textTokens(''), 0);
});

test('a video file costs its frames at 2 fps plus its sound track', () => {
  const tokens = mediaTokens({ kind: 'video_file', bytes: new Uint8Array(), mime: 'video/mp4', seconds: 10, width: 320, height: 320 }, flash);
  assert.equal(tokens, 20 * 100 + 125);
});

test('a message adds a small fixed overhead to its parts', () => {
  const bare = messageTokens({ text: 'abcd' }, flash);
  const withAudio = messageTokens({ text: 'abcd', media: { kind: 'audio', wav: new Uint8Array(), seconds: 2 } }, flash);
  assert.equal(withAudio - bare, 25);
  assert.ok(bare > 1);
});
