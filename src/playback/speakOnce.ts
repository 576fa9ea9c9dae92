/** Plays one model reply straight to a voice output (used for voice previews); resolves when it has played. */
import type { OmniUsage } from '../omni/events.ts';
import type { OmniRequest } from '../omni/request.ts';
import type { PlaybackHandle, ReplyStreamer, VoiceOutput } from '../session/VoiceSession.ts';
import { ReplyAudio } from './ReplyAudio.ts';

export async function speakOnce(options: {
  omni: ReplyStreamer;
  request: OmniRequest;
  output: VoiceOutput;
  jitterMs: number;
  signal?: AbortSignal;
  onUsage?: (usage: OmniUsage) => void;
}): Promise<void> {
  const reply = new ReplyAudio({ jitterMs: options.jitterMs });
  let playback: PlaybackHandle | undefined;
  try {
    for await (const event of options.omni.stream(options.request, options.signal ? { signal: options.signal } : {})) {
      if (event.type === 'audio') {
        reply.push(event.pcm);
        if (!playback && reply.started) playback = options.output.play(reply.readable);
      } else if (event.type === 'usage') {
        options.onUsage?.(event.usage);
      }
    }
    reply.end();
    playback ??= reply.totalMs > 0 ? options.output.play(reply.readable) : undefined;
    await playback?.finished;
  } finally {
    reply.readable.destroy();
  }
}
