/** Plays one model reply straight to a voice output (used for voice previews); resolves when it has played. */
import type { OmniUsage } from '../omni/events.ts';
import type { OmniRequest } from '../omni/request.ts';
import type { ReplyStreamer } from '../session/VoiceSession.ts';
import type { VoiceOutput } from './VoiceOutput.ts';
import { LiveSpeech } from './LiveSpeech.ts';

export async function speakOnce(options: {
  omni: ReplyStreamer;
  request: OmniRequest;
  output: VoiceOutput;
  jitterMs: number;
  signal?: AbortSignal;
  onUsage?: (usage: OmniUsage) => void;
}): Promise<void> {
  const speech = new LiveSpeech(options.output, options.jitterMs);
  try {
    for await (const event of options.omni.stream(options.request, options.signal ? { signal: options.signal } : {})) {
      if (event.type === 'audio') speech.push(event.pcm);
      else if (event.type === 'usage') options.onUsage?.(event.usage);
    }
  } catch (error) {
    speech.stop();
    throw error;
  }
  await speech.end();
}
