/**
 * Answers a typed question (with optional media) as streamed text in chat, through the same client, cost
 * control and usage ledger as voice. Thinking mode shows a short "thought for N s" line, not the reasoning.
 */
import type { BotServices } from '../command.ts';
import type { MediaInput } from '../../omni/media.ts';
import { StreamingReply, type MessageSink } from './StreamingReply.ts';
import { InvalidInputError } from '../../errors.ts';

export interface ChatQuestion {
  readonly userId: string;
  readonly guildId: string | null;
  readonly text: string;
  readonly media?: MediaInput;
  readonly thinking?: boolean;
  /** Also speak the answer in this voice (not with thinking, which is text only). */
  readonly voice?: string;
  /** Short lines shown above the answer, e.g. why some posted files were left out. */
  readonly notes?: readonly string[];
}

const SYSTEM = 'You are a helpful assistant in a Discord chat. Answer clearly and concisely; Discord markdown is fine.';

/**
 * Streams the answer into `sink` (and its audio, 24 kHz mono, to `onAudio` when a voice is given); throws
 * InvalidInputError when cost control refuses.
 */
export async function answerInChat(question: ChatQuestion, sink: MessageSink, services: BotServices, onAudio?: (pcm: Int16Array) => void): Promise<string> {
  const { omni, model, costs } = services;
  const refusal = await costs.admitShared(question.userId, question.guildId);
  if (refusal) throw new InvalidInputError(refusal);
  const prefix = (question.notes ?? []).map((note) => `-# ${note}\n`).join('');
  const reply = new StreamingReply(sink, { prefix });
  const started = performance.now();
  let thoughtMs: number | undefined;
  let reasoning = false;
  for await (const event of omni.stream({
    model,
    system: SYSTEM,
    turns: [{ role: 'user', text: question.text, ...(question.media ? { media: question.media } : {}) }],
    ...(question.thinking ? { thinking: true } : question.voice ? { voice: question.voice } : {}),
  })) {
    if (event.type === 'reasoning' && !reasoning) {
      reasoning = true;
      reply.append('*Thinking…*');
    } else if (event.type === 'text') {
      if (reasoning && thoughtMs === undefined) {
        thoughtMs = performance.now() - started;
        await reply.finish('');
      }
      reply.append(event.text);
    } else if (event.type === 'audio') {
      onAudio?.(event.pcm);
    } else if (event.type === 'usage') {
      costs.record(question.userId, question.guildId, event.usage);
    }
  }
  const answer = reply.text.trim();
  const header = thoughtMs === undefined ? '' : `-# Thought for ${(thoughtMs / 1000).toFixed(1)} s\n`;
  await reply.finish(`${header}${answer}`);
  return answer;
}
