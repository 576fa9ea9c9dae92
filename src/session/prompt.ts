/** The words around the audio: the system prompt, how a speaker is named, and the silent-reply marker. */

import type { ListenMode } from '../vocabulary.ts';

export type { ListenMode };

/** What the model replies, alone, when it was not spoken to in `addressed` mode. */
export const SILENT_MARKER = '<silent>';

const HOUSE_RULES = [
  'You are talking with people in a Discord voice channel; your replies are spoken aloud.',
  'Each user message starts with the name of the person speaking. Several people may take part.',
  'Answer briefly and conversationally, as in a spoken conversation: no lists, markdown or emoji.',
  'If a reply of yours ends with [interrupted], the listeners did not hear the rest of it.',
].join(' ');

/** The system prompt for a voice conversation. */
export function voiceSystemPrompt(options: { botName: string; persona?: string; mode: ListenMode }): string {
  const parts = [`Your name is ${options.botName}.`, HOUSE_RULES];
  if (options.mode === 'addressed') {
    parts.push(
      `Only answer when someone speaks to you (by your name, ${options.botName}, or clearly addressing you).`,
      `When what was said was not meant for you, reply with exactly ${SILENT_MARKER} and nothing else.`,
    );
  }
  if (options.persona) parts.push(`Persona set by this server: ${options.persona}`);
  return parts.join('\n');
}

/** The text part sent beside a speaker's audio. */
export function speakerLine(speakerName: string): string {
  return `[${speakerName} is speaking]`;
}

/**
 * Decides from the reply's first text whether it is the silent marker: 'silent', 'speak', or 'undecided'
 * while the text so far could still become the marker.
 */
export function silentVerdict(textSoFar: string, finished: boolean): 'silent' | 'speak' | 'undecided' {
  const text = textSoFar.trim();
  if (text.startsWith(SILENT_MARKER)) return 'silent';
  if (SILENT_MARKER.startsWith(text) && !finished) return 'undecided';
  return 'speak';
}
