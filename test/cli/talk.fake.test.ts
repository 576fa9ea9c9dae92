// Pins `npm run talk` end to end against the fake service: any input WAV becomes 16 kHz mono speech, the reply
// WAV is exactly the audio the model sent (duration within 20 ms, same pitch), and timings and usage are printed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decodeWav, encodeWav } from '../../src/audio/wav.ts';
import { startFakeOmni, type FakeOmni } from '../fakes/omni/server.ts';
import { dominantFrequency } from '../audio/signal.ts';

const TALK = join(import.meta.dirname, '../../src/cli/talk.ts');
let fake: FakeOmni;
let dir: string;

before(async () => {
  fake = await startFakeOmni({ realtime: false });
  dir = mkdtempSync(join(tmpdir(), 'omni-talk-'));
});
after(() => fake.close());

function run(args: string[], cwd = dir): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [TALK, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', DASHSCOPE_BASE_URL: fake.baseURL, DASHSCOPE_API_KEY: 'test-key' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** 1.5 s of a 220 Hz tone at 44.1 kHz stereo: a rate and layout the model never gets directly. */
function writeQuestion(): string {
  const rate = 44_100;
  const frames = rate * 1.5;
  const samples = new Int16Array(frames * 2);
  for (let i = 0; i < frames; i++) samples[2 * i] = samples[2 * i + 1] = Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / rate));
  const path = join(dir, 'question.wav');
  writeFileSync(path, encodeWav(samples, rate, 2));
  return path;
}

test('talk sends 16 kHz mono speech, writes the reply audio exactly, prints timings and usage', async () => {
  fake.script({ text: 'Paris is the capital of France.', audio: { toneHz: 330, seconds: 1.3 } });
  const out = join(dir, 'reply.wav');
  const { code, stdout, stderr } = await run(['--in', writeQuestion(), '--voice', 'Ethan', '--out', out]);
  assert.equal(code, 0, stderr);

  const request = fake.requests.at(-1)!;
  assert.equal(request.voice, 'Ethan');
  const [speech] = request.audioInputs;
  assert.equal(speech?.sampleRate, 16_000);
  assert.equal(speech?.channels, 1);
  assert.ok(Math.abs(speech.seconds - 1.5) < 0.01, `sent ${speech.seconds} s`);
  assert.ok(Math.abs(dominantFrequency(speech.samples, 16_000) - 220) < 2.2);

  const reply = decodeWav(readFileSync(out));
  assert.equal(reply.sampleRate, 24_000);
  assert.equal(reply.channels, 1);
  assert.ok(Math.abs(reply.samples.length / 24_000 - 1.3) <= 0.02, `reply lasts ${reply.samples.length / 24_000} s`);
  assert.ok(Math.abs(dominantFrequency(reply.samples, 24_000) - 330) < 3.3);

  assert.match(stdout, /Paris is the capital of France\./);
  assert.match(stderr, /timings: first text \d+ ms, first audio \d+ ms, end \d+ ms/);
  assert.match(stderr, /usage: input \d+ tokens \(text \d+, audio 19, image 0, video 0\)/);
  assert.match(stderr, /output \d+ tokens \(text \d+, audio \d+, reasoning 0\)/);
});

test('talk with an image sends it in its own message before the spoken question', async () => {
  const png = join(dir, 'photo.png');
  writeFileSync(png, tinyPng(64, 32));
  const { code, stderr } = await run(['--in', writeQuestion(), '--image', png, '--text-only']);
  assert.equal(code, 0, stderr);
  const request = fake.requests.at(-1)!;
  assert.deepEqual(
    request.images.map((image) => [image.width, image.height]),
    [[64, 32]],
  );
  assert.equal(request.audioInputs.length, 1);
  assert.ok(request.images[0]!.messageIndex < request.audioInputs[0]!.messageIndex);
  assert.deepEqual(request.modalities, ['text']);
});

test('without --out the reply goes to out/reply.wav (gitignored), not the working directory', async () => {
  fake.script({ text: 'Hello.', audio: { toneHz: 330, seconds: 0.4 } });
  const cwd = mkdtempSync(join(tmpdir(), 'omni-talk-cwd-'));
  const { code, stderr } = await run(['--in', writeQuestion()], cwd);
  assert.equal(code, 0, stderr);
  assert.ok(!existsSync(join(cwd, 'reply.wav')), 'reply.wav was written into the working directory');
  const reply = decodeWav(readFileSync(join(cwd, 'out', 'reply.wav')));
  assert.ok(Math.abs(reply.samples.length / 24_000 - 0.4) <= 0.02, `reply lasts ${reply.samples.length / 24_000} s`);
  assert.match(stderr, /wrote out[/\\]reply\.wav: 0\.4\d\d s/);
  assert.match(readFileSync(join(import.meta.dirname, '../../.gitignore'), 'utf8'), /^\/out\/$/m);
});

test('a missing input file is one clear line, exit 1', async () => {
  const { code, stderr } = await run(['--in', join(dir, 'nope.wav')]);
  assert.equal(code, 1);
  assert.match(stderr, /^talk failed: .*nope\.wav/);
  assert.doesNotMatch(stderr, /\n\s+at /);
});

/** A valid PNG header (IHDR) is all an image-size probe reads. */
function tinyPng(width: number, height: number): Buffer {
  const header = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write('IHDR', 4, 'ascii');
  ihdr.writeUInt32BE(width, 8);
  ihdr.writeUInt32BE(height, 12);
  ihdr.writeUInt8(8, 16);
  ihdr.writeUInt8(2, 17);
  return Buffer.concat([header, ihdr, Buffer.alloc(12)]);
}
