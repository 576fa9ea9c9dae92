// File names people upload are echoed safely: no bidi reversal, no mentions, no markdown, not too long.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_FILE_NAME_CHARS, safeFileName } from '../../src/discord/chat/fileName.ts';

test('a right-to-left override cannot reverse the rest of the sentence', () => {
  const name = safeFileName('photo\u202Egnp.exe');
  assert.equal(name, 'photognp.exe');
  for (const control of ['\u202A', '\u202B', '\u202C', '\u202D', '\u2066', '\u2067', '\u2068', '\u2069', '\u200E', '\u200F', '\u061C']) {
    assert.ok(!safeFileName(`a${control}b.png`).includes(control), `U+${control.codePointAt(0)!.toString(16)}`);
  }
});

test('@everyone, @here and user, role and channel mentions are shown as text', () => {
  for (const raw of ['@everyone.png', '@here.png', '<@123456789012345678>.png', '<@&123456789012345678>.png', '<#123456789012345678>.png']) {
    const name = safeFileName(raw);
    assert.doesNotMatch(name, /@everyone|@here|<@\d|<@&\d|<#\d/, raw);
  }
});

test('markdown in a name is escaped, line breaks removed', () => {
  assert.equal(safeFileName('**bold**_x_.png'), '\\*\\*bold\\*\\*\\_x\\_.png');
  assert.equal(safeFileName('# big\nline.png'), '\\# bigline.png');
  assert.doesNotMatch(safeFileName('[click](https://evil.example).png'), /^\[click\]\(/);
});

test('long names are cut in the middle and keep their extension', () => {
  const name = safeFileName(`${'a'.repeat(300)}.png`);
  assert.ok([...name].length <= MAX_FILE_NAME_CHARS, `${name.length} chars`);
  assert.ok(name.endsWith('.png') && name.includes('…'));
  assert.equal(safeFileName('holiday.jpg'), 'holiday.jpg');
  assert.equal(safeFileName('\u202E'), 'a file without a name');
});
