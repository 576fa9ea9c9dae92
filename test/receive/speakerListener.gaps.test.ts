// Pins the speaker's timeline: lost packets and pauses (no packets) become silence of the right length from
// RTP timestamps, packets held up in delivery add nothing, a turn ends when the silence window has passed since
// the last packet arrived (not a frame later, and not earlier), and an invalid packet is skipped with the few right after it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpusEncoder } from '../../src/audio/opus.ts';
import type { RtpPosition } from '../../src/receive/PacketReorderBuffer.ts';
import { SpeakerListener, type SpeechDetector } from '../../src/receive/SpeakerListener.ts';
import { createSpeechDetector } from '../../src/receive/detector.ts';
import { interleave, sine } from '../audio/signal.ts';
import { opusPackets, speechPieces, type SpeechPiece } from '../support/speechPieces.ts';

/** A detector that only counts what it is fed. */
function countingDetector(): SpeechDetector & { fed: number } {
  const detector = {
    fed: 0,
    push(samples: Int16Array) {
      detector.fed += samples.length;
      return { utterances: [], speechStarted: false };
    },
    quietNeededMs: () => undefined,
    quietMs: () => undefined,
    current: () => undefined,
    idle: () => undefined,
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

/** Packet `k` of one stream, its timestamp `timestamp` (48 kHz units). */
function at(k: number, timestamp = k * 960): RtpPosition {
  return { ssrc: 1234, sequence: k & 0xffff, timestamp };
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
    ear.onPacket(opus[i]!, at(i, timestamp), i * 20);
    timestamp = (timestamp + 960) >>> 0;
  }
  ear.flush();
  // 20 frames of 20 ms at 16 kHz, whether heard or filled in.
  assert.ok(Math.abs(detector.fed - 20 * 320) <= 2, `fed ${detector.fed} samples`);
});

test('packets held up in delivery add no silence: the audio reaches the detector as it was sent', () => {
  const detector = countingDetector();
  const ear = listener(detector);
  const opus = packets(20);
  // A busy event loop (or the network) hands over five packets at a time, 100 ms apart; the clock ticks between.
  for (let now = 0, sent = 0; sent < 20; now += 10) {
    if (now % 100 === 0) for (let k = 0; k < 5; k++, sent++) ear.onPacket(opus[sent]!, at(sent, 1000 + sent * 960), now);
    else ear.onIdle(now);
  }
  ear.flush();
  assert.ok(Math.abs(detector.fed - 20 * 320) <= 2, `fed ${detector.fed} samples for 20 packets`);
});

const SILENCE_MS = 700;
const FRAME_MS = 20;

/** A listener with the bot's own detector, collecting the utterances it ends. */
function realEar(): { ear: SpeakerListener; utterances: Int16Array[] } {
  const utterances: Int16Array[] = [];
  const detector = createSpeechDetector({ silenceMs: SILENCE_MS, maxUtteranceMs: 60_000 });
  return { ear: new SpeakerListener({ detector, onSpeechStart: () => {}, onUtterance: (samples) => utterances.push(samples) }), utterances };
}

/** Plays `piece` into a fresh ear, packet k arriving at `arrival(k)`, the clock looked at every 10 ms. */
function play(piece: SpeechPiece, arrival: (k: number) => number): { utterances: Int16Array[]; endedAtMs: number | undefined } {
  const { ear, utterances } = realEar();
  const opus = opusPackets(piece);
  let next = 0;
  let endedAtMs: number | undefined;
  for (let now = 0; now < opus.length * FRAME_MS + 2 * SILENCE_MS; now += 1) {
    while (next < opus.length && arrival(next) <= now) {
      ear.onPacket(opus[next]!, at(next), now);
      next++;
    }
    if (now % 10 === 0 || now === ear.turnDeadline()) ear.onIdle(now);
    if (endedAtMs === undefined && utterances.length > 0) endedAtMs = now;
  }
  return { utterances, endedAtMs };
}

const pieces = speechPieces().filter((piece) => piece.durationMs <= 3_000);

test('a turn ends when the silence window has passed since the packet with the last word arrived', () => {
  for (const piece of pieces.slice(0, 6)) {
    const { ear, utterances } = realEar();
    const opus = opusPackets(piece);
    for (const [k, packet] of opus.entries()) ear.onPacket(packet, at(k), k * FRAME_MS);
    const deadline = ear.turnDeadline();
    assert.ok(deadline !== undefined, `${piece.name}: no turn open after its packets`);
    ear.onIdle(deadline - 1);
    assert.equal(utterances.length, 0, `${piece.name}: ended before its deadline`);
    ear.onIdle(deadline);
    assert.equal(utterances.length, 1, `${piece.name}: not ended at its deadline`);
    // The packet carrying the last spoken sample arrives as it is sent, at the end of its 20 ms.
    const lastWordArrivedAt = Math.ceil(piece.speechEndMs / FRAME_MS) * FRAME_MS - FRAME_MS;
    const late = deadline - lastWordArrivedAt - SILENCE_MS;
    assert.ok(late >= -FRAME_MS && late <= FRAME_MS + 5, `${piece.name}: turn ends ${late} ms after end of speech + silence window`);
  }
});

test('packets bunched by a busy event loop give the same utterance, ended as late as the last packet was', () => {
  // A one-word utterance: inventing silence inside it used to hide its onset, and it was never heard.
  const short = pieces.find((piece) => piece.name === 'en_pauses@2180')!;
  for (const piece of [short, pieces[0]!]) {
    const onTime = play(piece, (k) => k * FRAME_MS);
    assert.equal(onTime.utterances.length, 1, `${piece.name}: on time`);
    for (const burstMs of [40, 60, 100, 150]) {
      const bunched = play(piece, (k) => Math.ceil((k * FRAME_MS) / burstMs) * burstMs);
      assert.equal(bunched.utterances.length, 1, `${piece.name}, packets every ${burstMs} ms: ${bunched.utterances.length} utterances`);
      assert.deepEqual(bunched.utterances[0], onTime.utterances[0], `${piece.name}, packets every ${burstMs} ms: different audio`);
      const lastSentAt = (opusPackets(piece).length - 1) * FRAME_MS;
      const lastHeldMs = Math.ceil(lastSentAt / burstMs) * burstMs - lastSentAt;
      assert.equal(bunched.endedAtMs! - onTime.endedAtMs!, lastHeldMs, `${piece.name}, packets every ${burstMs} ms: ended late by more than the last packet`);
    }
  }
});

test('an invalid packet is dropped and counted, and so are the next five; then the stream is heard again, its hole as silence', () => {
  const detector = countingDetector();
  const ear = listener(detector);
  const opus = packets(8);
  ear.onPacket(opus[0]!, at(0), 0);
  ear.onPacket(Buffer.alloc(0), at(1), 20);
  const fedBefore = detector.fed;
  for (let k = 2; k < 7; k++) ear.onPacket(opus[k]!, at(k), k * 20);
  assert.equal(detector.fed, fedBefore, 'packets right after an invalid one are not heard');
  ear.onPacket(opus[7]!, at(7), 140);
  assert.ok(detector.fed > fedBefore, 'the sixth sound packet is heard');
  assert.deepEqual({ invalid: ear.dropped.invalid, distrusted: ear.dropped.distrusted }, { invalid: 1, distrusted: 5 });
  ear.flush();
  assert.ok(Math.abs(detector.fed - 8 * 320) <= 2, `fed ${detector.fed} samples for 8 frames`);
});

test('with speculation, the ear wakes for the tentative end first, then ends the turn with the very same speech', () => {
  const SPECULATION_MS = 300;
  for (const piece of pieces.slice(0, 4)) {
    const events: Array<{ kind: string; samples?: Int16Array }> = [];
    const detector = createSpeechDetector({ silenceMs: SILENCE_MS, maxUtteranceMs: 60_000 });
    const ear = new SpeakerListener({
      detector,
      onSpeechStart: () => {},
      onUtterance: (samples) => events.push({ kind: 'utterance', samples }),
      speculation: {
        afterMs: SPECULATION_MS,
        onTentativeEnd: (samples) => events.push({ kind: 'tentative', samples }),
        onResumed: () => events.push({ kind: 'resumed' }),
      },
    });
    const opus = opusPackets(piece);
    for (const [k, packet] of opus.entries()) ear.onPacket(packet, at(k), k * FRAME_MS);
    const tentativeAt = ear.turnDeadline()!;
    ear.onIdle(tentativeAt);
    assert.deepEqual(
      events.map((e) => e.kind),
      ['tentative'],
      `${piece.name}: woken for the tentative end`,
    );
    const endAt = ear.turnDeadline()!;
    assert.equal(endAt - tentativeAt, SILENCE_MS - SPECULATION_MS, `${piece.name}: then for the end of the turn`);
    ear.onIdle(endAt);
    assert.deepEqual(
      events.map((e) => e.kind),
      ['tentative', 'utterance'],
    );
    assert.deepEqual(events[0]!.samples, events[1]!.samples, `${piece.name}: the speculative request would carry the committed speech`);
  }
});
