/**
 * A posted file's name, made safe to echo in the bot's sentences: a name is whatever the uploader typed, so it
 * may carry a right-to-left override (which would reverse the rest of the bot's sentence), markdown, or text
 * that renders as a mention. Every sentence that names a file gets the name through here, once, at the edge.
 */
import { escapeMarkdown } from 'discord.js';

/** Longer names are cut in the middle (the extension stays), so a reason still fits on one line. */
export const MAX_FILE_NAME_CHARS = 60;

/**
 * Bidirectional controls (embeddings, overrides, isolates, marks) and every other control or format
 * character (zero-width joiners, line breaks): none belongs in a name shown inside a sentence.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
/** Zero-width space: breaks `@everyone` and `<@123>` so Discord shows them as text, not mentions. */
const ZWSP = '\u200b';

/** Cuts `name` to `max` characters (by code point), keeping its extension: "a-very-long…name.png". */
function shorten(name: string, max: number): string {
  const chars = [...name];
  if (chars.length <= max) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= 10 ? [...name.slice(dot)] : [];
  const keep = max - 1 - extension.length;
  const head = Math.ceil(keep * 0.7);
  const tail = keep - head;
  const stem = chars.slice(0, chars.length - extension.length);
  return `${stem.slice(0, head).join('')}…${tail > 0 ? stem.slice(-tail).join('') : ''}${extension.join('')}`;
}

/** The name as it may appear in a message: no invisible or bidi characters, markdown escaped, no mentions, short. */
export function safeFileName(raw: string): string {
  const visible = raw.replace(INVISIBLE, '').trim() || 'a file without a name';
  const short = shorten(visible, MAX_FILE_NAME_CHARS);
  return escapeMarkdown(short, { bulletedList: true, heading: true, maskedLink: true, numberedList: true })
    .replace(/@/g, `@${ZWSP}`)
    .replace(/<([@#:]|\/|a:|t:)/g, `<${ZWSP}$1`);
}
