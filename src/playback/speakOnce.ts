/** Plays one model reply through the guild's speaker (used for voice previews); resolves when it has ended. */
import type { OmniUsage } from '../omni/events.ts';
import type { OmniRequest } from '../omni/request.ts';
import type { ReplyStreamer } from '../omni/client.ts';
import type { Speaker, SpeechRequest } from './GuildSpeaker.ts';
import { LiveSpeech, type SpeechEnd } from './LiveSpeech.ts';

export async function speakOnce(options: {
  omni: ReplyStreamer;
  request: OmniRequest;
  speaker: Speaker;
  speech: SpeechRequest;
  signal?: AbortSignal;
  onUsage?: (usage: OmniUsage) => void;
}): Promise<SpeechEnd> {
  const speech = new LiveSpeech(options.speaker, options.speech);
  try {
    for await (const event of options.omni.stream(options.request, options.signal ? { signal: options.signal } : {})) {
      // Nobody will hear the rest: leaving the loop cancels the request.
      if (speech.refused) break;
      if (event.type === 'audio') speech.push(event.pcm);
      else if (event.type === 'usage') options.onUsage?.(event.usage);
    }
  } catch (error) {
    speech.stop();
    throw error;
  }
  return speech.end();
}
