// A spoken reply becomes a Discord voice message: a valid Ogg Opus file of the same length and pitch, with a
// waveform that follows the loudness.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeAudio } from '../../src/media/decodeAudio.ts';
import { readOggPages } from '../../src/media/ogg.ts';
import { encodeVoiceMessage, VoiceMessageEncoder, waveform } from '../../src/media/voiceMessage.ts';
import { sniff } from '../../src/media/sniff.ts';
import { concat, dominantFrequency, sine } from '../audio/signal.ts';

test('the Ogg Opus file decodes back to the same length and pitch', async () => {
  const pcm = sine({ frequency: 330, sampleRate: 24_000, seconds: 2.37, amplitude: 0.25 });
  const message = encodeVoiceMessage(pcm);
  assert.equal(sniff(message.ogg)?.format, 'ogg-opus');
  assert.ok(Math.abs(message.durationSeconds - 2.37) < 0.001);
  const decoded = await decodeAudio(message.ogg);
  // Pre-skip and the last page's granule position trim the codec delay and padding exactly.
  assert.ok(Math.abs(decoded.seconds - 2.37) <= 0.002, `${decoded.seconds} s`);
  assert.ok(Math.abs(dominantFrequency(decoded.samples, 16_000) - 330) <= 3.3);
});

test('pages carry valid checksums, the first marks the start and the last the end', () => {
  const message = encodeVoiceMessage(sine({ frequency: 200, sampleRate: 24_000, seconds: 3, amplitude: 0.2 }));
  const pages = readOggPages(message.ogg); // throws on a bad checksum
  assert.ok(pages.length >= 4);
  assert.ok((pages[0]!.headerType & 0x02) !== 0, 'beginning of stream');
  assert.ok((pages.at(-1)!.headerType & 0x04) !== 0, 'end of stream');
});

test('the waveform has one point per tenth of a second (at most 256) and follows the loudness', () => {
  const quiet = sine({ frequency: 300, sampleRate: 24_000, seconds: 1, amplitude: 0.03 });
  const loud = sine({ frequency: 300, sampleRate: 24_000, seconds: 1, amplitude: 0.5 });
  const points = waveform(concat([quiet, loud]), 24_000);
  assert.equal(points.length, 20);
  assert.equal(Math.max(...points), 255);
  assert.ok(points[2]! < 30 && points[15]! === 255, `quiet ${points[2]}, loud ${points[15]}`);
  assert.equal(waveform(new Int16Array(24_000 * 60), 24_000).length, 256);
  assert.equal(Buffer.from(encodeVoiceMessage(loud).waveform, 'base64').length, 10);
});

test('encoding as the reply streams in gives the same file as encoding it at the end', () => {
  const pcm = sine({ frequency: 250, sampleRate: 24_000, seconds: 1.73, amplitude: 0.3 });
  const streamed = new VoiceMessageEncoder();
  // Chunk sizes like the model's: uneven, some smaller than an Opus frame.
  for (let at = 0, size = 7; at < pcm.length; at += size, size = ((size * 37) % 2_900) + 1) streamed.push(pcm.subarray(at, at + size));
  const whole = encodeVoiceMessage(pcm);
  const result = streamed.finish();
  assert.ok(result.ogg.equals(whole.ogg));
  assert.equal(result.waveform, whole.waveform);
});

test('decoding a long voice message lets other work run in between (no long event-loop stall)', async () => {
  const long = encodeVoiceMessage(sine({ frequency: 200, sampleRate: 24_000, seconds: 8, amplitude: 0.3 }));
  let ticks = 0;
  let running = true;
  const tick = (): void => {
    ticks++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const decoded = await decodeAudio(long.ogg);
  running = false;
  assert.ok(Math.abs(decoded.seconds - 8) < 0.01);
  // About one chance per second of audio.
  assert.ok(ticks >= 7, `other work ran ${ticks} times during the decode`);
});
