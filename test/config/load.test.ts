// Pins how settings are validated: every problem listed at once, with where to get it, and no secret echoed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeConfigProblems, loadConfig, REGION_BASE_URLS } from '../../src/config/config.ts';
import { ConfigError } from '../../src/errors.ts';

const TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB';
const KEY = 'sk-0123456789abcdef';
const both = { discord: true, omni: true } as const;

function problemsOf(env: NodeJS.ProcessEnv, needs: { discord: boolean; omni: boolean } = both): readonly string[] {
  try {
    loadConfig(env, needs);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

test('missing token and key are both reported, each with where to get it', () => {
  const problems = problemsOf({});
  assert.equal(problems.length, 2);
  assert.match(problems[0]!, /DISCORD_TOKEN is missing.*Developer Portal/);
  assert.match(problems[1]!, /DASHSCOPE_API_KEY is missing.*Model Studio/);
  assert.match(describeConfigProblems(new ConfigError(problems)), /^2 settings need attention/);
});

test('blank values count as missing', () => {
  assert.equal(problemsOf({ DISCORD_TOKEN: '  ', DASHSCOPE_API_KEY: '' }).length, 2);
});

test('defaults: intl region, qwen3-omni-flash, Cherry, info, ./data', () => {
  const config = loadConfig({ DISCORD_TOKEN: TOKEN, DASHSCOPE_API_KEY: KEY }, both);
  assert.equal(config.omni?.baseURL, REGION_BASE_URLS.intl);
  assert.equal(config.omni?.model.id, 'qwen3-omni-flash');
  assert.equal(config.omni?.defaultVoice, 'Cherry');
  assert.equal(config.logLevel, 'info');
  assert.equal(config.dataDir, './data');
  assert.equal(config.discord?.apiUrl, undefined);
});

test('region cn picks the Beijing endpoint; an explicit base URL wins over the region', () => {
  assert.equal(loadConfig({ DASHSCOPE_API_KEY: KEY, DASHSCOPE_REGION: 'cn' }, { discord: false, omni: true }).omni?.baseURL, REGION_BASE_URLS.cn);
  const custom = loadConfig(
    { DASHSCOPE_API_KEY: KEY, DASHSCOPE_REGION: 'cn', DASHSCOPE_BASE_URL: 'http://127.0.0.1:8123/compatible-mode/v1/' },
    { discord: false, omni: true },
  );
  assert.equal(custom.omni?.baseURL, 'http://127.0.0.1:8123/compatible-mode/v1');
});

test('invalid values are each explained', () => {
  const problems = problemsOf({
    DISCORD_TOKEN: `Bot ${TOKEN}`,
    DASHSCOPE_API_KEY: KEY,
    DASHSCOPE_REGION: 'eu',
    LOG_LEVEL: 'loud',
    DISCORD_DEV_GUILD_ID: 'my-server',
    DISCORD_API_URL: 'discord.com',
  });
  assert.equal(problems.length, 5);
  assert.ok(problems.some((p) => /DISCORD_TOKEN does not look like a bot token/.test(p)));
  assert.ok(problems.some((p) => /DASHSCOPE_REGION must be "intl".*"cn"/.test(p)));
  assert.ok(problems.some((p) => /LOG_LEVEL must be one of/.test(p)));
  assert.ok(problems.some((p) => /DISCORD_DEV_GUILD_ID must be a server id/.test(p)));
  assert.ok(problems.some((p) => /DISCORD_API_URL must be an http/.test(p)));
  for (const problem of problems) assert.ok(!problem.includes(TOKEN) && !problem.includes(KEY), 'a secret leaked into a message');
});

test('the model must be known and the default voice must belong to it', () => {
  assert.match(problemsOf({ DISCORD_TOKEN: TOKEN, DASHSCOPE_API_KEY: KEY, OMNI_MODEL: 'gpt-4o' })[0]!, /not a known model.*qwen3-omni-flash/);
  const turbo = problemsOf({ DISCORD_TOKEN: TOKEN, DASHSCOPE_API_KEY: KEY, OMNI_MODEL: 'qwen-omni-turbo', DEFAULT_VOICE: 'Jada' });
  assert.match(turbo[0]!, /"Jada" is not a voice of qwen-omni-turbo.*Cherry, Serena, Ethan, Chelsie/);
  const open = loadConfig({ DASHSCOPE_API_KEY: KEY, OMNI_MODEL: 'qwen2.5-omni-7b' }, { discord: false, omni: true });
  assert.equal(open.omni?.defaultVoice, 'Ethan', 'a model without Cherry falls back to its own default voice');
});

test('only the needed groups are required', () => {
  const talkOnly = loadConfig({ DASHSCOPE_API_KEY: KEY }, { discord: false, omni: true });
  assert.equal(talkOnly.discord, undefined);
  assert.equal(talkOnly.omni?.apiKey, KEY);
});

test('voice settings have sensible defaults and are range-checked', () => {
  const config = loadConfig({}, { discord: false, omni: false });
  assert.equal(config.voice.silenceMs, 900);
  assert.equal(config.voice.speculationMs, 450);
  assert.ok(config.voice.jitterBufferMs <= 120);
  assert.equal(config.voice.maxUtteranceMs, 60_000);
  const problems = problemsOf({ SILENCE_MS: '50', JITTER_BUFFER_MS: 'soon', IDLE_LEAVE_SECONDS: '2.5' }, { discord: false, omni: false });
  assert.deepEqual(problems, [
    'SILENCE_MS must be at least 200 milliseconds.',
    'JITTER_BUFFER_MS must be a number of milliseconds.',
    'IDLE_LEAVE_SECONDS must be a whole number of seconds.',
  ]);
});

test('the first-audio deadline and the reply length limit: defaults, and out-of-range values refused', () => {
  const config = loadConfig({}, { discord: false, omni: false });
  assert.equal(config.voice.firstAudioTimeoutMs, 8000);
  assert.equal(config.voice.maxReplyMs, 90_000);
  assert.equal(loadConfig({ FIRST_AUDIO_TIMEOUT_MS: '5000', MAX_REPLY_SECONDS: '30' }, { discord: false, omni: false }).voice.maxReplyMs, 30_000);
  assert.deepEqual(problemsOf({ FIRST_AUDIO_TIMEOUT_MS: '100', MAX_REPLY_SECONDS: 'long' }, { discord: false, omni: false }), [
    'FIRST_AUDIO_TIMEOUT_MS must be at least 1000 milliseconds.',
    'MAX_REPLY_SECONDS must be a number of seconds.',
  ]);
});

test('speculation: milliseconds or off, and shorter than the silence window', () => {
  const voice = (env: Record<string, string>) => loadConfig(env, { discord: false, omni: false }).voice;
  assert.equal(voice({ SPECULATION_MS: 'off' }).speculationMs, 0);
  assert.equal(voice({ SPECULATION_MS: ' OFF ' }).speculationMs, 0);
  assert.equal(voice({ SPECULATION_MS: '0' }).speculationMs, 0);
  assert.equal(voice({ SPECULATION_MS: '300', SILENCE_MS: '700' }).speculationMs, 300);
  assert.deepEqual(problemsOf({ SPECULATION_MS: 'soon' }, { discord: false, omni: false }), ['SPECULATION_MS must be a number of milliseconds (or off).']);
  assert.deepEqual(problemsOf({ SPECULATION_MS: '700', SILENCE_MS: '700' }, { discord: false, omni: false }), [
    'SPECULATION_MS (700) must be shorter than SILENCE_MS (700), or "off".',
  ]);
});

test("the voice workers' priority: nice -10 unless set, within the kernel's range", () => {
  assert.equal(loadConfig({}, { discord: false, omni: false }).voice.workerNice, -10);
  assert.equal(loadConfig({ VOICE_WORKER_NICE: '0' }, { discord: false, omni: false }).voice.workerNice, 0);
  assert.deepEqual(problemsOf({ VOICE_WORKER_NICE: '-21' }, { discord: false, omni: false }), ['VOICE_WORKER_NICE must be at least -20 nice levels.']);
});
