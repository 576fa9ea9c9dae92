// The simulator's hand-written MLS pieces against @snazzah/davey (openmls): the `<V>` length header, key
// package validation, external-sender proposals davey accepts, and the commit / welcome views.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import davey from '@snazzah/davey';
import { ExternalSender, readCommit, readKeyPackage, WelcomeView } from './sim/dave/mls.ts';
import { Reader, u64, varint, vector } from './sim/dave/tls.ts';

const CHANNEL = '1300000000000000001';
const ALICE = '1300000000000000002';
const BOB = '1300000000000000003';

test('<V> length headers use the shortest of 1, 2 or 4 bytes and read back', () => {
  for (const [length, bytes] of [
    [0, 1],
    [63, 1],
    [64, 2],
    [16_383, 2],
    [16_384, 4],
    [2 ** 30 - 1, 4],
  ] as const) {
    const header = varint(length);
    assert.equal(header.length, bytes, `${length}`);
    assert.equal(new Reader(header).varint(), length);
  }
  assert.throws(() => varint(2 ** 30));
  assert.throws(() => new Reader(Buffer.from([0xc0, 0, 0, 0, 0, 0, 0, 0])).varint(), /0b11/);
});

test('key packages are checked like the DAVE gateway does: identity, lifetime, signature', () => {
  const alice = new davey.DAVESession(1, ALICE, CHANNEL);
  const keyPackage = alice.getSerializedKeyPackage();
  assert.equal(readKeyPackage(keyPackage, ALICE).bytes.length, keyPackage.length);
  assert.throws(() => readKeyPackage(keyPackage, BOB), /is not user/);
  const tampered = Buffer.from(keyPackage);
  tampered[tampered.length - 10]! ^= 0x01; // inside the DER signature
  assert.throws(() => readKeyPackage(tampered, ALICE));
});

test('davey accepts Add / Remove proposals signed by the external sender; commit and welcome views match', () => {
  const gateway = new ExternalSender(Buffer.from('test-gateway'));
  const groupId = u64(BigInt(CHANNEL));
  const alice = new davey.DAVESession(1, ALICE, CHANNEL);
  const bob = new davey.DAVESession(1, BOB, CHANNEL);
  alice.setExternalSender(gateway.serialize());
  bob.setExternalSender(gateway.serialize());
  const bobPackage = readKeyPackage(bob.getSerializedKeyPackage(), BOB);

  const add = gateway.proposeAdd(groupId, 0n, bobPackage.bytes);
  const { commit, welcome } = alice.processProposals(0, vector(add.message), [ALICE, BOB]);
  assert.ok(commit && welcome);
  const view = readCommit(new Reader(Buffer.concat([commit, welcome])));
  assert.equal(view.message.length, commit.length, 'the commit ends exactly where the welcome starts');
  assert.deepEqual({ epoch: view.epoch, senderLeaf: view.senderLeaf, inline: view.inlineProposals }, { epoch: 0n, senderLeaf: 0, inline: 0 });
  assert.deepEqual(view.refs, [add.ref], 'our ProposalRef is the one openmls computed');
  const forBob = new WelcomeView(welcome).for(bobPackage.ref);
  assert.ok(forBob);
  assert.equal(new WelcomeView(welcome).for(Buffer.alloc(32)), undefined);

  alice.processCommit(commit);
  bob.processWelcome(forBob);
  assert.equal(alice.epoch, 1n);
  assert.deepEqual(bob.getUserIds().sort(), [ALICE, BOB]);
  assert.equal(alice.voicePrivacyCode, bob.voicePrivacyCode);

  const remove = gateway.proposeRemove(groupId, 1n, 1);
  const removal = alice.processProposals(0, vector(remove.message), [ALICE]);
  assert.ok(removal.commit && !removal.welcome);
  assert.deepEqual(readCommit(new Reader(removal.commit)).refs, [remove.ref]);
  alice.processCommit(removal.commit);
  assert.deepEqual(alice.getUserIds(), [ALICE]);
});

test('davey refuses proposals signed by anyone but the announced external sender', () => {
  const gateway = new ExternalSender(Buffer.from('test-gateway'));
  const impostor = new ExternalSender(Buffer.from('test-gateway'));
  const alice = new davey.DAVESession(1, ALICE, CHANNEL);
  const bob = new davey.DAVESession(1, BOB, CHANNEL);
  alice.setExternalSender(gateway.serialize());
  const forged = impostor.proposeAdd(u64(BigInt(CHANNEL)), 0n, bob.getSerializedKeyPackage());
  assert.throws(() => alice.processProposals(0, vector(forged.message), [ALICE, BOB]));
});
