// Pins the speaker's timeline: lost packets and pauses (no packets) become silence of the right length from
// RTP timestamps, quiet time is fed while no packets come (so a turn can end), and bad packets are skipped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpusEncoder } from '../../src/audio/opus.ts';
import { SpeakerListener, type SpeechDetector } from '../../src/receive/SpeakerListener.ts';
import { interleave, sine } from '../audio/signal.ts';

/** A detector that only counts what it is fed. */
function countingDetector(): SpeechDetector & { fed: number } {
  const detector = {
    fed: 0,
    push(samples: Int16Array) {
      detector.fed += samples.length;
      return { utterances: [], speechStarted: false };
    },
    flush: () => undefined,
  };
  return detector;
}

function packets(count: number): Buffer[] {
  const encoder = new OpusEncoder();
  const tone = sine({ frequency: 300, sampleRate: 48_000, seconds: count * 0.02, amplitude: 0.3 });
  const stereo = interleave(tone, tone);
  const out = Array.from({ length: count }, (_, i) => encoder.encode(stereo.subarray(i * 1920, (i + 1) * 1920)));
  encoder.destroy();
  return out;
}

function listener(detector: SpeechDetector): SpeakerListener {
  return new SpeakerListener({ detector, onSpeechStart: () => {}, onUtterance: () => {} });
}

test('a 10-packet hole in the RTP timeline becomes 200 ms of silence', () => {
  const detector = countingDetector();
  const ear = listener(detector);
  const opus = packets(20);
  let timestamp = 4_294_960_000; // wraps past 2^32 on the way
  for (let i = 0; i < 20; i++) {
    if (i >= 5 && i < 15) {
      timestamp = (timestamp + 960) >>> 0;
      continue; // lost
    }
    ear.onPacket(opus[i]!, timestamp, i * 20);
    timestamp = (timestamp + 960) >>> 0;
  }
  ear.flush();
  // 20 frames of 20 ms at 16 kHz, whether heard or filled in.
  assert.ok(Math.abs(detector.fed - 20 * 320) <= 2, `fed ${detector.fed} samples`);
});

test('while no packets come, silence is fed in real time, and not again when the next packet arrives', () => {
  const detector = countingDetector();
  const ear = listener(detector);
  const [first, second] = packets(2);
  ear.onPacket(first!, 1000, 0);
  for (let now = 20; now <= 1000; now += 20) ear.onIdle(now);
  const afterQuiet = detector.fed;
  assert.ok(afterQuiet >= 0.9 * 16_000, `only ${afterQuiet} samples after 1 s`);
  // The talker resumes 1 s later: the RTP gap is already covered by what was fed.
  ear.onPacket(second!, 1000 + 960 * 50, 1000);
  ear.flush();
  assert.ok(Math.abs(detector.fed - 51 * 320) <= 40, `fed ${detector.fed} samples in all`);
});

test('a corrupt packet is skipped and counted; the next ones decode', () => {
  const detector = countingDetector();
  const ear = listener(detector);
  const [good, next] = packets(2);
  ear.onPacket(good!, 0, 0);
  ear.onPacket(Buffer.alloc(0), 960, 20);
  ear.onPacket(next!, 1920, 40);
  assert.equal(ear.corruptPackets, 1);
  assert.ok(detector.fed > 0);
});
