/**
 * The voice gateway's DAVE role for one call: MLS delivery service and external sender (protocol.md,
 * "Group Key Exchange"). It sends its external sender package to each member, turns key packages into
 * Add proposals and departures into Remove proposals, relays the first valid commit per epoch (op 29 to
 * the members who had the group, op 30 with their own part of the Welcome to the joiners), and executes
 * each transition once every member reported ready. A group down to one member is reset (op 24 + op 21).
 *
 * One round at a time: while proposals await a commit or a transition awaits its members, further
 * changes wait (protocol.md allows delaying proposals), so no member ever sees proposals for a commit
 * it is still waiting on. Timeouts for members that never answer are not simulated.
 */
import { DAVE_OP, DAVE_PROTOCOL_VERSION, PROPOSALS_APPEND, withTransitionId } from './opcodes.ts';
import { ExternalSender, readCommit, readKeyPackage, WelcomeView } from './mls.ts';
import type { CommitView, KeyPackageView, SignedProposal } from './mls.ts';
import { Reader, u64, u8, vector } from './tls.ts';

/** How the delivery service reaches one member (the bot over its voice WebSocket, or a simulated user). */
export interface DaveLink {
  readonly userId: string;
  /** A binary op; the transport adds the sequence number. */
  binary(op: number, payload: Buffer): void;
  json(op: number, d: Record<string, unknown>): void;
}

/** A protocol step, kept for assertions and logs. */
export type DaveEvent =
  | {
      readonly kind: 'commit';
      readonly epoch: bigint;
      readonly transitionId: number;
      readonly committer: string;
      readonly added: readonly string[];
      readonly removed: readonly string[];
    }
  | { readonly kind: 'executed'; readonly epoch: bigint; readonly transitionId: number; readonly members: readonly string[] }
  | { readonly kind: 'reset'; readonly soleMember: string };

/** The group as the gateway sees it. */
export interface GroupState {
  readonly epoch: bigint;
  readonly established: boolean;
  /** User ids in leaf order (blank leaves skipped). */
  readonly members: readonly string[];
}

interface Proposal {
  readonly kind: 'add' | 'remove';
  readonly userId: string;
  /** Remove: the leaf. Add: the key package proposed (the member may have sent a newer one since). */
  readonly leaf?: number;
  readonly keyPackage?: KeyPackageView;
}

/** Proposals broadcast for one epoch, waiting for a commit. */
interface Round {
  readonly epoch: bigint;
  readonly proposals: Map<string, Proposal>;
  /** Per committing member, the refs it was sent: its commit must reference exactly these. */
  readonly expected: Map<string, Set<string>>;
}

interface Transition {
  readonly id: number;
  readonly waiting: Set<string>;
}

export class DeliveryService {
  readonly groupId: Buffer;
  readonly sender: ExternalSender;
  readonly events: DaveEvent[] = [];
  /** Commits that lost the race for their epoch (normal: every member commits). */
  lateCommits = 0;
  /** Commits refused as invalid (wrong epoch or proposals, ...), and op 31 reports received. */
  rejectedCommits = 0;
  invalidReports = 0;
  private epoch = 0n;
  private established = false;
  /** Leaf index -> user id (null: blank leaf). */
  private leaves: Array<string | null> = [];
  private readonly links = new Map<string, DaveLink>();
  private readonly keyPackages = new Map<string, KeyPackageView>();
  private round: Round | undefined;
  private transition: Transition | undefined;
  private nextTransitionId = 1;
  private readonly settleWaiters = new Set<() => void>();
  private readonly log: (line: string) => void;

  constructor(channelId: string, log: (line: string) => void) {
    // DAVE's group id is the channel id, 8 bytes big-endian; the credential identity is ours to pick.
    this.groupId = u64(BigInt(channelId));
    this.sender = new ExternalSender(Buffer.from('sim-voice-gateway'));
    this.log = (line) => log(`DAVE ${line}`);
  }

  get state(): GroupState {
    return { epoch: this.epoch, established: this.established, members: this.leaves.filter((id): id is string => id !== null) };
  }

  /** Users connected to the call (what ops 11/13 told the members). */
  get connected(): string[] {
    return [...this.links.keys()];
  }

  /** True when every connected user is in the established group and nothing is in flight. */
  get settled(): boolean {
    const members = new Set(this.state.members);
    return this.established && !this.round && !this.transition && this.keyPackages.size === 0 && this.connected.every((id) => members.has(id));
  }

  /** Resolves once `settled` holds (now or later). */
  whenSettled(): Promise<GroupState> {
    if (this.settled) return Promise.resolve(this.state);
    return new Promise((resolve) => {
      const check = (): void => {
        if (!this.settled) return;
        this.settleWaiters.delete(check);
        resolve(this.state);
      };
      this.settleWaiters.add(check);
    });
  }

  /** A member joined the call: it needs the external sender before it can make or join a group. */
  connect(link: DaveLink): void {
    this.links.set(link.userId, link);
    link.binary(DAVE_OP.externalSender, this.sender.serialize());
  }

  /** A member left the call (or its connection was replaced): it is proposed for removal. */
  disconnect(userId: string): void {
    if (!this.links.delete(userId)) return;
    this.keyPackages.delete(userId);
    if (this.round) {
      this.round.expected.delete(userId);
      // Nobody left to commit these proposals: drop them and start over.
      if (this.round.expected.size === 0) this.round = undefined;
    }
    if (this.transition?.waiting.delete(userId)) this.maybeExecute();
    this.startRound();
  }

  /** A client's binary op (opcode byte already split off). */
  receiveBinary(userId: string, op: number, payload: Buffer): void {
    if (!this.links.has(userId)) {
      this.log(`<< op ${op} from ${userId}, who is not in the call: ignored`);
      return;
    }
    this.log(`<< op ${op} (${payload.length} bytes) from ${userId}`);
    if (op === DAVE_OP.keyPackage) {
      this.onKeyPackage(userId, payload);
      return;
    }
    if (op === DAVE_OP.commitWelcome) {
      this.onCommit(userId, payload);
      return;
    }
    this.log(`   unexpected binary op ${op}`);
  }

  /** A client's JSON op 23 or 31. */
  receiveJson(userId: string, op: number, d: Record<string, unknown>): void {
    this.log(`<< op ${op} ${JSON.stringify(d)} from ${userId}`);
    if (op === DAVE_OP.readyForTransition) {
      const transition = this.transition;
      if (transition && transition.id === d.transition_id && transition.waiting.delete(userId)) this.maybeExecute();
      return;
    }
    if (op === DAVE_OP.invalidCommitWelcome) {
      // The member resets and sends a new key package, which then replaces its leaf.
      this.invalidReports++;
      if (this.transition?.waiting.delete(userId)) this.maybeExecute();
    }
  }

  private onKeyPackage(userId: string, payload: Buffer): void {
    let keyPackage: KeyPackageView;
    try {
      keyPackage = readKeyPackage(payload, userId);
    } catch (error) {
      this.log(`   key package from ${userId} rejected: ${(error as Error).message}`);
      return;
    }
    this.keyPackages.set(userId, keyPackage);
    this.startRound();
  }

  /** Sends the proposals the current membership calls for, if no round or transition is in flight. */
  private startRound(): void {
    if (this.round || this.transition) return;
    const pending = [...this.keyPackages.keys()].filter((id) => this.links.has(id));
    if (!this.established) {
      this.proposeInitialGroup(pending);
      return;
    }
    const removals = this.leaves.flatMap((id, leaf) => (id !== null && (!this.links.has(id) || this.keyPackages.has(id)) ? [{ id, leaf }] : []));
    const committers = this.state.members.filter((id) => this.links.has(id) && !this.keyPackages.has(id));
    if (removals.length === 0 && pending.length === 0) return;
    if (committers.length === 0) {
      // Nobody holds the group any more: whoever is pending creates a new one.
      this.resetGroup();
      this.proposeInitialGroup(pending);
      return;
    }
    if (committers.length === 1 && pending.length === 0) {
      this.soleMemberReset(committers[0]!);
      return;
    }
    const proposals = new Map<string, Proposal>();
    const messages: Buffer[] = [];
    const add = (signed: SignedProposal, proposal: Proposal): void => {
      proposals.set(signed.ref.toString('hex'), proposal);
      messages.push(signed.message);
    };
    for (const { id, leaf } of removals) add(this.sender.proposeRemove(this.groupId, this.epoch, leaf), { kind: 'remove', userId: id, leaf });
    for (const id of pending) {
      const keyPackage = this.keyPackages.get(id)!;
      add(this.sender.proposeAdd(this.groupId, this.epoch, keyPackage.bytes), { kind: 'add', userId: id, keyPackage });
    }
    const refs = new Set(proposals.keys());
    this.round = { epoch: this.epoch, proposals, expected: new Map(committers.map((id) => [id, refs])) };
    for (const id of committers) this.sendProposals(id, messages);
  }

  /**
   * No group yet: every pending member has a local group of its own and is sent Add proposals for all
   * the others; the first commit wins and welcomes the rest (protocol.md, "Initial Group Creation").
   */
  private proposeInitialGroup(pending: readonly string[]): void {
    if (pending.length < 2) return;
    const proposals = new Map<string, Proposal>();
    const adds = new Map<string, SignedProposal>();
    for (const id of pending) {
      const keyPackage = this.keyPackages.get(id)!;
      const signed = this.sender.proposeAdd(this.groupId, 0n, keyPackage.bytes);
      adds.set(id, signed);
      proposals.set(signed.ref.toString('hex'), { kind: 'add', userId: id, keyPackage });
    }
    const expected = new Map<string, Set<string>>();
    this.round = { epoch: 0n, proposals, expected };
    for (const id of pending) {
      const others = [...adds].filter(([other]) => other !== id).map(([, signed]) => signed);
      expected.set(id, new Set(others.map((signed) => signed.ref.toString('hex'))));
      this.sendProposals(
        id,
        others.map((signed) => signed.message),
      );
    }
  }

  private sendProposals(userId: string, messages: readonly Buffer[]): void {
    this.log(`>> op 27: ${messages.length} proposal(s) for epoch ${this.round?.epoch} to ${userId}`);
    this.links.get(userId)?.binary(DAVE_OP.proposals, Buffer.concat([u8(PROPOSALS_APPEND), vector(...messages)]));
  }

  /** Op 28: relay the first valid commit for the round's epoch; ignore the rest. */
  private onCommit(userId: string, payload: Buffer): void {
    const reader = new Reader(payload);
    let problem: string | undefined;
    try {
      const commit = readCommit(reader);
      const welcome = reader.done ? undefined : new WelcomeView(payload.subarray(reader.offset));
      if (commit.epoch < this.epoch) {
        this.lateCommits++;
        this.log(`   commit from ${userId} for epoch ${commit.epoch} is late: another one won`);
        return;
      }
      problem = this.accept(userId, commit, welcome);
    } catch (error) {
      problem = (error as Error).message;
    }
    if (problem) {
      this.rejectedCommits++;
      this.log(`   commit from ${userId} not relayed: ${problem}`);
    }
  }

  /** Returns why the commit is not relayed, or relays it and returns undefined. */
  private accept(userId: string, commit: CommitView, welcome: WelcomeView | undefined): string | undefined {
    const round = this.round;
    if (!round) return 'no proposals are waiting for a commit';
    if (!commit.groupId.equals(this.groupId)) return 'another group';
    if (commit.epoch !== round.epoch) return `epoch ${commit.epoch}, expected ${round.epoch}`;
    if (commit.inlineProposals) return 'proposals by value (DAVE allows references only)';
    const expected = round.expected.get(userId);
    const refs = commit.refs.map((ref) => ref.toString('hex'));
    if (!expected || refs.length !== expected.size || !refs.every((ref) => expected.has(ref))) return 'it does not reference exactly the proposals sent';
    if (this.established ? this.leaves[commit.senderLeaf] !== userId : commit.senderLeaf !== 0) return `sent from leaf ${commit.senderLeaf}`;
    const applied = refs.map((ref) => round.proposals.get(ref)!);
    const adds = applied.filter((p) => p.kind === 'add');
    const added = adds.map((p) => p.userId);
    const welcomes = new Map<string, Buffer>();
    for (const p of adds) {
      const part = welcome?.for(p.keyPackage!.ref);
      if (!part) return `no welcome for ${p.userId}`;
      welcomes.set(p.userId, part);
    }

    // The winner. Who held the group before it (and gets the commit): its remaining members, or the
    // committer alone when it creates the group. Members removed and re-added are joiners instead.
    const removed = applied.filter((p) => p.kind === 'remove');
    const holders = this.established ? this.state.members.filter((id) => !removed.some((p) => p.userId === id)) : [userId];
    if (!this.established) {
      this.leaves = [userId];
      // The committer's own Add was never sent to it: its key package is spent with the group it made.
      this.keyPackages.delete(userId);
    }
    for (const p of removed) this.leaves[p.leaf!] = null;
    // Adds fill the leftmost blank leaf, else extend the tree (RFC 9420 12.1.1), in commit order.
    for (const id of added) {
      const blank = this.leaves.indexOf(null);
      if (blank >= 0) this.leaves[blank] = id;
      else this.leaves.push(id);
    }
    while (this.leaves.length && this.leaves.at(-1) === null) this.leaves.pop();
    this.epoch = round.epoch + 1n;
    this.established = true;
    this.round = undefined;
    // A key package is spent once welcomed; one sent after the proposal stays for the next round.
    for (const p of adds) if (this.keyPackages.get(p.userId) === p.keyPackage) this.keyPackages.delete(p.userId);
    const id = this.nextTransitionId;
    this.nextTransitionId = (id % 0xffff) + 1;
    const members = new Set(this.state.members);
    this.transition = { id, waiting: new Set(this.connected.filter((user) => members.has(user))) };
    this.events.push({ kind: 'commit', epoch: this.epoch, transitionId: id, committer: userId, added, removed: removed.map((p) => p.userId) });
    this.log(`   commit from ${userId} wins: epoch ${this.epoch}, transition ${id}, +[${added}] -[${removed.map((p) => p.userId)}]`);
    for (const holder of holders) if (members.has(holder)) this.links.get(holder)?.binary(DAVE_OP.announceCommit, withTransitionId(id, commit.message));
    for (const [joiner, part] of welcomes) this.links.get(joiner)?.binary(DAVE_OP.welcome, withTransitionId(id, part));
    this.maybeExecute();
    return undefined;
  }

  private maybeExecute(): void {
    const transition = this.transition;
    if (!transition || transition.waiting.size > 0) return;
    this.transition = undefined;
    const members = this.state.members;
    this.events.push({ kind: 'executed', epoch: this.epoch, transitionId: transition.id, members });
    this.log(`>> op 22 execute transition ${transition.id} (epoch ${this.epoch}, members ${members})`);
    for (const id of members) this.links.get(id)?.json(DAVE_OP.executeTransition, { transition_id: transition.id });
    this.startRound();
    for (const check of [...this.settleWaiters]) check();
  }

  /** One member left in the group: it starts over with a fresh pending group and key package. */
  private soleMemberReset(userId: string): void {
    this.resetGroup();
    this.events.push({ kind: 'reset', soleMember: userId });
    this.log(`>> op 24 + op 21: sole member reset for ${userId}`);
    const link = this.links.get(userId);
    link?.json(DAVE_OP.prepareEpoch, { protocol_version: DAVE_PROTOCOL_VERSION, epoch: 1 });
    link?.json(DAVE_OP.prepareTransition, { protocol_version: DAVE_PROTOCOL_VERSION, transition_id: 0 });
  }

  private resetGroup(): void {
    this.established = false;
    this.epoch = 0n;
    this.leaves = [];
  }
}
