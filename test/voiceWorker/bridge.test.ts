// The main thread's half of the worker bridge, without Discord or a worker: what RemoteGuildVoice and
// RemotePlayback post for gateway events and replies, what they do with the worker's answers, and that every
// reply's `finished` resolves, also when the worker dies.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DiscordGatewayAdapterLibraryMethods } from '@discordjs/voice';
import { createLogger } from '../../src/log.ts';
import type { HeardSpeech } from '../../src/discord/voice/GuildVoice.ts';
import type { VoiceJoinRequest } from '../../src/discord/voice/VoiceHost.ts';
import { epochNow, fromEpoch, transferableSamples, type ToWorker } from '../../src/voiceWorker/protocol.ts';
import { RemoteGuildVoice, type RemotePlayback, type WorkerChannel } from '../../src/voiceWorker/RemoteGuildVoice.ts';

class FakeWorker implements WorkerChannel {
  readonly workerId = 7;
  readonly modelStreamer = undefined;
  readonly posted: Array<{ message: ToWorker; transfer: ArrayBuffer[] }> = [];
  readonly replies = new Map<number, RemotePlayback>();
  #ids = 0;
  post(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.posted.push({ message, transfer });
  }
  nextReplyId(): number {
    return ++this.#ids;
  }
  trackReply(replyId: number, reply: RemotePlayback): void {
    this.replies.set(replyId, reply);
  }
  types(): string[] {
    return this.posted.map((p) => p.message.type);
  }
}

function setUp() {
  const worker = new FakeWorker();
  const sent: unknown[] = [];
  let destroyed = 0;
  let methods: DiscordGatewayAdapterLibraryMethods | undefined;
  const events: { speech: HeardSpeech[]; tentative: HeardSpeech[]; resumed: string[]; gone: string[]; lost: string[] } = {
    speech: [],
    tentative: [],
    resumed: [],
    gone: [],
    lost: [],
  };
  const request: VoiceJoinRequest = {
    guildId: 'g1',
    channelId: 'c1',
    botUserId: 'bot',
    ignoredUsers: ['otherBot'],
    log: createLogger('silent'),
    adapterCreator: (libraryMethods) => {
      methods = libraryMethods;
      return {
        sendPayload: (payload) => {
          sent.push(payload);
          return true;
        },
        destroy: () => void destroyed++,
      };
    },
    listener: {
      onSpeechStart: () => {},
      onUtterance: (speech) => events.speech.push(speech),
      onTentativeEnd: (speech) => events.tentative.push(speech),
      onResumed: (userId) => events.resumed.push(userId),
      onGone: (reason) => events.gone.push(reason),
      onLost: (reason) => events.lost.push(reason),
    },
  };
  const voice = new RemoteGuildVoice(worker, request);
  return { worker, voice, sent, events, methods: () => methods!, destroyed: () => destroyed };
}

test('gateway events go to the worker, its payloads go to the shard, and the channel follows a move', () => {
  const { worker, voice, sent, methods, destroyed } = setUp();
  assert.deepEqual(worker.posted[0]!.message, { type: 'join', guildId: 'g1', channelId: 'c1', botUserId: 'bot', ignoredUsers: ['otherBot'] });
  methods().onVoiceServerUpdate({ guild_id: 'g1', token: 't', endpoint: 'e' });
  methods().onVoiceStateUpdate({ guild_id: 'g1', channel_id: 'c2', user_id: 'bot', session_id: 's' } as never);
  assert.deepEqual(worker.types().slice(1), ['voice-server-update', 'voice-state-update']);
  assert.equal(voice.channelId, 'c2');
  voice.receive({ type: 'gateway-send', guildId: 'g1', payload: { op: 4, d: { channel_id: 'c2' } } });
  assert.deepEqual(sent, [{ op: 4, d: { channel_id: 'c2' } }]);
  methods().destroy();
  assert.equal(worker.posted.at(-1)!.message.type, 'adapter-destroy');
  voice.receive({ type: 'adapter-destroyed', guildId: 'g1' });
  assert.equal(destroyed(), 1);
});

test('an utterance arrives as samples on this thread clock; leaving resolves when the worker says gone', async () => {
  const { voice, events } = setUp();
  voice.receive({ type: 'joined', guildId: 'g1' });
  assert.equal(await voice.joined, voice);
  const samples = Int16Array.from([1, -2, 3]);
  const before = performance.now();
  const endedAt = epochNow();
  voice.receive({ type: 'utterance', guildId: 'g1', userId: 'alice', pcm: transferableSamples(samples), endedAt });
  assert.deepEqual([...events.speech[0]!.samples], [1, -2, 3]);
  assert.ok(Math.abs(events.speech[0]!.endedAtMs - fromEpoch(endedAt)) < 1e-6);
  // Back on this thread's clock: between the moments around it (order, not a time limit; 1 ms for rounding).
  assert.ok(fromEpoch(endedAt) >= before - 1 && fromEpoch(endedAt) <= performance.now() + 1);
  const left = voice.leave();
  voice.receive({ type: 'gone', guildId: 'g1', reason: 'left the voice channel' });
  await left;
  assert.deepEqual(events.gone, ['left the voice channel']);
});

test('a tentative end arrives as samples on this thread clock, then the resume; nothing before joined', async () => {
  const { voice, events } = setUp();
  voice.receive({ type: 'resumed', guildId: 'g1', userId: 'alice' });
  voice.receive({ type: 'joined', guildId: 'g1' });
  await voice.joined;
  const endedAt = epochNow();
  voice.receive({ type: 'tentative-end', guildId: 'g1', userId: 'alice', pcm: transferableSamples(Int16Array.from([4, 5])), endedAt });
  voice.receive({ type: 'resumed', guildId: 'g1', userId: 'alice' });
  assert.equal(events.tentative.length, 1);
  assert.equal(events.tentative[0]!.speakerId, 'alice');
  assert.deepEqual([...events.tentative[0]!.samples], [4, 5]);
  assert.ok(Math.abs(events.tentative[0]!.endedAtMs - fromEpoch(endedAt)) < 1e-6);
  assert.deepEqual(events.resumed, ['alice']);
  assert.deepEqual(events.speech, [], 'a tentative end is not an utterance');
});

test('reply audio crosses as a transferred copy; finished carries the worker figure, capped at what was sent', async () => {
  const { worker, voice } = setUp();
  voice.receive({ type: 'joined', guildId: 'g1' });
  const reply = voice.startReply({ jitterMs: 100 });
  const chunk = new Int16Array(2400).fill(5); // 100 ms at 24 kHz
  reply.push(chunk);
  assert.equal(chunk[0], 5, "the caller's chunk is left alone");
  const audio = worker.posted.find((p) => p.message.type === 'reply-audio')!;
  assert.ok(audio.message.type === 'reply-audio' && audio.message.pcm instanceof ArrayBuffer);
  assert.deepEqual(audio.transfer, [audio.message.pcm], 'the samples are in the transfer list');
  assert.equal(reply.started, true, 'the jitter buffer holds 100 ms');
  reply.end();
  reply.stop();
  assert.deepEqual(worker.types().slice(-3), ['reply-audio', 'reply-end', 'reply-stop']);
  worker.replies.get(1)!.settle(250);
  assert.equal(await reply.finished, 100);
});

test('a dead worker: the join fails with a readable reason, or a joined guild is lost and its replies finish', async () => {
  const joining = setUp();
  joining.voice.lost('worker 7 stopped');
  await assert.rejects(joining.voice.joined, /voice worker died/);
  assert.equal(joining.destroyed(), 1, 'the gateway side is released');

  const { voice, events, destroyed } = setUp();
  voice.receive({ type: 'joined', guildId: 'g1' });
  const reply = voice.startReply({ jitterMs: 0 });
  reply.push(new Int16Array(24_000));
  voice.lost('worker 7 stopped');
  const played = await reply.finished;
  assert.ok(played >= 0 && played <= 1000);
  assert.deepEqual(events.lost, ['worker 7 stopped']);
  assert.equal(destroyed(), 1);
  assert.equal(await voice.startReply({ jitterMs: 0 }).finished, 0, 'a reply to a lost guild finishes at once');
});

test('transferableSamples hands over a whole buffer and copies a view into a larger one', () => {
  const whole = new Int16Array(4);
  assert.equal(transferableSamples(whole), whole.buffer);
  const pooled = Buffer.alloc(64, 1);
  const view = new Int16Array(pooled.buffer, pooled.byteOffset, 8);
  const copy = transferableSamples(view);
  assert.notEqual(copy, pooled.buffer);
  assert.equal(copy.byteLength, 16);
  structuredClone(copy, { transfer: [copy] });
  assert.equal(pooled[0], 1, 'the pool is intact after the copy was transferred');
});
