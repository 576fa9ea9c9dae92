// Pins the odd-byte carry: model audio split at any byte boundary reassembles into the same samples.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Pcm16Assembler } from '../../src/omni/events.ts';

test('any split of the byte stream yields the original samples', () => {
  const samples = Int16Array.from({ length: 4801 }, (_, i) => Math.round(20000 * Math.sin(i / 7)) - (i % 3));
  const bytes = Buffer.from(samples.buffer);
  for (const sizes of [[1], [3], [3841], [7, 2, 1, 1000]]) {
    const assembler = new Pcm16Assembler();
    const out: number[] = [];
    for (let offset = 0, i = 0; offset < bytes.length; i++) {
      const size = sizes[i % sizes.length]!;
      out.push(...assembler.push(bytes.subarray(offset, offset + size)));
      offset += size;
    }
    assert.deepEqual(Int16Array.from(out), samples, `split ${sizes.join(',')}`);
  }
});

test('negative samples keep their sign across a split', () => {
  const assembler = new Pcm16Assembler();
  const bytes = Buffer.from(Int16Array.of(-2, -32768, 32767).buffer);
  const first = assembler.push(bytes.subarray(0, 3));
  const rest = assembler.push(bytes.subarray(3));
  assert.deepEqual([...first, ...rest], [-2, -32768, 32767]);
});
