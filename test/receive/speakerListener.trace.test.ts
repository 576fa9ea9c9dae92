// Pins the receive path on a client's packet trace of real speech (three sentences, one with a 590 ms pause,
// nothing sent through long silences, as Discord clients do): delivered with a quarter of the packets up to
// 60 ms late, copies, a new SSRC between sentences, and loss, it gives the same utterances as the packets that
// got through delivered on time (lost audio cannot come back; a hole becomes silence of its length, pinned in
// speakerListener.gaps.test.ts): as many, each the same length within a frame, the same audio (correlation),
// ended no later than the reorder wait after.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { concatSamples } from '../../src/audio/pcm.ts';
import { SpeakerListener } from '../../src/receive/SpeakerListener.ts';
import { createSpeechDetector } from '../../src/receive/detector.ts';
import { alignedCorrelation } from '../scenarios/support.ts';
import { clientTrace, type Delivery, deliver, lose, type TracePacket } from '../support/packetTrace.ts';
import { fixtureSamples } from '../support/speechPieces.ts';

const SILENCE_MS = 700;
const MODEL_RATE = 16_000;
/** One 20 ms frame at the model's rate. */
const FRAME_SAMPLES_16K = 320;
const REORDER_WAIT_MS = 60;

interface Heard {
  readonly samples: Int16Array;
  /** When the listener ended it (trace clock, ms). */
  readonly endedAtMs: number;
}

/**
 * Plays a trace into a fresh ear as GuildVoice drives it: each packet at its arrival, and `onIdle` exactly
 * when the ear's deadline comes first (the turn timer).
 */
function replay(trace: readonly TracePacket[]): Heard[] {
  const heard: Heard[] = [];
  let now = 0;
  const detector = createSpeechDetector({ silenceMs: SILENCE_MS, maxUtteranceMs: 60_000 });
  const ear = new SpeakerListener({ detector, onSpeechStart: () => {}, onUtterance: (samples) => heard.push({ samples, endedAtMs: now }) });
  let next = 0;
  for (let steps = 0; steps < 10 * trace.length; steps++) {
    const deadline = ear.turnDeadline();
    const packet = trace[next];
    if (packet === undefined && deadline === undefined) break;
    if (deadline !== undefined && (packet === undefined || deadline < packet.arrivalMs)) {
      now = Math.max(now, deadline);
      ear.onIdle(now);
      continue;
    }
    now = packet!.arrivalMs;
    ear.onPacket(packet!.opus, packet!, now);
    next++;
  }
  ear.flush();
  ear.destroy();
  return heard;
}

// en_gap600 (one sentence, pauses of 590 and 220 ms) then en_two_utterances (two sentences 1.8 s apart).
const speech = concatSamples([fixtureSamples('en_gap600'), fixtureSamples('en_two_utterances')]);
const clean = clientTrace(speech);

/** Index of the first packet of the last sentence, after the client's last stop (where a reconnect would fall). */
function lastSentenceAt(trace: readonly TracePacket[]): number {
  return trace.findLastIndex((packet, i) => i > 0 && packet.timestamp - trace[i - 1]!.timestamp > 20 * 960);
}

interface Case {
  /** Share of packets lost: lost audio cannot come back, so the reference is the trace without them, on time. */
  readonly loss?: number;
  readonly delivery: Omit<Delivery, 'newSsrcAtPacket'> & { readonly newSsrcBeforeLastSentence?: boolean };
}

const cases: ReadonlyArray<readonly [string, Case]> = [
  ['a quarter of the packets 40-60 ms late', { delivery: { seed: 2, late: { share: 0.25, minMs: 40, maxMs: 60 } } }],
  ['half the packets up to 60 ms late', { delivery: { seed: 3, late: { share: 0.5, minMs: 0, maxMs: 60 } } }],
  ['a fifth of the packets doubled', { delivery: { seed: 4, duplicates: 0.2 } }],
  ['every packet doubled', { delivery: { seed: 5, duplicates: 1 } }],
  ['a new SSRC between sentences', { delivery: { seed: 6, newSsrcBeforeLastSentence: true } }],
  [
    '5 % loss, a quarter late, a fifth doubled, a new SSRC',
    { loss: 0.05, delivery: { seed: 7, late: { share: 0.25, minMs: 0, maxMs: 60 }, duplicates: 0.2, newSsrcBeforeLastSentence: true } },
  ],
  [
    'the same with other dice',
    { loss: 0.05, delivery: { seed: 8, late: { share: 0.25, minMs: 0, maxMs: 60 }, duplicates: 0.2, newSsrcBeforeLastSentence: true } },
  ],
];

test('the clean trace: three utterances, the client stopping in long pauses', () => {
  assert.ok(clean.length < speech.length / FRAME_SAMPLES_16K, 'the client stops sending in long silences');
  assert.equal(replay(clean).length, 3);
});

for (const [name, { loss = 0, delivery }] of cases) {
  test(`${name}: the same utterances as the packets that got through, on time`, () => {
    const sent = lose(clean, loss, delivery.seed);
    const reference = replay(sent);
    assert.equal(reference.length, 3, 'the trace without the lost packets still holds three utterances');
    const heard = replay(deliver(sent, { ...delivery, newSsrcAtPacket: delivery.newSsrcBeforeLastSentence ? lastSentenceAt(sent) : undefined }));
    assert.equal(heard.length, reference.length, `${heard.length} utterances, clean ${reference.length}`);
    heard.forEach((utterance, i) => {
      const expected = reference[i]!;
      const lengthDiff = utterance.samples.length - expected.samples.length;
      assert.ok(Math.abs(lengthDiff) <= FRAME_SAMPLES_16K, `utterance ${i + 1}: ${(lengthDiff / MODEL_RATE) * 1000} ms longer than clean`);
      const { correlation } = alignedCorrelation(utterance.samples, expected.samples);
      assert.ok(correlation > 0.9, `utterance ${i + 1}: correlation with clean ${correlation.toFixed(3)}`);
      const endedLaterMs = utterance.endedAtMs - expected.endedAtMs;
      assert.ok(endedLaterMs >= 0 && endedLaterMs <= REORDER_WAIT_MS, `utterance ${i + 1} ended ${endedLaterMs.toFixed(0)} ms later than clean`);
    });
  });
}
