// Fuzzes the upload parsers (MP4/MOV boxes, WebM/EBML, Ogg, WAV, MP3, images) through prepareFile, the way a
// posted file reaches them: mutated and truncated copies of real files (seeded, so a failure replays) must
// only ever be refused with a FileRefusal, never crash with a RangeError or TypeError the person would see as
// "something went wrong".
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { oggCrc } from '../../src/media/ogg.ts';
import { FileRefusal } from '../../src/media/problems.ts';
import { prepareFile } from '../../src/media/prepare.ts';
import { probeVideo } from '../../src/media/probeVideo.ts';
import { MODELS } from '../../src/omni/catalogue.ts';
import { random as seededRandom } from '../audio/signal.ts';
import { makePng } from '../support/images.ts';
import { mediaFixture } from './files.ts';
import { isoBox, mp4WithEmptyMehd } from './videoFiles.ts';

const flash = MODELS['qwen3-omni-flash']!;
const CASES_PER_SEED = Number(process.env.FUZZ_CASES ?? 220);

/** Values that break size and offset arithmetic. */
const EDGE_UINT32 = [0, 1, 7, 8, 9, 16, 0x7f, 0xff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

function mutate(original: Buffer, random: () => number): Buffer {
  const pick = (n: number) => Math.floor(random() * n);
  let bytes = Buffer.from(original);
  const steps = 1 + pick(4);
  for (let step = 0; step < steps && bytes.length > 0; step++) {
    const at = pick(bytes.length);
    switch (pick(7)) {
      case 0: // flip some bits
        bytes[at] = bytes[at]! ^ (1 << pick(8));
        break;
      case 1: // random bytes in a row
        for (let i = at; i < Math.min(bytes.length, at + 1 + pick(16)); i++) bytes[i] = pick(256);
        break;
      case 2: // a size or offset field set to an edge value (headers live near the start, so bias there)
        {
          const near = Math.min(at, pick(Math.min(bytes.length, 512)));
          if (near + 4 <= bytes.length) bytes.writeUInt32BE(EDGE_UINT32[pick(EDGE_UINT32.length)]!, near);
        }
        break;
      case 3: // cut short
        bytes = bytes.subarray(0, pick(bytes.length));
        break;
      case 4: // a slice repeated
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at, at + pick(64)), bytes.subarray(at)]);
        break;
      case 5: // a slice removed
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + pick(64))]);
        break;
      default: // the same field as little-endian
        if (at + 4 <= bytes.length) bytes.writeUInt32LE(EDGE_UINT32[pick(EDGE_UINT32.length)]!, at);
    }
  }
  return bytes;
}

/** Recomputes every Ogg page's CRC that can still be found, so mutations reach the parser behind the CRC check. */
function fixOggCrcs(bytes: Buffer): Buffer {
  for (let at = 0; at + 27 <= bytes.length && bytes.toString('latin1', at, at + 4) === 'OggS'; ) {
    const segments = bytes.subarray(at + 27, at + 27 + bytes[at + 26]!);
    const end = at + 27 + segments.length + segments.reduce((sum, size) => sum + size, 0);
    if (end > bytes.length) break;
    bytes.writeUInt32LE(0, at + 22);
    bytes.writeUInt32LE(oggCrc(bytes.subarray(at, end)), at + 22);
    at = end;
  }
  return bytes;
}

const SEEDS: ReadonlyArray<readonly [string, () => Buffer, ((bytes: Buffer) => Buffer)?]> = [
  ['clip.mp4', () => mediaFixture('clip.mp4')],
  ['clip.mov', () => mediaFixture('clip.mov')],
  ['clip.webm', () => mediaFixture('clip.webm')],
  ['live.webm', () => mediaFixture('live.webm')],
  ['voice.ogg', () => mediaFixture('voice.ogg')],
  ['voice.ogg with CRCs fixed', () => mediaFixture('voice.ogg'), fixOggCrcs],
  ['tone.wav', () => mediaFixture('tone.wav').subarray(0, 4000)],
  ['tone.mp3', () => mediaFixture('tone.mp3')],
  ['photo.jpg', () => mediaFixture('photo.jpg')],
  ['still.gif', () => mediaFixture('still.gif')],
  ['animated.gif', () => mediaFixture('animated.gif')],
  ['still.webp', () => mediaFixture('still.webp')],
  ['image.bmp', () => mediaFixture('image.bmp')],
  ['made.png', () => makePng(24, 16)],
  ['fragmented.mp4', () => mp4WithEmptyMehd()],
];

/** Runs one input through the parsers; returns a description of anything but a refusal. */
async function crashOf(bytes: Buffer): Promise<string | undefined> {
  try {
    await prepareFile({ name: 'fuzz', bytes }, flash);
  } catch (error) {
    if (!(error instanceof FileRefusal)) return error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error);
  }
  // Matroska is refused before probing in prepareFile; probe it directly too.
  try {
    probeVideo(bytes, 'matroska');
  } catch (error) {
    if (!(error instanceof Error && error.name === 'MediaFormatError')) return `matroska: ${String(error)}`;
  }
  return undefined;
}

test('a hand-made MP4 with an empty mehd box is refused as damaged, not a RangeError', async () => {
  await assert.rejects(prepareFile({ name: 'frag.mp4', bytes: mp4WithEmptyMehd() }, flash), (error: unknown) => {
    assert.ok(error instanceof FileRefusal, String(error));
    assert.match(error.userMessage, /frag\.mp4 is damaged and cannot be read as a video/);
    return true;
  });
  assert.ok(isoBox('free', Buffer.alloc(0)).length === 8);
});

for (const [index, [name, original, fix = (bytes: Buffer) => bytes]] of SEEDS.entries()) {
  test(`${CASES_PER_SEED} mutations of ${name} are refused or accepted, never crash`, async () => {
    const seed = 0x5eed + index;
    const random = seededRandom(seed);
    const source = original();
    const crashes: string[] = [];
    for (let i = 0; i < CASES_PER_SEED && crashes.length < 3; i++) {
      const crash = await crashOf(fix(mutate(source, random)));
      if (crash) crashes.push(`seed ${seed} case ${i}: ${crash}`);
    }
    assert.deepEqual(crashes, []);
  });
}
