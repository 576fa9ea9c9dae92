// Pins that bad settings (unknown listen mode, over-long persona, negative cap...) are refused and write nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidInputError } from '../../src/errors.ts';
import type { GuildSettingsPatch } from '../../src/store/settings.ts';
import { Store } from '../../src/store/Store.ts';
import { tempDir } from './helpers.ts';

const BEFORE: GuildSettingsPatch = { voice: 'Ethan', listen: { mode: 'addressed' }, persona: 'Be brief.', dailyTokenCap: 100, cooldownSeconds: 5 };

const BAD: ReadonlyArray<[string, unknown, RegExp]> = [
  ['an unknown listen mode', { listen: { mode: 'nobody' } }, /listen mode must be one of: everyone, only-me, addressed/],
  ['only-me without a person', { listen: { mode: 'only-me' } }, /only-me" needs the person/],
  ['a persona over 1500 characters', { persona: 'x'.repeat(1501) }, /persona is 1501 characters long; the limit is 1500/],
  ['a negative cap', { dailyTokenCap: -1 }, /daily token cap must be a whole number of 0 or more/],
  ['a fractional cap', { dailyTokenCap: 1.5 }, /daily token cap/],
  ['a cooldown over a day', { cooldownSeconds: 86_401 }, /cooldown must be a whole number of seconds from 0 to 86400/],
  ['an empty voice', { voice: ' ' }, /voice name must be 1 to 64 characters/],
  ['a transcript that is neither on nor off', { transcript: { enabled: 'yes' } }, /switched on or off/],
];

for (const [what, patch, message] of BAD) {
  test(`${what} is refused with InvalidInputError and nothing is written`, (t) => {
    const store = Store.open(tempDir(t));
    t.after(() => store.close());
    const before = store.settings.updateGuildSettings('g1', BEFORE);
    // A valid field alongside the bad one must not land either.
    const mixed = { ...(patch as GuildSettingsPatch), voice: (patch as GuildSettingsPatch).voice ?? 'Cherry' };
    assert.throws(
      () => store.settings.updateGuildSettings('g1', mixed),
      (error) => error instanceof InvalidInputError && message.test(error.userMessage),
    );
    assert.deepEqual(store.settings.getGuildSettings('g1'), before);
  });
}

test('a persona of exactly 1500 characters is accepted, an emoji counting as one', (t) => {
  const store = Store.open(tempDir(t));
  t.after(() => store.close());
  const persona = '😀'.repeat(1500); // 3000 UTF-16 units
  assert.equal(store.settings.updateGuildSettings('g1', { persona }).persona, persona);
});

test('an over-long user voice is refused and the old one kept', (t) => {
  const store = Store.open(tempDir(t));
  t.after(() => store.close());
  store.settings.setUserVoice('u1', 'Ethan');
  assert.throws(() => store.settings.setUserVoice('u1', 'v'.repeat(65)), InvalidInputError);
  assert.equal(store.settings.getUserVoice('u1'), 'Ethan');
});
