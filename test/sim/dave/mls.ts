/**
 * The MLS (RFC 9420) the DAVE delivery service needs, for DAVE protocol version 1 only (ciphersuite 2:
 * P-256 ECDSA signatures, SHA-256): the voice gateway's external sender (its signature key and basic
 * credential), Add / Remove proposals it signs as that external sender (PublicMessage, sender type
 * external), and read-only views of what members send: key packages (checked as Discord's gateway
 * checks them), commits (epoch, committer, proposal references, exact length) and welcomes (split per
 * joiner). @snazzah/davey only plays the member role, so this side is written here with node:crypto.
 */
import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { Reader, u16, u32, u64, u8, vector } from './tls.ts';

const MLS10 = 1;
/** MLS_128_DHKEMP256_AES128GCM_SHA256_P256, the only ciphersuite of DAVE protocol version 1. */
export const DAVE_CIPHERSUITE = 2;
const WIRE_PUBLIC_MESSAGE = 1;
const WIRE_KEY_PACKAGE = 5;
const SENDER_MEMBER = 1;
const SENDER_EXTERNAL = 2;
const CONTENT_PROPOSAL = 2;
const CONTENT_COMMIT = 3;
const PROPOSAL_ADD = 1;
const PROPOSAL_REMOVE = 3;
const PROPOSAL_OR_REF_PROPOSAL = 1;
const PROPOSAL_OR_REF_REFERENCE = 2;
const CREDENTIAL_BASIC = 1;
const LEAF_SOURCE_KEY_PACKAGE = 1;
const LEAF_SOURCE_UPDATE = 2;
const LEAF_SOURCE_COMMIT = 3;
const MAX_U64 = 2n ** 64n - 1n;

/** RFC 9420 5.1.2: signatures cover `SignContent { label<V> = "MLS 1.0 " + label, content<V> }`. */
function signContent(label: string, content: Uint8Array): Buffer {
  return Buffer.concat([vector(Buffer.from(`MLS 1.0 ${label}`)), vector(content)]);
}

/** RFC 9420 5.2: references are SHA-256 over `RefHashInput { label<V>, value<V> }`. */
function refHash(label: string, value: Uint8Array): Buffer {
  return createHash('sha256')
    .update(Buffer.concat([vector(Buffer.from(label)), vector(value)]))
    .digest();
}

/** A P-256 public key as MLS carries it (uncompressed SEC1 point) turned into a key node:crypto can verify with. */
function p256PublicKey(point: Buffer): KeyObject {
  if (point.length !== 65 || point[0] !== 0x04) throw new Error(`Not an uncompressed P-256 point (${point.length} bytes)`);
  const coordinate = (from: number): string => point.subarray(from, from + 32).toString('base64url');
  return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: coordinate(1), y: coordinate(33) }, format: 'jwk' });
}

/** ECDSA signatures are DER encoded, which is node:crypto's default for EC keys. */
function verifyWithLabel(point: Buffer, label: string, content: Uint8Array, signature: Buffer): boolean {
  return verify('sha256', signContent(label, content), p256PublicKey(point), signature);
}

/** A user id (snowflake) as the 8-byte big-endian basic credential identity DAVE requires. */
export function userIdentity(userId: string): Buffer {
  return u64(BigInt(userId));
}

/** The voice gateway's MLS identity: it signs the proposals that add and remove members. */
export class ExternalSender {
  private readonly privateKey: KeyObject;
  /** The uncompressed P-256 public point. */
  readonly signatureKey: Buffer;
  readonly identity: Buffer;

  constructor(identity: Buffer) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    this.privateKey = privateKey;
    this.signatureKey = Buffer.concat([Buffer.from([0x04]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
    this.identity = identity;
  }

  /** `ExternalSender { SignaturePublicKey signature_key; Credential credential; }`: the payload of op 25. */
  serialize(): Buffer {
    return Buffer.concat([vector(this.signatureKey), u16(CREDENTIAL_BASIC), vector(this.identity)]);
  }

  /** An Add proposal for a member's key package, for the group at `epoch`. */
  proposeAdd(groupId: Buffer, epoch: bigint, keyPackage: Buffer): SignedProposal {
    return this.propose(groupId, epoch, Buffer.concat([u16(PROPOSAL_ADD), keyPackage]));
  }

  /** A Remove proposal for the member at `leafIndex`. */
  proposeRemove(groupId: Buffer, epoch: bigint, leafIndex: number): SignedProposal {
    return this.propose(groupId, epoch, Buffer.concat([u16(PROPOSAL_REMOVE), u32(leafIndex)]));
  }

  /**
   * A PublicMessage from external sender 0: FramedContent, then FramedContentAuthData with the signature
   * over FramedContentTBS (no group context for external senders), and no membership tag.
   */
  private propose(groupId: Buffer, epoch: bigint, proposal: Buffer): SignedProposal {
    const content = Buffer.concat([vector(groupId), u64(epoch), u8(SENDER_EXTERNAL), u32(0), vector(), u8(CONTENT_PROPOSAL), proposal]);
    const tbs = Buffer.concat([u16(MLS10), u16(WIRE_PUBLIC_MESSAGE), content]);
    const auth = vector(sign('sha256', signContent('FramedContentTBS', tbs), this.privateKey));
    // The reference hashes AuthenticatedContent { wire_format, content, auth }.
    const ref = refHash('MLS 1.0 Proposal Reference', Buffer.concat([u16(WIRE_PUBLIC_MESSAGE), content, auth]));
    return { message: Buffer.concat([u16(MLS10), u16(WIRE_PUBLIC_MESSAGE), content, auth]), ref };
  }
}

/** An MLSMessage holding one proposal, and its ProposalRef. */
export interface SignedProposal {
  readonly message: Buffer;
  readonly ref: Buffer;
}

/** The parts of a LeafNode the gateway looks at. */
interface LeafNodeView {
  readonly signatureKey: Buffer;
  readonly credentialType: number;
  readonly identity: Buffer;
  readonly lifetime: { readonly notBefore: bigint; readonly notAfter: bigint } | undefined;
}

function readLeafNode(reader: Reader): LeafNodeView {
  reader.vector(); // encryption_key
  const signatureKey = reader.vector();
  const credentialType = reader.u16();
  // basic: identity<V>; x509: certificates<V>. Both are one vector, which is all the reader needs to skip.
  const identity = reader.vector();
  for (let i = 0; i < 5; i++) reader.vector(); // capabilities: versions, cipher_suites, extensions, proposals, credentials
  const source = reader.u8();
  let lifetime: LeafNodeView['lifetime'];
  if (source === LEAF_SOURCE_KEY_PACKAGE) lifetime = { notBefore: reader.u64(), notAfter: reader.u64() };
  else if (source === LEAF_SOURCE_COMMIT)
    reader.vector(); // parent_hash
  else if (source !== LEAF_SOURCE_UPDATE) throw new Error(`Unknown leaf node source ${source}`);
  reader.vector(); // extensions
  reader.vector(); // signature
  return { signatureKey, credentialType, identity, lifetime };
}

/** A member's key package (op 26), validated. */
export interface KeyPackageView {
  /** The KeyPackage struct (without an MLSMessage wrapper), as it goes into an Add proposal. */
  readonly bytes: Buffer;
  /** KeyPackageRef: how a Welcome names the secrets encrypted to this key package. */
  readonly ref: Buffer;
}

/**
 * Reads and validates a key package the way the DAVE gateway does: ciphersuite 2, a basic credential whose
 * identity is the sender's user id, the maximal lifetime, and a valid signature. Accepts the KeyPackage
 * alone (what @snazzah/davey and libdave send) or wrapped in an MLSMessage (what protocol.md names).
 */
export function readKeyPackage(payload: Buffer, userId: string): KeyPackageView {
  let bytes = payload;
  if (payload.readUInt16BE(0) === MLS10 && payload.readUInt16BE(2) === WIRE_KEY_PACKAGE) bytes = payload.subarray(4);
  const reader = new Reader(bytes);
  const version = reader.u16();
  const cipherSuite = reader.u16();
  if (version !== MLS10 || cipherSuite !== DAVE_CIPHERSUITE) throw new Error(`Key package for MLS version ${version}, ciphersuite ${cipherSuite}`);
  reader.vector(); // init_key
  const leaf = readLeafNode(reader);
  reader.vector(); // extensions
  const tbsEnd = reader.offset;
  const signature = reader.vector();
  if (!reader.done) throw new Error(`${bytes.length - reader.offset} bytes after the key package`);
  if (leaf.credentialType !== CREDENTIAL_BASIC) throw new Error(`Credential type ${leaf.credentialType} is not basic`);
  if (!leaf.identity.equals(userIdentity(userId))) throw new Error(`Credential identity ${leaf.identity.toString('hex')} is not user ${userId}`);
  if (leaf.lifetime?.notBefore !== 0n || leaf.lifetime.notAfter !== MAX_U64) throw new Error('Key package lifetime is not the maximal span DAVE requires');
  if (!verifyWithLabel(leaf.signatureKey, 'KeyPackageTBS', bytes.subarray(0, tbsEnd), signature)) throw new Error('Key package signature does not verify');
  return { bytes, ref: refHash('MLS 1.0 KeyPackage Reference', bytes) };
}

/** What the gateway reads from a commit (op 28) to pick a winner and track the tree. */
export interface CommitView {
  /** The whole MLSMessage, relayed unchanged in op 29. */
  readonly message: Buffer;
  readonly groupId: Buffer;
  readonly epoch: bigint;
  /** The committer's leaf index. */
  readonly senderLeaf: number;
  /** ProposalRefs in commit order. */
  readonly refs: readonly Buffer[];
  /** Proposals carried by value: DAVE allows none. */
  readonly inlineProposals: number;
}

/** Reads an MLSMessage(PublicMessage(commit)) from the start of `reader`, leaving it just after. */
export function readCommit(reader: Reader): CommitView {
  const start = reader.offset;
  const version = reader.u16();
  const wireFormat = reader.u16();
  if (version !== MLS10 || wireFormat !== WIRE_PUBLIC_MESSAGE)
    throw new Error(`Commit is not a public MLS 1.0 message (version ${version}, wire format ${wireFormat})`);
  const groupId = reader.vector();
  const epoch = reader.u64();
  const senderType = reader.u8();
  if (senderType !== SENDER_MEMBER) throw new Error(`Commit sender type ${senderType} is not a member`);
  const senderLeaf = reader.u32();
  reader.vector(); // authenticated_data
  const contentType = reader.u8();
  if (contentType !== CONTENT_COMMIT) throw new Error(`Content type ${contentType} is not a commit`);
  const proposals = new Reader(reader.vector());
  const refs: Buffer[] = [];
  let inlineProposals = 0;
  while (!proposals.done) {
    const kind = proposals.u8();
    if (kind === PROPOSAL_OR_REF_REFERENCE) refs.push(proposals.vector());
    else if (kind === PROPOSAL_OR_REF_PROPOSAL) {
      // Parsing every proposal type is not worth it: DAVE commits must carry references only.
      inlineProposals++;
      break;
    } else throw new Error(`Unknown ProposalOrRef type ${kind}`);
  }
  if (inlineProposals) return { message: reader.since(start), groupId, epoch, senderLeaf, refs, inlineProposals };
  if (reader.u8() === 1) {
    readLeafNode(reader); // UpdatePath.leaf_node
    reader.vector(); // UpdatePath.nodes
  }
  reader.vector(); // signature
  reader.vector(); // confirmation_tag
  reader.vector(); // membership_tag (sender is a member)
  return { message: reader.since(start), groupId, epoch, senderLeaf, refs, inlineProposals };
}

/** One joiner's entry in a Welcome. */
interface WelcomeSecret {
  readonly newMember: Buffer;
  readonly bytes: Buffer;
}

/** A Welcome (bare struct, as DAVE carries it): `cipher_suite, secrets<V>, encrypted_group_info<V>`. */
export class WelcomeView {
  readonly cipherSuite: number;
  readonly secrets: readonly WelcomeSecret[];
  readonly groupInfo: Buffer;

  constructor(bytes: Buffer) {
    const reader = new Reader(bytes);
    this.cipherSuite = reader.u16();
    const secrets = new Reader(reader.vector());
    const list: WelcomeSecret[] = [];
    while (!secrets.done) {
      const start = secrets.offset;
      const newMember = secrets.vector();
      secrets.vector(); // kem_output
      secrets.vector(); // ciphertext
      list.push({ newMember, bytes: secrets.since(start) });
    }
    this.secrets = list;
    this.groupInfo = reader.vector();
    if (!reader.done) throw new Error(`${bytes.length - reader.offset} bytes after the welcome`);
  }

  /** The Welcome reduced to the secrets of one key package (what op 30 sends each joiner), or undefined. */
  for(keyPackageRef: Buffer): Buffer | undefined {
    const secret = this.secrets.find((s) => s.newMember.equals(keyPackageRef));
    return secret && Buffer.concat([u16(this.cipherSuite), vector(secret.bytes), vector(this.groupInfo)]);
  }
}
