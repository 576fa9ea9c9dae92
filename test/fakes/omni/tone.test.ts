// Pins that reply audio decodes to the scripted tone (pitch and length), including when chunks end on an
// odd byte (audioChunkBytes 3841), which a client must carry over to the next chunk.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeOmni } from './server.ts';
import type { FakeOmni } from './server.ts';
import { collect, goertzel, omniClient, zeroCrossingHz } from './testkit.ts';

let fake: FakeOmni;
before(async () => {
  fake = await startFakeOmni({ realtime: false, audioChunkBytes: 3841 });
});
after(() => fake.close());

async function speak(tone: { toneHz: number; seconds: number; amplitude?: number }) {
  fake.script({ text: 'Listen.', audio: tone });
  const stream = await omniClient(fake).chat.completions.create({
    model: 'qwen3-omni-flash',
    messages: [{ role: 'user', content: 'Sing' }],
    modalities: ['text', 'audio'],
    audio: { voice: 'Ethan', format: 'wav' },
    stream: true,
  });
  return collect(stream);
}

test('odd-sized chunks still decode to the scripted pitch and length', async () => {
  const got = await speak({ toneHz: 660, seconds: 0.75, amplitude: 0.4 });
  assert.ok(
    got.audioChunkBytes.some((n) => n % 2 === 1),
    'at least one chunk decodes to an odd number of bytes',
  );
  assert.equal(got.pcm.length, 18_000, '0.75 s at 24 kHz');
  assert.ok(Math.abs(zeroCrossingHz(got.pcm, 24_000) - 660) < 5);
  assert.ok(goertzel(got.pcm, 660, 24_000) > 100 * goertzel(got.pcm, 440, 24_000), 'energy at 660 Hz, not 440 Hz');
  const peak = got.pcm.reduce((max, sample) => Math.max(max, Math.abs(sample)), 0);
  assert.ok(Math.abs(peak - 0.4 * 32767) < 50, `peak ${peak} matches the amplitude`);
});

test('a client that drops the odd byte instead of carrying it gets noise', async () => {
  const got = await speak({ toneHz: 440, seconds: 0.5 });
  // Decoding each chunk on its own shifts every later chunk by a byte: the tone is lost.
  const naive: number[] = [];
  for (const chunk of got.chunks) {
    const data = (chunk.choices[0]?.delta as { audio?: { data?: string } } | undefined)?.audio?.data;
    if (!data) continue;
    const bytes = Buffer.from(data, 'base64');
    for (let i = 0; i + 1 < bytes.byteLength; i += 2) naive.push(bytes.readInt16LE(i));
  }
  const carried = goertzel(got.pcm, 440, 24_000);
  assert.ok(goertzel(Int16Array.from(naive), 440, 24_000) < carried / 2);
});
