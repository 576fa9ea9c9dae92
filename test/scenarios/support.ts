/** Audio checks shared by the end-to-end scenarios. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeWav } from '../../src/audio/wav.ts';
import { channel, dominantFrequency } from '../audio/signal.ts';
import type { RecordedRequest } from '../fakes/omni/types.ts';
import type { Utterance as BotUtterance } from '../sim/botAudio.ts';

export const SPEECH_DIR = new URL('../fixtures/speech/', import.meta.url);

interface Truth {
  readonly fixtures: Record<string, { readonly speechSegmentsMs: ReadonlyArray<readonly [number, number]>; readonly durationMs: number }>;
}
const truth = JSON.parse(readFileSync(new URL('truth.json', SPEECH_DIR), 'utf8')) as Truth;

/** A speech fixture: its path, 16 kHz samples, the spoken part's length (first onset to last offset) and its end. */
export function speechFixture(name: string): { path: string; samples: Int16Array; spokenMs: number; speechEndMs: number } {
  const path = new URL(`${name}.wav`, SPEECH_DIR).pathname;
  const segments = truth.fixtures[name]!.speechSegmentsMs;
  const speechEndMs = segments.at(-1)![1];
  return { path, samples: decodeWav(readFileSync(path)).samples, spokenMs: speechEndMs - segments[0]![0], speechEndMs };
}

/** Records when each frame of a `say` leaves; `at(ms)` is when the packet carrying that moment of the audio left. */
export function frameClock(): { onFrameSent: (frame: number, at: number) => void; at: (ms: number) => number } {
  const sentAt: number[] = [];
  return { onFrameSent: (frame, at) => (sentAt[frame] = at), at: (ms) => sentAt[Math.ceil(ms / 20) - 1]! };
}

/**
 * Where the bot's RTP stream inside one utterance breaks: packets whose sequence number or timestamp does not
 * follow the one before (+1, +960 samples of 20 ms). Load-independent: a late packet still follows on.
 */
export function rtpBreaks(utterance: BotUtterance): number[] {
  const breaks: number[] = [];
  for (let i = 1; i < utterance.packets.length; i++) {
    const [before, packet] = [utterance.packets[i - 1]!, utterance.packets[i]!];
    if (packet.sequence !== ((before.sequence + 1) & 0xffff) || packet.timestamp !== (before.timestamp + 960) % 2 ** 32) breaks.push(i);
  }
  return breaks;
}

/** The left channel of the bot's 48 kHz stereo audio. */
export function leftChannel(utterance: BotUtterance): Int16Array {
  return channel(utterance.pcm, 2, 0);
}

/**
 * Correlation of received speech `a` with its source `b`: their speech onsets give the rough lag, and the
 * best Pearson correlation within ±20 ms of it is returned (cheap enough to run beside live audio).
 */
export function alignedCorrelation(a: Int16Array, b: Int16Array, sampleRate = 16_000): { correlation: number; lag: number } {
  const roughLag = Math.round(((speechExtentMs(b, sampleRate)[0] - speechExtentMs(a, sampleRate)[0]) / 1000) * sampleRate);
  const window = Math.round(sampleRate * 0.02);
  let best = { correlation: -1, lag: 0 };
  for (let lag = roughLag - window; lag <= roughLag + window; lag++) {
    let sumAB = 0;
    let sumAA = 0;
    let sumBB = 0;
    for (let i = 0; i < a.length; i++) {
      const j = i + lag;
      if (j < 0 || j >= b.length) continue;
      const x = a[i]!;
      const y = b[j]!;
      sumAB += x * y;
      sumAA += x * x;
      sumBB += y * y;
    }
    const correlation = sumAB / Math.sqrt(sumAA * sumBB || 1);
    if (correlation > best.correlation) best = { correlation, lag };
  }
  return best;
}

/** Non-silent extent of 16 kHz speech as [startMs, endMs], by 10 ms RMS over -45 dBFS. */
export function speechExtentMs(samples: Int16Array, sampleRate = 16_000): [number, number] {
  const window = sampleRate / 100;
  const threshold = 32768 * 10 ** (-45 / 20);
  let first = -1;
  let last = -1;
  for (let start = 0; start + window <= samples.length; start += window) {
    let sum = 0;
    for (let i = start; i < start + window; i++) sum += samples[i]! * samples[i]!;
    if (Math.sqrt(sum / window) >= threshold) {
      if (first < 0) first = start;
      last = start + window;
    }
  }
  return [(first / sampleRate) * 1000, (last / sampleRate) * 1000];
}

/**
 * Scenario 1's checks on the request: one 16 kHz mono WAV whose spoken part matches Alice's (length within
 * 150 ms, strongly correlated), her name in the text, the default voice.
 */
export function assertModelGotAlice(request: RecordedRequest, speech: ReturnType<typeof speechFixture>): void {
  assert.equal(request.audioInputs.length, 1);
  const [sent] = request.audioInputs;
  assert.equal(sent!.sampleRate, 16_000);
  assert.equal(sent!.channels, 1);
  const [onset, offset] = speechExtentMs(sent!.samples);
  assert.ok(Math.abs(offset - onset - speech.spokenMs) <= 150, `spoken part ${offset - onset} ms vs ${speech.spokenMs} ms`);
  const { correlation } = alignedCorrelation(sent!.samples, speech.samples);
  assert.ok(correlation > 0.8, `correlation with the source ${correlation.toFixed(3)}`);
  assert.ok(
    request.texts.some((text) => text.includes('Alice')),
    `text parts: ${request.texts.join(' | ')}`,
  );
  assert.equal(request.voice, 'Cherry');
}

/**
 * Scenario 1's checks on what the channel heard: the fake's whole 2 s, 440 Hz reply at the same pitch, as one
 * unbroken RTP stream (no packet missing or inserted), starting after the model's first audio byte and not
 * before the turn ended (end of speech + silence window: a speculative request may have had audio sooner).
 * Packet timing (gaps, time to first packet) depends on the machine's load and is measured by the bench.
 */
export function assertChannelHeardReply(reply: BotUtterance, firstAudioAt: number, turnEndAt: number): void {
  const pcm = leftChannel(reply);
  assert.ok(Math.abs(dominantFrequency(pcm, 48_000) - 440) <= 4.4, 'same pitch as the model sent');
  assert.ok(Math.abs(pcm.length / 48_000 - 2) <= 0.06, `played ${pcm.length / 48_000} s of 2 s`);
  assert.deepEqual(rtpBreaks(reply), [], 'RTP sequence numbers and timestamps run on through the reply');
  assert.ok(reply.startedAt > firstAudioAt, "the first packet came after the model's first audio");
  assert.ok(reply.startedAt >= turnEndAt - 20, 'nothing played before the turn ended');
}
