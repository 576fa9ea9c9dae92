// Pins what reaches the speech detector when a client sends random bytes as Opus: nothing. libopus decodes
// about half of them (one in eight as a 20 ms frame of loud noise); an invalid packet makes the stream suspect
// until five sound packets in a row, so a run of garbage never comes through, and speech after it does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpusDecoder } from '../../src/audio/opus.ts';
import { SpeakerDecoder } from '../../src/receive/SpeakerDecoder.ts';
import { SpeakerListener } from '../../src/receive/SpeakerListener.ts';
import { createSpeechDetector } from '../../src/receive/detector.ts';
import { alignedCorrelation } from '../scenarios/support.ts';
import { garbageBytes } from '../sim/speech.ts';
import { opusPackets, speechPieces } from '../support/speechPieces.ts';

/** Random "Opus" packets of 20-200 bytes, the same every run. */
function garbage(count: number, seed = 1): Buffer[] {
  return Array.from({ length: count }, (_, i) => garbageBytes(20 + ((i * 37) % 181), seed * 100_003 + i));
}

test('random bytes often decode as 20 ms frames: the check is needed', () => {
  const decoder = new OpusDecoder();
  let frames = 0;
  for (const packet of garbage(2000)) {
    try {
      if (decoder.decode(packet).length === 1920) frames++;
    } catch {
      // rejected by libopus
    }
  }
  decoder.destroy();
  assert.ok(frames > 100, `${frames} of 2000 random packets came out as a 20 ms frame`);
});

test('a long run of random bytes gives no audio at all', () => {
  const decoder = new SpeakerDecoder();
  const heard = garbage(5000).filter((packet) => decoder.decode(packet) !== undefined);
  decoder.destroy();
  assert.equal(heard.length, 0);
  assert.ok(decoder.invalid > 2000 && decoder.distrusted > 0, `invalid ${decoder.invalid}, distrusted ${decoder.distrusted}`);
});

test('after random bytes, real packets are heard from the sixth on', () => {
  const decoder = new SpeakerDecoder();
  for (const packet of garbage(50)) decoder.decode(packet);
  const real = opusPackets(speechPieces()[0]!).slice(0, 10);
  const heard = real.map((packet) => decoder.decode(packet) !== undefined);
  decoder.destroy();
  assert.deepEqual(heard, [false, false, false, false, false, true, true, true, true, true]);
});

test('2.5 s of random bytes then a sentence: one utterance, the sentence', () => {
  const utterances: Int16Array[] = [];
  const detector = createSpeechDetector({ silenceMs: 700, maxUtteranceMs: 60_000 });
  const ear = new SpeakerListener({ detector, onSpeechStart: () => {}, onUtterance: (samples) => utterances.push(samples) });
  const piece = speechPieces().find((p) => p.durationMs > 1_500)!;
  const packets = [...garbage(125, 7), ...opusPackets(piece)];
  let now = 0;
  for (const [k, packet] of packets.entries()) {
    now = k * 20;
    ear.onPacket(packet, { ssrc: 5, sequence: k, timestamp: k * 960 }, now);
    if (k === 124) assert.equal(utterances.length, 0, 'nothing ended during the garbage');
  }
  for (; utterances.length === 0 && now < packets.length * 20 + 2_000; now += 10) ear.onIdle(now);
  ear.flush();
  ear.destroy();
  assert.equal(utterances.length, 1);
  const { correlation } = alignedCorrelation(utterances[0]!, piece.samples16k);
  assert.ok(correlation > 0.8, `correlation with the sentence ${correlation.toFixed(3)}`);
  assert.ok(utterances[0]!.length < piece.samples16k.length + 16_000 * 0.5, 'no noise ahead of the sentence');
});
