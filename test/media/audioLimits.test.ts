// Audio longer than the model takes is refused from its headers, before any decoding; a file whose headers
// lie is refused once decoding passes the limit, so the work and memory stay bounded whatever a file claims.
// "Decoding" is counted where decoded audio goes: the resampler (MP3, WAV) and the Opus decoder (Ogg).
import assert from 'node:assert/strict';
import { afterEach, mock, test } from 'node:test';
import { OpusDecoder } from '../../src/audio/opus.ts';
import { Resampler } from '../../src/audio/resample.ts';
import { decodeAudio } from '../../src/media/decodeAudio.ts';
import { prepareFile } from '../../src/media/prepare.ts';
import { MediaFormatError } from '../../src/media/problems.ts';
import { audioSecondsFromHeaders } from '../../src/media/probeAudio.ts';
import { MODELS } from '../../src/omni/catalogue.ts';
import { maxAudioSeconds } from '../../src/omni/validate.ts';
import { mediaFixture } from './files.ts';
import { mp3WithXing, oggClaiming, quietWav, silentMp3 } from './audioFiles.ts';

const flash = MODELS['qwen3-omni-flash']!;
/** 16 kHz mono WAV inside the 10 MB data-URL cap: about 4 min. */
const MAX_SECONDS = maxAudioSeconds(flash, 32_000);

/** Counts the samples that reach the resampler, i.e. audio that was decoded. */
function countResampled(): () => number {
  const spy = mock.method(Resampler.prototype, 'process');
  return () => spy.mock.calls.reduce((sum, call) => sum + (call.arguments[0] as Int16Array).length, 0);
}

afterEach(() => mock.restoreAll());

test('the model takes about 4 minutes of audio (the inline size cap, not the 20 min duration limit)', () => {
  assert.ok(MAX_SECONDS > 200 && MAX_SECONDS < 250, `${MAX_SECONDS} s`);
});

test('headers tell the length: CBR MP3 from its bit rate, Xing frame counts, WAV data size, Ogg granule position', () => {
  assert.ok(Math.abs(audioSecondsFromHeaders(silentMp3(7020), 'mp3')! - 7020) < 1);
  assert.ok(Math.abs(audioSecondsFromHeaders(mp3WithXing(10, 100), 'mp3')! - 100 * 0.072) < 0.01);
  // A claim is capped by what the bytes could hold at the lowest bit rate.
  assert.ok(audioSecondsFromHeaders(mp3WithXing(10, 100_000), 'mp3')! < 11);
  assert.ok(Math.abs(audioSecondsFromHeaders(mediaFixture('tone.mp3'), 'mp3')! - 1) < 0.06);
  assert.equal(audioSecondsFromHeaders(quietWav(900), 'wav'), 900);
  assert.ok(Math.abs(audioSecondsFromHeaders(mediaFixture('voice.ogg'), 'ogg-opus')! - 1.5) < 0.01);
  assert.equal(audioSecondsFromHeaders(oggClaiming(7200), 'ogg-opus')!.toFixed(0), '7200');
});

test('a 7 MB MP3 lasting 117 min is refused from its headers with its length, and nothing is decoded', async () => {
  const decoded = countResampled();
  const song = silentMp3(117 * 60);
  assert.ok(song.length > 6.5e6 && song.length < 7.5e6, `${song.length} bytes`);
  await assert.rejects(prepareFile({ name: 'song.mp3', bytes: song }, flash), (error: unknown) => {
    assert.match((error as Error & { userMessage: string }).userMessage, /^song\.mp3 is 117 min long; I can take at most 4 min \d+ s of audio\.$/);
    return true;
  });
  assert.equal(decoded(), 0);
});

test('several such files at once are all refused without decoding', async () => {
  const files = [silentMp3(117 * 60), quietWav(900), oggClaiming(7200), silentMp3(60 * 60)];
  const decoded = countResampled();
  const results = await Promise.allSettled(files.map((bytes, i) => prepareFile({ name: `f${i}`, bytes }, flash)));
  assert.deepEqual(
    results.map((r) => r.status),
    ['rejected', 'rejected', 'rejected', 'rejected'],
  );
  for (const result of results) assert.match(String((result as PromiseRejectedResult).reason.userMessage), /long; I can take at most/);
  assert.equal(decoded(), 0);
});

test('an Ogg voice message claiming two hours is refused before the Opus decoder runs', async () => {
  const opus = mock.method(OpusDecoder.prototype, 'decode');
  await assert.rejects(decodeAudio(oggClaiming(7200), { maxSeconds: MAX_SECONDS }), (error: unknown) => {
    assert.ok(error instanceof MediaFormatError && error.problem.reason === 'too_long' && !error.problem.atLeast);
    return true;
  });
  assert.equal(opus.mock.callCount(), 0);
});

test('an MP3 whose Xing header claims 2 s but holds an hour stops decoding at the limit', async () => {
  const decoded = countResampled();
  const liar = mp3WithXing(60 * 60, 28);
  assert.ok(audioSecondsFromHeaders(liar, 'mp3')! < 3);
  await assert.rejects(prepareFile({ name: 'liar.mp3', bytes: liar }, flash), (error: unknown) => {
    assert.match((error as Error & { userMessage: string }).userMessage, /^liar\.mp3 is longer than 4 min \d+ s, the most audio I can take\.$/);
    return true;
  });
  // Decoded input (8 kHz here) stops within one 16 KB chunk (16 s at 8 kbit/s) of the limit, far from an hour.
  const decodedSeconds = decoded() / 8000;
  assert.ok(decodedSeconds > MAX_SECONDS && decodedSeconds < MAX_SECONDS + 20, `${decodedSeconds} s decoded`);
});

test('short hand-made silent MP3s decode at their length, so the long ones above are real audio', async () => {
  const { seconds } = await decodeAudio(silentMp3(3), { maxSeconds: MAX_SECONDS });
  assert.ok(Math.abs(seconds - 3) < 0.2, `${seconds} s`);
  const lying = await decodeAudio(mp3WithXing(3, 5), { maxSeconds: MAX_SECONDS });
  assert.ok(Math.abs(lying.seconds - 3) < 0.3, `${lying.seconds} s`);
});
