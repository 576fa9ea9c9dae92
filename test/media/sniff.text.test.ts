// Text files renamed to a media extension are named for what their bytes are ("a text file, not a PNG image").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MODELS } from '../../src/omni/catalogue.ts';
import { prepareFile } from '../../src/media/prepare.ts';
import { sniff } from '../../src/media/sniff.ts';
import { mediaFixture } from './files.ts';

const flash = MODELS['qwen3-omni-flash']!;
const text = (value: string) => Buffer.from(value, 'utf8');

const cases: Array<[string, Buffer, string, RegExp]> = [
  ['notes', text('Shopping list:\n- milk\n- eggs, café au lait\n'), 'text', /notes\.png is a text file, not a PNG image/],
  ['a shell script', text('#!/bin/sh\nrm -rf /tmp/x\n'), 'script', /install\.png is a script \(text\), not a PNG image/],
  ['a web page', text('<!DOCTYPE html>\n<html><body>hi</body></html>'), 'html', /page\.jpg is a web page \(HTML\), not a JPEG image/],
  ['an SVG drawing', text('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"></svg>'), 'svg', /logo\.png is an SVG drawing/],
  ['JSON with a byte-order mark', text('\uFEFF{"a": 1}'), 'text', /data\.mp4 is a text file, not an MP4 video/],
];
const names = ['notes.png', 'install.png', 'page.jpg', 'logo.png', 'data.mp4'];

for (const [index, [what, bytes, format, reason]] of cases.entries()) {
  test(`${what} is recognised as text and named so`, async () => {
    assert.equal(sniff(bytes)?.format, format);
    await assert.rejects(prepareFile({ name: names[index]!, bytes }, flash), (error: unknown) => {
      assert.match((error as { userMessage: string }).userMessage, reason);
      return true;
    });
  });
}

test('binary files are never taken for text: every media fixture keeps its format', () => {
  for (const fixture of ['photo.jpg', 'tone.mp3', 'tone.wav', 'voice.ogg', 'clip.mp4', 'clip.webm', 'doc.pdf']) {
    assert.ok(!['text', 'html', 'script', 'svg'].includes(sniff(mediaFixture(fixture))?.format ?? ''), fixture);
  }
  assert.equal(sniff(Buffer.from([0x00, 0x01, 0x02, 0x41, 0x42]))?.format, undefined, 'control bytes are not text');
  assert.equal(sniff(Buffer.from([0x41, 0xff, 0xfe, 0x42]))?.format, undefined, 'invalid UTF-8 is not text');
});

test('a long text file cut inside a multi-byte character at the sniff window is still text', () => {
  const long = text(`${'a'.repeat(4095)}é and more`);
  assert.equal(sniff(long)?.format, 'text');
});
