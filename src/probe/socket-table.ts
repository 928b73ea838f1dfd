import { readlinkSync } from 'node:fs';
import { endianness } from 'node:os';
import { formatEndpoint, isUnspecified, parseNetInetLine, type InetProtocol } from './parse-net.js';
import { UnixLineParser } from './parse-unix.js';
import { readProcLines } from './proc-read.js';
import { TimeSlicer } from './time-slicer.js';

/** A socket inode resolved through /proc/PID/net. */
export interface ResolvedSocket {
  /** tcp and udp cover both IP versions (tcp6 rows are folded in; a v4-mapped address reads as IPv4). */
  protocol: 'tcp' | 'udp' | 'unix';
  state: string;
  local: string | null;
  /** "127.0.0.1:5432", "[::1]:80"; null when not connected (listening, unbound UDP, unix). */
  remote: string | null;
  /** Unix socket name: a path, "@abstract", or null when unnamed. */
  path?: string | null;
}

/** inode → socket, for one network namespace. */
export type SocketTable = Map<number, ResolvedSocket>;

const INET: InetProtocol[] = ['tcp', 'tcp6', 'udp', 'udp6'];

/**
 * Reads /proc/PID/net/{tcp,tcp6,udp,udp6,unix} and indexes the sockets whose inode is in `wanted`
 * (all when omitted); null if the process is gone. The tables list every socket of the network
 * namespace (megabytes on a busy host), so they are read in chunks, parsed between pauses of
 * `slicer`, and only wanted rows are decoded.
 */
export async function readSocketTable(
  pid: number,
  wanted?: ReadonlySet<number>,
  slicer = new TimeSlicer(2),
): Promise<SocketTable | null> {
  const little = endianness() === 'LE';
  const table: SocketTable = new Map();
  const pause = (): Promise<void> => slicer.pause();
  let readable = 0;
  for (const protocol of INET) {
    const ok = await readProcLines(
      `/proc/${pid}/net/${protocol}`,
      (line) => {
        const s = parseNetInetLine(line, protocol, little, wanted);
        if (!s || s.inode === 0) return; // inode 0: TIME_WAIT and the like, owned by no fd
        table.set(s.inode, {
          protocol: protocol.startsWith('tcp') ? 'tcp' : 'udp',
          state: s.state,
          local: formatEndpoint(s.local),
          remote: isUnspecified(s.remote) ? null : formatEndpoint(s.remote),
        });
      },
      pause,
    );
    if (ok) readable++;
  }
  const unix = new UnixLineParser(wanted);
  if (await readProcLines(`/proc/${pid}/net/unix`, (line) => unix.push(line), pause)) readable++;
  for (const s of unix.rows) {
    table.set(s.inode, { protocol: 'unix', state: s.state, local: null, remote: null, path: s.path });
  }
  return readable === 0 ? null : table;
}

/** The network namespace of a process ("net:[4026531840]"), to share one socket table between its processes. */
export function netNamespaceOf(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return null;
  }
}

/** The target name under which a socket is counted among top targets. */
export function socketTargetName(s: ResolvedSocket | undefined): string {
  if (!s) return 'socket (other family)';
  if (s.protocol === 'unix') return s.path ? `unix ${s.path}` : 'unix (unnamed)';
  if (s.remote) return `${s.protocol} ${s.remote}`;
  return `${s.protocol} ${s.state === 'LISTEN' ? 'listening on' : 'bound to'} ${s.local ?? '?'}`;
}
