// Pins that the silence window starts when the sound ends, not when voicing ends: two phrases around a pause
// of 300, 450 or 550 ms (the first ending in a stop consonant, a fricative or a vowel; English, German, French,
// Spanish, Mandarin; digital silence, fan, pink noise and babble at 15-20 dB SNR) stay one turn whenever the
// pause is at least 150 ms shorter than the window, the turn ends one window after the sound (not before), and
// a pause longer than the window still ends the turn.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { decodeWav } from '../../src/audio/wav.ts';
import { createSpeechDetector } from '../../src/receive/detector.ts';

const DIR = new URL('../fixtures/speech/', import.meta.url);
const SAMPLE_RATE = 16_000;
const FRAME_MS = 20;
/** Two frames: truth's -45 dBFS line can fall inside the last frames of a fading vowel. */
const CLEAN_TOLERANCE_MS = 2 * FRAME_MS;
/** In noise, the last few tens of ms of a final "t" are below the noise: no detector can hear them end. */
const MASKED_TAIL_MS = 150;

interface Truth {
  readonly kind: string;
  readonly splicedGapsMs: readonly number[];
  readonly speechSegmentsMs: ReadonlyArray<readonly [number, number]>;
}
const truth = (JSON.parse(readFileSync(new URL('truth.json', DIR), 'utf8')) as { fixtures: Record<string, Truth> }).fixtures;
const pauseFixtures = Object.entries(truth).filter(([, t]) => t.kind === 'pause');

/** Utterances found in the fixture plus 2 s of silence, fed in 20 ms chunks, with the stream time of each. */
function run(name: string, silenceMs: number): Array<{ detectedAtMs: number; lengthMs: number }> {
  const audio = decodeWav(readFileSync(new URL(`${name}.wav`, DIR))).samples;
  const input = new Int16Array(audio.length + 2 * SAMPLE_RATE);
  input.set(audio);
  const detector = createSpeechDetector({ silenceMs, maxUtteranceMs: 60_000 });
  const found: Array<{ detectedAtMs: number; lengthMs: number }> = [];
  const chunk = (SAMPLE_RATE * FRAME_MS) / 1000;
  for (let offset = 0; offset < input.length; offset += chunk) {
    for (const utterance of detector.push(input.subarray(offset, offset + chunk)).utterances) {
      found.push({ detectedAtMs: ((offset + chunk) / SAMPLE_RATE) * 1000, lengthMs: (utterance.samples.length / SAMPLE_RATE) * 1000 });
    }
  }
  return found;
}

test('the pause fixtures cover stops, fricatives and vowels, three pause lengths, silence and three room noises', () => {
  const names = pauseFixtures.map(([name]) => name);
  for (const part of ['_stop', '_fric', '_vowel', '_300', '_450', '_550', 'fan15', 'pink20', 'babble20'])
    assert.ok(
      names.some((name) => name.includes(part)),
      part,
    );
  assert.ok(new Set(names.map((name) => name.split('_')[1])).size >= 5, 'languages');
});

for (const silenceMs of [600, 700, 800]) {
  for (const [name, t] of pauseFixtures) {
    const [gapMs] = t.splicedGapsMs;
    if (gapMs === undefined || gapMs > silenceMs - 150) continue;
    test(`${name}, ${silenceMs} ms window: one turn, ending one window after the sound`, () => {
      const found = run(name, silenceMs);
      assert.equal(found.length, 1, `a ${gapMs} ms pause split the turn (${found.length} utterances)`);
      const [start, end] = [t.speechSegmentsMs[0]![0], t.speechSegmentsMs.at(-1)![1]];
      const lateMs = found[0]!.detectedAtMs - end - silenceMs;
      const earliest = name.endsWith(`_${gapMs}`) ? -CLEAN_TOLERANCE_MS : -MASKED_TAIL_MS;
      assert.ok(lateMs >= earliest, `window started ${-lateMs} ms before the sound ended`);
      assert.ok(lateMs <= 100, `turn ended ${lateMs} ms after sound end + window`);
      assert.ok(found[0]!.lengthMs >= end - start, `${found[0]!.lengthMs} ms of audio for ${end - start} ms of speech`);
    });
  }
}

for (const [name, t] of pauseFixtures.filter(([name]) => /_(450|550)$/.test(name))) {
  test(`${name}, 300 ms window: a pause longer than the window ends the turn`, () => {
    assert.equal(run(name, 300).length, t.speechSegmentsMs.filter(([start], i) => i > 0 && start - t.speechSegmentsMs[i - 1]![1] >= 300).length + 1);
  });
}
