// Pins end-of-turn detection on real speech recordings (espeak-ng; English, German, Spanish, French, Mandarin;
// pauses inside sentences; pink, brown and white noise; mains hum): no utterance is cut inside a pause shorter
// than the silence window, the end is found within the window + 100 ms, coughs, clicks and noise are dropped,
// long monologues are split without losing audio, and the chunking of the input does not matter.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { decodeWav } from '../../src/audio/wav.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createSpeechDetector } from '../../src/receive/detector.ts';

const DIR = new URL('../fixtures/speech/', import.meta.url);
const SAMPLE_RATE = 16_000;
interface Truth {
  readonly kind: 'speech' | 'noise' | 'burst';
  readonly speechSegmentsMs: ReadonlyArray<readonly [number, number]>;
}
const truth = (JSON.parse(readFileSync(new URL('truth.json', DIR), 'utf8')) as { fixtures: Record<string, Truth> }).fixtures;

function detector(silenceMs: number, maxUtteranceMs = 60_000) {
  const config = loadConfig({ SILENCE_MS: String(silenceMs), MAX_UTTERANCE_SECONDS: String(maxUtteranceMs / 1000) }, { discord: false, omni: false });
  return createSpeechDetector(config.voice);
}

interface Found {
  readonly samples: number;
  /** Stream time (ms) when the detector handed the utterance over. */
  readonly detectedAtMs: number;
}

/** Feeds a fixture plus 2 s of silence in chunks of `chunk` samples; returns the utterances with their timing. */
function run(name: string, silenceMs: number, chunk = 320, maxUtteranceMs?: number): Found[] {
  const audio = decodeWav(readFileSync(new URL(`${name}.wav`, DIR))).samples;
  const input = new Int16Array(audio.length + 2 * SAMPLE_RATE);
  input.set(audio);
  const endpointer = detector(silenceMs, maxUtteranceMs);
  const found: Found[] = [];
  for (let offset = 0; offset < input.length; offset += chunk) {
    const piece = input.subarray(offset, Math.min(offset + chunk, input.length));
    const { utterances } = endpointer.push(piece);
    const nowMs = ((offset + piece.length) / SAMPLE_RATE) * 1000;
    for (const utterance of utterances) found.push({ samples: utterance.samples.length, detectedAtMs: nowMs });
  }
  return found;
}

/** Speech segments grouped into the turns a `silenceMs` window should produce. */
function expectedTurns(name: string, silenceMs: number): Array<[number, number]> {
  const turns: Array<[number, number]> = [];
  for (const [start, end] of truth[name]!.speechSegmentsMs) {
    const last = turns.at(-1);
    if (last && start - last[1] < silenceMs) last[1] = end;
    else turns.push([start, end]);
  }
  return turns;
}

const speechFixtures = Object.entries(truth)
  .filter(([name, t]) => t.kind === 'speech' && name !== 'en_monologue')
  .map(([name]) => name);

for (const silenceMs of [500, 700]) {
  for (const name of speechFixtures) {
    test(`${name}, ${silenceMs} ms window: one utterance per turn, end found within the window + 100 ms`, () => {
      const turns = expectedTurns(name, silenceMs);
      const found = run(name, silenceMs);
      assert.equal(found.length, turns.length, `expected ${turns.length} utterance(s), got ${found.length}`);
      found.forEach((utterance, i) => {
        const [start, end] = turns[i]!;
        const lateMs = utterance.detectedAtMs - end;
        assert.ok(lateMs <= silenceMs + 100, `turn ${i + 1} ended at ${end} ms, detected at ${utterance.detectedAtMs} ms (${lateMs} ms)`);
        const lengthMs = (utterance.samples / SAMPLE_RATE) * 1000;
        assert.ok(lengthMs >= end - start, `turn ${i + 1}: ${lengthMs} ms of audio for ${end - start} ms of speech`);
      });
    });
  }
}

test('pre-roll keeps the first syllable: the utterance starts ~300 ms before the speech', () => {
  const [turn] = expectedTurns('en_pauses', 700);
  const [found] = run('en_pauses', 700);
  const lengthMs = (found!.samples / SAMPLE_RATE) * 1000;
  assert.ok(lengthMs >= turn![1] - turn![0] + 250, `${lengthMs} ms kept for ${turn![1] - turn![0]} ms of speech`);
});

for (const name of ['pink_only', 'brown_only', 'white_only', 'hum50_only', 'hum60_only', 'pink_onset', 'cough', 'clicks', 'grunt']) {
  test(`${name}: no utterance`, () => {
    assert.deepEqual(run(name, 700), []);
  });
}

test('a monologue past the maximum length is sent in pieces, losing no audio', () => {
  const found = run('en_monologue', 700, 320, 5000);
  const [start, end] = [truth.en_monologue!.speechSegmentsMs[0]![0], truth.en_monologue!.speechSegmentsMs.at(-1)![1]];
  assert.ok(found.length >= 3, `${found.length} pieces`);
  assert.ok(found.every((f) => f.samples <= 5 * SAMPLE_RATE + 320));
  const keptMs = (found.reduce((sum, f) => sum + f.samples, 0) / SAMPLE_RATE) * 1000;
  assert.ok(keptMs >= end - start, `${keptMs} ms kept of ${end - start} ms`);
});

test('chunk sizes do not change the result', () => {
  const reference = run('en_two_utterances_pink20', 700, 320).map((f) => f.samples);
  for (const chunk of [1, 160, 7919])
    assert.deepEqual(
      run('en_two_utterances_pink20', 700, chunk).map((f) => f.samples),
      reference,
      `chunk ${chunk}`,
    );
});
