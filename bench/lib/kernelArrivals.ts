/**
 * When the bot's RTP packets reached the simulator's socket, as the kernel saw them: tcpdump on loopback writes
 * a pcap file (kernel timestamps), read back after each window. The simulator's own arrival times are taken in
 * its JavaScript, on the same busy cores as the bot, so a late simulator looks like a late bot; these do not.
 * Optional: without tcpdump (Debian package `tcpdump`; it needs root or CAP_NET_RAW) the simulator's times stand.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, fstatSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BotPacket } from '../../test/sim/botAudio.ts';

const PCAP_MAGIC_MICROS = 0xa1b2c3d4;
const LINKTYPE_ETHERNET = 1;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_LINUX_SLL2 = 276;
/** IPv4 (20-60) + UDP (8) + RTP header (12): all a capture needs of each packet. */
const SNAP_BYTES = 96;

const key = (ssrc: number, sequence: number): string => `${ssrc}:${sequence}`;

export class KernelArrivals {
  readonly #tcpdump: ChildProcess;
  readonly #dir: string;
  readonly #file: string;
  /** Kernel arrival (ms since the epoch) by RTP SSRC and sequence number; a later packet replaces an older one. */
  readonly #arrivals = new Map<string, number>();
  #read = 0;
  #linkHeaderBytes = 0;

  private constructor(tcpdump: ChildProcess, dir: string, file: string) {
    this.#tcpdump = tcpdump;
    this.#dir = dir;
    this.#file = file;
  }

  /** Captures UDP to `port` on loopback; the reason as a string when tcpdump cannot. */
  static async start(port: number): Promise<KernelArrivals | string> {
    const dir = mkdtempSync(join(tmpdir(), 'omni-bench-pcap-'));
    const file = join(dir, 'bot.pcap');
    // Immediate mode and -U: each packet is written as it comes, so a window's packets are in the file when it is read.
    const tcpdump = spawn(
      'tcpdump',
      ['-i', 'lo', '-n', '--immediate-mode', '-U', '-s', String(SNAP_BYTES), '-w', file, 'udp', 'and', 'dst', 'port', String(port)],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let said = '';
    tcpdump.stderr!.on('data', (chunk: Buffer) => (said += chunk.toString()));
    const started = await Promise.race([
      once(tcpdump, 'error').then(([error]) => `tcpdump did not start (${(error as Error).message})`),
      once(tcpdump, 'exit').then(() => `tcpdump stopped: ${said.trim()}`),
      new Promise<string | undefined>((resolve) => {
        const check = (): void => {
          if (/listening on/.test(said)) resolve(undefined);
        };
        tcpdump.stderr!.on('data', check);
        check();
      }),
    ]);
    if (started !== undefined) {
      rmSync(dir, { recursive: true, force: true });
      return started;
    }
    return new KernelArrivals(tcpdump, dir, file);
  }

  /**
   * Each guild's packets with the kernel's arrival times (performance.now() basis), and how many had none (kept
   * as they were). Forgets what it read: each window is retimed once.
   */
  retime(packetsByGuild: ReadonlyArray<readonly BotPacket[]>): { packetsByGuild: BotPacket[][]; missing: number; total: number } {
    this.#readNew();
    let missing = 0;
    let total = 0;
    const retimed = packetsByGuild.map((packets) =>
      packets.map((packet) => {
        total++;
        const kernelAt = this.#arrivals.get(key(packet.ssrc, packet.sequence));
        if (kernelAt === undefined) {
          missing++;
          return packet;
        }
        return { ...packet, at: kernelAt - performance.timeOrigin };
      }),
    );
    this.#arrivals.clear();
    return { packetsByGuild: retimed, missing, total };
  }

  async stop(): Promise<void> {
    if (this.#tcpdump.exitCode === null) {
      this.#tcpdump.kill('SIGTERM');
      await once(this.#tcpdump, 'exit');
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }

  /** Reads the packets written since the last call (a record still being written waits for the next). */
  #readNew(): void {
    const fd = openSync(this.#file, 'r');
    try {
      const bytes = Buffer.alloc(fstatSync(fd).size - this.#read);
      readSync(fd, bytes, 0, bytes.length, this.#read);
      let offset = 0;
      if (this.#read === 0) {
        if (bytes.length < 24) return;
        if (bytes.readUInt32LE(0) !== PCAP_MAGIC_MICROS) throw new Error('tcpdump wrote a pcap file this reader does not know');
        const linkType = bytes.readUInt32LE(20);
        this.#linkHeaderBytes = linkType === LINKTYPE_ETHERNET ? 14 : linkType === LINKTYPE_LINUX_SLL ? 16 : linkType === LINKTYPE_LINUX_SLL2 ? 20 : -1;
        if (this.#linkHeaderBytes < 0) throw new Error(`pcap link type ${linkType} is not read here`);
        offset = 24;
      }
      while (offset + 16 <= bytes.length) {
        const captured = bytes.readUInt32LE(offset + 8);
        if (offset + 16 + captured > bytes.length) break;
        const atMs = bytes.readUInt32LE(offset) * 1000 + bytes.readUInt32LE(offset + 4) / 1000;
        this.#record(bytes.subarray(offset + 16, offset + 16 + captured), atMs);
        offset += 16 + captured;
      }
      this.#read += offset;
    } finally {
      closeSync(fd);
    }
  }

  /** One captured frame: link header, IPv4, UDP, then an RTP header (version 2) or something else (skipped). */
  #record(frame: Buffer, atMs: number): void {
    const ip = this.#linkHeaderBytes;
    if (frame.length < ip + 20 || frame[ip]! >> 4 !== 4) return;
    const rtp = ip + (frame[ip]! & 0x0f) * 4 + 8;
    if (frame.length < rtp + 12 || frame[rtp]! >> 6 !== 2) return;
    this.#arrivals.set(key(frame.readUInt32BE(rtp + 8), frame.readUInt16BE(rtp + 2)), atMs);
  }
}
