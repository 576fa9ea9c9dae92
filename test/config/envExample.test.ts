// Pins that .env.example works as copied: with only the two secrets filled in it loads for every model in the
// catalogue (an empty DEFAULT_VOICE means the model's default voice, so picking another model cannot exit 2).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import dotenv from 'dotenv';
import { loadConfig } from '../../src/config/config.ts';
import { MODELS } from '../../src/omni/catalogue.ts';

const TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB';
const example = dotenv.parse(readFileSync(join(import.meta.dirname, '../../.env.example')));

test('.env.example leaves DEFAULT_VOICE empty, and empty means the model default', () => {
  assert.equal(example.DEFAULT_VOICE, '');
  for (const model of Object.values(MODELS)) {
    const config = loadConfig({ ...example, OMNI_MODEL: model.id, DISCORD_TOKEN: TOKEN, DASHSCOPE_API_KEY: 'key' }, { discord: true, omni: true });
    assert.equal(config.omni?.model.id, model.id);
    assert.equal(config.omni?.defaultVoice, model.defaultVoice, model.id);
  }
});

test('a DEFAULT_VOICE of only spaces is unset too', () => {
  const config = loadConfig(
    { DISCORD_TOKEN: TOKEN, DASHSCOPE_API_KEY: 'key', OMNI_MODEL: 'qwen2.5-omni-7b', DEFAULT_VOICE: '   ' },
    { discord: true, omni: true },
  );
  assert.equal(config.omni?.defaultVoice, 'Ethan');
});
