// Pins that bad settings (unknown listen mode, over-long persona, negative cap...) are refused and write nothing.
import assert from 'node:assert/strict';
import { InvalidInputError } from '../../src/errors.ts';
import type { GuildSettingsPatch } from '../../src/store/settings.ts';
import { storeTest } from './engines.ts';

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
  storeTest(`${what} is refused with InvalidInputError and nothing is written`, async (_t, store) => {
    const before = await store.settings.updateGuildSettings('g1', BEFORE);
    // A valid field alongside the bad one must not land either.
    const mixed = { ...(patch as GuildSettingsPatch), voice: (patch as GuildSettingsPatch).voice ?? 'Cherry' };
    await assert.rejects(
      () => store.settings.updateGuildSettings('g1', mixed),
      (error) => error instanceof InvalidInputError && message.test(error.userMessage),
    );
    assert.deepEqual(await store.settings.getGuildSettings('g1'), before);
  });
}

storeTest('a persona of exactly 1500 characters is accepted, an emoji counting as one', async (_t, store) => {
  const persona = '😀'.repeat(1500); // 3000 UTF-16 units
  assert.equal((await store.settings.updateGuildSettings('g1', { persona })).persona, persona);
  assert.equal((await store.settings.getGuildSettings('g1')).persona, persona);
});

storeTest('an over-long user voice is refused and the old one kept', async (_t, store) => {
  await store.settings.setUserVoice('u1', 'Ethan');
  await assert.rejects(() => store.settings.setUserVoice('u1', 'v'.repeat(65)), InvalidInputError);
  assert.equal(await store.settings.getUserVoice('u1'), 'Ethan');
});
