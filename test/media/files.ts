/** The committed media fixtures (see test/fixtures/media/make-fixtures.sh) and damaged variants of them. */
import { readFileSync } from 'node:fs';
import { makePng, pngDeclaring } from '../support/images.ts';

export function mediaFixture(name: string): Buffer {
  return readFileSync(new URL(`../fixtures/media/${name}`, import.meta.url));
}

/** The first `fraction` of a file, as an interrupted upload leaves it. */
export function truncated(bytes: Uint8Array, fraction = 0.5): Buffer {
  return Buffer.from(bytes.subarray(0, Math.floor(bytes.length * fraction)));
}

/** Kinds of bad file, each with the reason a person should read (a pattern of the bot's sentence). */
export const BAD_FILES: ReadonlyArray<{ readonly what: string; readonly name: string; readonly bytes: () => Buffer; readonly reason: RegExp }> = [
  { what: 'a zero-byte file', name: 'empty.png', bytes: () => Buffer.alloc(0), reason: /empty\.png is empty \(0 bytes\)/ },
  { what: 'a PDF named like an image', name: 'scan.png', bytes: () => mediaFixture('doc.pdf'), reason: /scan\.png is a PDF document/ },
  { what: 'a PNG cut short', name: 'cut.png', bytes: () => truncated(makePng(200, 200), 0.6), reason: /cut\.png is cut short or damaged/ },
  { what: 'an animated GIF', name: 'party.gif', bytes: () => mediaFixture('animated.gif'), reason: /party\.gif is animated/ },
  { what: 'a tiny image', name: 'dot.png', bytes: () => makePng(8, 8), reason: /dot\.png is 8x8 px; both sides must be larger than 10 px/ },
  { what: 'a long thin image', name: 'strip.png', bytes: () => makePng(4200, 20), reason: /strip\.png is too long and thin \(4200x20 px\)/ },
  { what: 'huge declared dimensions', name: 'bomb.png', bytes: () => pngDeclaring(30_000, 30_000), reason: /bomb\.png is 30000x30000 px, too large/ },
  {
    what: 'a video longer than the model takes',
    name: 'lecture.mp4',
    bytes: () => mediaFixture('long.mp4'),
    reason: /lecture\.mp4 is 3 min 20 s long; it can be at most 150 s/,
  },
  { what: 'a video cut short', name: 'clip.mp4', bytes: () => truncated(mediaFixture('clip.mp4')), reason: /clip\.mp4 is cut short or damaged/ },
  { what: 'a compressed WAV', name: 'memo.wav', bytes: () => adpcmWav(), reason: /memo\.wav uses IMA ADPCM, which I cannot play/ },
  { what: 'a WAV cut short', name: 'take.wav', bytes: () => truncated(mediaFixture('tone.wav'), 0.7), reason: /take\.wav is cut short or damaged/ },
  { what: 'a damaged voice message', name: 'voice-message.ogg', bytes: () => damagedOgg(), reason: /voice-message\.ogg is damaged/ },
  {
    what: 'a shell script named like an image',
    name: 'run.png',
    bytes: () => Buffer.from('#!/bin/sh\necho hi\n'),
    reason: /run\.png is a script \(text\), not a PNG image/,
  },
  {
    what: 'random bytes',
    name: 'data.bin',
    bytes: () => Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff)),
    reason: /data\.bin is not a file type I know/,
  },
];

/** The tone fixture relabelled as IMA ADPCM (format code 17), as old voice recorders write. */
function adpcmWav(): Buffer {
  const bytes = Buffer.from(mediaFixture('tone.wav'));
  bytes.writeUInt16LE(17, 20);
  return bytes;
}

/** A voice message with bytes flipped in the middle of its audio pages (their CRCs no longer match). */
function damagedOgg(): Buffer {
  const bytes = Buffer.from(mediaFixture('voice.ogg'));
  for (let i = Math.floor(bytes.length / 2); i < bytes.length / 2 + 64; i++) bytes[i] = bytes[i]! ^ 0x5a;
  return bytes;
}
