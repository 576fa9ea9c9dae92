/**
 * DAVE's voice gateway opcodes (protocol.md, "Voice Gateway Opcodes"). JSON ones travel like any other
 * voice op; binary ones are framed as `uint16 sequence, uint8 opcode, payload` from the server and
 * `uint8 opcode, payload` from the client. The server's sequence numbers are shared with its JSON ops.
 */
import { u16, u8 } from './tls.ts';

export const DAVE_OP = {
  /** JSON, server: `{protocol_version, transition_id}`; id 0 means execute at once. */
  prepareTransition: 21,
  /** JSON, server: `{transition_id}`. */
  executeTransition: 22,
  /** JSON, client: `{transition_id}`. */
  readyForTransition: 23,
  /** JSON, server: `{protocol_version, epoch}`; epoch 1 means (re)create the group. */
  prepareEpoch: 24,
  /** Binary, server: ExternalSender. */
  externalSender: 25,
  /** Binary, client: KeyPackage. */
  keyPackage: 26,
  /** Binary, server: uint8 operation type, then MLSMessage proposals<V> (append) or ProposalRef refs<V> (revoke). */
  proposals: 27,
  /** Binary, client: MLSMessage commit, then a Welcome when the commit adds members. */
  commitWelcome: 28,
  /** Binary, server: uint16 transition_id, MLSMessage commit. */
  announceCommit: 29,
  /** Binary, server: uint16 transition_id, Welcome. */
  welcome: 30,
  /** JSON, client: `{transition_id}`. */
  invalidCommitWelcome: 31,
} as const;

export const PROPOSALS_APPEND = 0;

/** The DAVE protocol version this simulator speaks (MLS ciphersuite 2). */
export const DAVE_PROTOCOL_VERSION = 1;

export function serverFrame(sequence: number, op: number, payload: Buffer): Buffer {
  return Buffer.concat([u16(sequence & 0xffff), u8(op), payload]);
}

export function readServerFrame(frame: Buffer): { sequence: number; op: number; payload: Buffer } {
  return { sequence: frame.readUInt16BE(0), op: frame[2]!, payload: frame.subarray(3) };
}

export function clientFrame(op: number, payload: Buffer): Buffer {
  return Buffer.concat([u8(op), payload]);
}

export function readClientFrame(frame: Buffer): { op: number; payload: Buffer } {
  return { op: frame[0]!, payload: frame.subarray(1) };
}

/** A transition id and a message after it (ops 29 and 30). */
export function withTransitionId(id: number, body: Buffer): Buffer {
  return Buffer.concat([u16(id), body]);
}
