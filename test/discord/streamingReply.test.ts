// Pins streamed text answers: few edits while streaming, the final text exactly, continuation messages past
// 2,000 characters split at word boundaries.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StreamingReply, splitMessage, type MessageSink } from '../../src/discord/chat/StreamingReply.ts';

function recordingSink() {
  const messages: string[] = [];
  let calls = 0;
  const sink: MessageSink = {
    async create(content, index) {
      calls++;
      messages[index] = content;
      return {
        async edit(next) {
          calls++;
          messages[index] = next;
        },
      };
    },
  };
  return { sink, messages, calls: () => calls };
}

test('streamed text lands in one message with far fewer edits than chunks', async () => {
  const { sink, messages, calls } = recordingSink();
  const reply = new StreamingReply(sink, { editIntervalMs: 50 });
  const words = Array.from({ length: 200 }, (_, i) => `word${i} `);
  for (const word of words) reply.append(word);
  await reply.finish();
  assert.deepEqual(messages, [words.join('').trim()]);
  assert.ok(calls() <= 3, `${calls()} writes for 200 chunks`);
});

test('past 2,000 characters the answer continues in more messages, split between words', async () => {
  const { sink, messages } = recordingSink();
  const reply = new StreamingReply(sink, { editIntervalMs: 10 });
  const text = Array.from({ length: 900 }, (_, i) => `w${i}`).join(' ');
  reply.append(text);
  await reply.finish();
  assert.ok(messages.length >= 2);
  assert.ok(messages.every((m) => m.length <= 2000));
  assert.equal(messages.join(' '), text);
});

test('splitMessage keeps short text whole and never returns nothing', () => {
  assert.deepEqual(splitMessage('hello', 2000), ['hello']);
  assert.deepEqual(splitMessage('', 2000), ['']);
  assert.deepEqual(
    splitMessage('x'.repeat(4500), 2000).map((p) => p.length),
    [2000, 2000, 500],
  );
});
