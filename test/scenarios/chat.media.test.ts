// Files in chat beyond still images: a video, an audio file, a voice message answered with a voice message,
// images as a sequence, a describe channel, and answers spoken in the asker's voice channel.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { decodeAudio } from '../../src/media/decodeAudio.ts';
import { dominantFrequency } from '../audio/signal.ts';
import { mediaFixture } from '../media/files.ts';
import { makePng } from '../support/images.ts';
import { leftChannel } from './support.ts';
import type { BotMessage } from '../sim/messages.ts';
import { startWorld, type World } from './world.ts';

let world: World;
before(async () => {
  world = await startWorld({ env: { DISCORD_MESSAGE_CONTENT: 'on' } });
});
after(() => world.close());

/** Messages posted in the channel, not replies to slash commands. */
const inChat = { channel: 'general', timeoutMs: 15_000, matching: (m: { interactionId: string | null }) => m.interactionId === null } as const;

/** Today's tokens in a /usage reply: the total, or one input modality. */
function tokensToday(usage: { embeds: unknown[] }, modality?: string): number {
  const today = (usage.embeds as Array<{ fields: Array<{ value: string }> }>)[0]!.fields[0]!.value;
  const pattern = modality ? new RegExp(`${modality} ([\\d,]+)`) : /\*\*([\d,]+)\*\* tokens/;
  return Number(pattern.exec(today)?.[1]?.replace(/,/g, ''));
}

/** Posts with a mention and resolves with the streamed answer once it ends with `last`. */
async function ask(post: Parameters<ReturnType<World['sim']['user']>['post']>[0], last: RegExp) {
  const { sim } = world;
  const first = sim.nextMessage(inChat);
  const id = await sim.user('alice').post(post);
  const answer = await sim.messageSettles(await first, (m) => last.test(m.content ?? ''));
  return { id, answer };
}

test('a video posted with a mention is sent as a video file and described', async () => {
  const { sim, fake } = world;
  fake.script({ text: 'A test pattern with a steady tone.', chunkIntervalMs: 5 });
  const { answer } = await ask({ content: `${sim.botMention}`, attachments: [{ name: 'clip.mp4', data: mediaFixture('clip.mp4') }] }, /tone\.$/);
  assert.equal(answer.content, 'A test pattern with a steady tone.');
  const request = fake.requests.at(-1)!;
  const [video] = request.videos;
  assert.equal(video?.kind, 'file');
  if (video?.kind !== 'file') return;
  assert.equal(video.mime, 'video/mp4');
  assert.ok(Math.abs(video.seconds! - 2) < 0.05 && video.hasAudio, `${video.seconds} s, sound ${video.hasAudio}`);
  assert.ok(request.texts.includes('Describe this video.'));
});

test('an MP3 posted with a question is decoded and sent as 16 kHz speech input at its pitch', async () => {
  const { sim, fake } = world;
  fake.script({ text: 'A pure tone, about A4.', chunkIntervalMs: 5 });
  await ask({ content: `${sim.botMention} which note is this?`, attachments: [{ name: 'note.mp3', data: mediaFixture('tone.mp3') }] }, /A4\.$/);
  const [audio] = fake.requests.at(-1)!.audioInputs;
  assert.deepEqual([audio?.sampleRate, audio?.channels], [16_000, 1]);
  assert.ok(Math.abs(audio!.seconds - 1) <= 0.06, `${audio!.seconds} s`);
  assert.ok(Math.abs(dominantFrequency(audio!.samples, 16_000) - 440) <= 4.4);
  assert.ok(fake.requests.at(-1)!.texts.includes('which note is this?'));
});

test("a voice message to the bot is answered with text and a voice message in the speaker's voice", async () => {
  const { sim, fake } = world;
  const alice = sim.user('alice');
  await (await alice.slash('voice set', { voice: 'Ethan' })).reply({ matching: (m) => /Ethan/.test(m.content ?? '') });
  fake.script({ text: 'Hello Alice.', chunkIntervalMs: 5 });
  const { answer: greeting } = await ask({ content: `${sim.botMention} hi` }, /Alice\.$/);

  const voice = mediaFixture('voice.ogg');
  fake.script({ text: 'I heard a tone.', audio: { toneHz: 330, seconds: 1.5 }, chunkIntervalMs: 5 });
  const text = sim.nextMessage({ channel: 'general', timeoutMs: 15_000, matching: (m) => m.interactionId === null && m.files.length === 0 });
  const voiceReply = sim.nextMessage({ channel: 'general', timeoutMs: 20_000, matching: (m) => m.files.length > 0 });
  await alice.post({ replyTo: greeting.id, voiceMessage: { data: voice, durationSecs: 1.5, waveform: Buffer.alloc(15, 128).toString('base64') } });
  await sim.messageSettles(await text, (m) => /tone\.$/.test(m.content ?? ''));

  const request = fake.requests.at(-1)!;
  assert.equal(request.audioInputs.length, 1);
  assert.ok(Math.abs(request.audioInputs[0]!.seconds - 1.5) <= 0.02);
  assert.ok(request.modalities.includes('audio'));
  assert.equal(request.voice, 'Ethan');

  const reply = await voiceReply;
  assert.equal(reply.flags & (1 << 13), 1 << 13, 'flagged as a voice message');
  const [file] = reply.files;
  assert.ok(Math.abs(file!.durationSecs! - 1.5) <= 0.01, `declared ${file!.durationSecs} s`);
  assert.equal(Buffer.from(file!.waveform!, 'base64').length, 15);
  const heard = await decodeAudio(file!.data);
  assert.ok(Math.abs(heard.seconds - 1.5) <= 0.01, `${heard.seconds} s`);
  assert.ok(Math.abs(dominantFrequency(heard.samples, 16_000) - 330) <= 3.3);
});

test('in a DM, an image is described and a voice message gets a voice message back', async () => {
  const { sim, fake } = world;
  const bob = sim.user('bob');
  const inDm = (channelId: string, files: boolean) => ({
    timeoutMs: 20_000,
    matching: (m: BotMessage) => m.channelId === channelId && m.files.length > 0 === files,
  });
  const dmChannel = sim.world.dmChannelOf(bob.id);

  fake.script({ text: 'A gradient, privately.', chunkIntervalMs: 5 });
  const described = sim.nextMessage(inDm(dmChannel, false));
  await bob.dm({ attachments: [{ name: 'private.png', data: makePng(80, 60) }] });
  await sim.messageSettles(await described, (m) => /privately\.$/.test(m.content ?? ''));
  assert.equal(fake.requests.at(-1)!.images[0]?.width, 80);

  fake.script({ text: 'Got your voice note.', audio: { toneHz: 392, seconds: 1 }, chunkIntervalMs: 5 });
  const voiceReply = sim.nextMessage(inDm(dmChannel, true));
  await bob.dm({ voiceMessage: { data: mediaFixture('voice.ogg'), durationSecs: 1.5, waveform: Buffer.alloc(15, 100).toString('base64') } });
  const reply = await voiceReply;
  assert.equal(reply.guildId, null);
  assert.equal(reply.flags & (1 << 13), 1 << 13);
  const heard = await decodeAudio(reply.files[0]!.data);
  assert.ok(Math.abs(heard.seconds - 1) <= 0.01 && Math.abs(dominantFrequency(heard.samples, 16_000) - 392) <= 3.9);
  assert.equal(fake.requests.at(-1)!.audioInputs.length, 1);
});

test('/describe as-sequence sends the images as the frames of one video', async () => {
  const { sim, fake } = world;
  fake.script({ text: 'A square grows.', chunkIntervalMs: 5 });
  const frames = [32, 48, 64].map((size, i) => ({ name: `f${i}.png`, data: makePng(size, size) }));
  const interaction = await sim.user('alice').slash('describe', { file: frames[0]!, file2: frames[1]!, file3: frames[2]!, 'as-sequence': true });
  await interaction.reply({ matching: (m) => /grows\.$/.test(m.content ?? ''), timeoutMs: 15_000 });
  const [video] = fake.requests.at(-1)!.videos;
  assert.equal(video?.kind, 'frames');
  assert.deepEqual(video?.kind === 'frames' && video.images.map((image) => image.width), [32, 48, 64]);
});

test('in a describe channel, files are described without a mention; turned off, they are not', async () => {
  const { sim, fake } = world;
  const owner = sim.user('alice');
  await (await owner.slash('describe-channel', { state: 'on' })).reply({ matching: (m) => /describe every/.test(m.content ?? '') });
  fake.script({ text: 'A plain gradient.', chunkIntervalMs: 5 });
  const first = sim.nextMessage(inChat);
  await sim.user('bob').post({ attachments: [{ name: 'x.png', data: makePng(40, 40) }] });
  await sim.messageSettles(await first, (m) => /gradient\.$/.test(m.content ?? ''));

  await (await owner.slash('describe-channel', { state: 'off' })).reply({ matching: (m) => /only answer/.test(m.content ?? '') });
  const requests = fake.requests.length;
  fake.script({ text: 'Only this one.', chunkIntervalMs: 5 });
  const next = sim.nextMessage(inChat);
  await sim.user('bob').post({ attachments: [{ name: 'ignored.png', data: makePng(40, 40) }] });
  await sim.user('bob').post({ content: `${sim.botMention} and this?`, attachments: [{ name: 'y.png', data: makePng(50, 50) }] });
  await sim.messageSettles(await next, (m) => /one\.$/.test(m.content ?? ''));
  assert.equal(fake.requests.length, requests + 1, 'only the mentioned file was sent');
  assert.equal(fake.requests.at(-1)!.images[0]?.width, 50);
});

test("when the bot is in the asker's voice channel the answer is also spoken there, unless speak is false", async () => {
  const { sim, fake } = world;
  const alice = sim.user('alice');
  await alice.joinVoice('General');
  await (await alice.slash('join')).reply({ matching: (m) => /Joined/.test(m.content ?? '') });

  fake.script({ text: 'A gradient, spoken.', audio: { toneHz: 523, seconds: 1 }, chunkIntervalMs: 5 });
  const heard = sim.botAudio.nextUtterance(20_000);
  await ask({ content: `${sim.botMention}`, attachments: [{ name: 'z.png', data: makePng(64, 32) }] }, /spoken\.$/);
  const pcm = leftChannel(await heard);
  assert.ok(Math.abs(pcm.length / 48_000 - 1) <= 0.06, `${pcm.length / 48_000} s`);
  assert.ok(Math.abs(dominantFrequency(pcm, 48_000) - 523) <= 5.2);
  assert.equal(fake.requests.at(-1)!.voice, 'Ethan', "in the asker's voice");

  fake.script({ text: 'Text only.', chunkIntervalMs: 5 });
  const interaction = await alice.slash('describe', { file: { name: 'q.png', data: makePng(64, 64) }, speak: false });
  await interaction.reply({ matching: (m) => /only\.$/.test(m.content ?? ''), timeoutMs: 15_000 });
  assert.deepEqual(fake.requests.at(-1)!.modalities, ['text']);
});

test('chat answers count against the daily cap, by modality: over it, a polite notice and no request', async () => {
  const { sim, fake } = world;
  // Bob has used some tokens in earlier tests: a cap one above that lets exactly one more answer through.
  const before = await (await sim.user('bob').slash('usage')).reply();
  const usedBefore = tokensToday(before);
  await (await sim.user('alice').slash('limits', { daily_tokens: usedBefore + 1 })).reply();
  // Several chunks: the whole text shows only in the final edit, which comes after the usage chunk.
  fake.script({ text: 'This answer is counted in the ledger.', chunkIntervalMs: 5 });
  const first = sim.nextMessage(inChat);
  await sim.user('bob').post({ content: `${sim.botMention}`, attachments: [{ name: 'c.png', data: makePng(64, 64) }] });
  await sim.messageSettles(await first, (m) => /ledger\.$/.test(m.content ?? ''));
  const usage = await (await sim.user('bob').slash('usage')).reply();
  assert.ok(tokensToday(usage, 'image') > tokensToday(before, 'image'), 'the image tokens were recorded');

  const requests = fake.requests.length;
  const notice = sim.nextMessage(inChat);
  await sim.user('bob').post({ content: `${sim.botMention}`, attachments: [{ name: 'd.png', data: makePng(64, 64) }] });
  assert.match((await notice).content ?? '', new RegExp(`today's limit of ${(usedBefore + 1).toLocaleString('en-US')} tokens`));
  assert.equal(fake.requests.length, requests);
});
