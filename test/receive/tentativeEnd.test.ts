// Pins tentative ends on real speech: with the product's detector, a 550 ms pause announces a tentative end
// (the speech so far) and withdraws it when the second phrase starts; the final tentative end carries exactly
// the samples of the utterance that ends the turn; nothing is announced before the threshold, nor when off.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { decodeWav } from '../../src/audio/wav.ts';
import { createSpeechDetector } from '../../src/receive/detector.ts';
import { TentativeEnd } from '../../src/receive/TentativeEnd.ts';

const SAMPLE_RATE = 16_000;
const CHUNK = 320;

type Event = { kind: 'tentative' | 'resumed' | 'utterance'; atMs: number; samples?: Int16Array };

/** Drives detector and TentativeEnd the way SpeakerListener does, with `silenceMs` window, over the fixture plus 2 s of quiet. */
function run(name: string, silenceMs: number, speculationMs: number): Event[] {
  const audio = decodeWav(readFileSync(new URL(`../fixtures/speech/${name}.wav`, import.meta.url))).samples;
  const input = new Int16Array(audio.length + 2 * SAMPLE_RATE);
  input.set(audio);
  const detector = createSpeechDetector({ silenceMs, maxUtteranceMs: 60_000 });
  const events: Event[] = [];
  let atMs = 0;
  const tentative = new TentativeEnd(detector, speculationMs, {
    onTentativeEnd: (samples) => events.push({ kind: 'tentative', atMs, samples }),
    onResumed: () => events.push({ kind: 'resumed', atMs }),
  });
  for (let offset = 0; offset < input.length; offset += CHUNK) {
    atMs = ((offset + CHUNK) / SAMPLE_RATE) * 1000;
    for (const utterance of detector.push(input.subarray(offset, offset + CHUNK)).utterances) {
      tentative.ended();
      events.push({ kind: 'utterance', atMs, samples: utterance.samples });
    }
    tentative.check(0);
  }
  return events;
}

test('a 550 ms pause: tentative end, withdrawn when speech goes on; the last one is the utterance itself', () => {
  const events = run('pause_en_stop_550', 700, 250);
  assert.deepEqual(
    events.map((e) => e.kind),
    ['tentative', 'resumed', 'tentative', 'utterance'],
  );
  const [first, resumed, last, utterance] = events as [Event, Event, Event, Event];
  assert.ok(resumed.atMs - first.atMs < 550 - 250 + 60, 'withdrawn when the second phrase starts');
  assert.ok(utterance.atMs - last.atMs >= 700 - 250 - 20, 'the tentative end came a window minus the threshold before the end');
  assert.deepEqual(last.samples, utterance.samples, 'the speculative request would carry exactly the committed speech');
});

test('pauses shorter than the threshold announce nothing; a threshold of the whole window never comes first', () => {
  assert.deepEqual(
    run('pause_en_stop_300', 700, 400).map((e) => e.kind),
    ['tentative', 'utterance'],
  );
  assert.deepEqual(
    run('pause_en_stop_300', 700, 700).map((e) => e.kind),
    ['utterance'],
  );
});

test('quiet counted while no audio came is not taken back when the silence arrives late, in pieces', () => {
  const audio = decodeWav(readFileSync(new URL('../fixtures/speech/pause_en_stop_550.wav', import.meta.url))).samples;
  const detector = createSpeechDetector({ silenceMs: 900, maxUtteranceMs: 60_000 });
  const events: string[] = [];
  const tentative = new TentativeEnd(detector, 450, { onTentativeEnd: () => events.push('tentative'), onResumed: () => events.push('resumed') });
  const phraseAEnd = (1900 * SAMPLE_RATE) / 1000;
  for (let offset = 0; offset < phraseAEnd; offset += CHUNK) detector.push(audio.subarray(offset, Math.min(offset + CHUNK, phraseAEnd)));
  tentative.check(0);
  assert.deepEqual(events, []);
  tentative.check(400);
  assert.deepEqual(events, ['tentative'], 'announced after 450 ms of quiet, most of it without audio');
  // The gap is filled in when the next packet shows where it ended: a resampler tail first, then the zeros.
  detector.push(new Int16Array(37));
  tentative.check(0);
  detector.push(new Int16Array(SAMPLE_RATE / 2));
  tentative.check(0);
  assert.deepEqual(events, ['tentative']);
  const phraseBStart = (2370 * SAMPLE_RATE) / 1000;
  detector.push(audio.subarray(phraseBStart, phraseBStart + 4 * CHUNK));
  tentative.check(0);
  assert.deepEqual(events, ['tentative', 'resumed']);
});
