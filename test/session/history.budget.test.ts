// Pins history trimming: the new utterance always goes whole; older speech becomes placeholders, then the
// oldest turns go, to stay inside the model's input budget; what was heard of a cut reply is estimated.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MODELS } from '../../src/omni/catalogue.ts';
import { History, heardPart, placeholderFor, type SpokenTurn } from '../../src/session/History.ts';

const flash = MODELS['qwen3-omni-flash']!;
const spoken = (name: string, seconds: number): SpokenTurn => ({
  role: 'user',
  speakerName: name,
  text: `[${name} is speaking]`,
  speech: { kind: 'audio', wav: new Uint8Array(10), seconds },
});

test('only the newest spoken turns keep their audio; older ones become placeholders', () => {
  const history = new History({ audioTurns: 1 });
  history.add(spoken('Alice', 4));
  history.add({ role: 'assistant', text: 'Hi Alice.' });
  history.add(spoken('Bob', 3));
  history.add({ role: 'assistant', text: 'Hi Bob.' });
  const turns = history.toTurns(spoken('Carol', 2), flash, 10_000);
  assert.deepEqual(
    turns.map((t) => t.role),
    ['user', 'assistant', 'user', 'assistant', 'user'],
  );
  assert.equal(turns[0]?.role === 'user' && turns[0].media, undefined);
  assert.equal(turns[0]?.role === 'user' && turns[0].text, placeholderFor(spoken('Alice', 4)));
  assert.equal(turns[2]?.role === 'user' && turns[2].media?.kind, 'audio');
  assert.equal(turns[4]?.role === 'user' && turns[4].media?.kind, 'audio');
});

test('a tight budget drops the oldest turns and never opens with an assistant turn', () => {
  const history = new History();
  for (let i = 0; i < 10; i++) {
    history.add(spoken(`Speaker${i}`, 10));
    history.add({ role: 'assistant', text: 'x'.repeat(200) });
  }
  // 10 s of speech is 125 tokens on flash; leave room for the new turn and about two old exchanges.
  const turns = history.toTurns(spoken('New', 10), flash, 400);
  assert.equal(turns.at(-1)?.role === 'user' && turns.at(-1)?.text, '[New is speaking]');
  assert.ok(turns.length < 8, `kept ${turns.length} turns`);
  assert.equal(turns[0]?.role, 'user');
});

test('history is bounded in entries', () => {
  const history = new History({ maxEntries: 6 });
  for (let i = 0; i < 20; i++) history.add({ role: 'assistant', text: String(i) });
  assert.deepEqual(
    history.entries.map((e) => e.role === 'assistant' && e.text),
    ['14', '15', '16', '17', '18', '19'],
  );
});

test('the heard part is cut at a word boundary in proportion to the time played', () => {
  const text = 'alpha beta gamma delta epsilon zeta';
  assert.equal(heardPart(text, 500, 1000), 'alpha beta gamma');
  assert.equal(heardPart(text, 0, 1000), '');
  assert.equal(heardPart(text, 1000, 1000), text);
});
