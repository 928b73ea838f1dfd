import { readlinkSync } from 'node:fs';
import { formatEndpoint, isUnspecified, parseNetInet, type InetProtocol } from './parse-net.js';
import { parseNetUnix } from './parse-unix.js';
import { readProcText } from './proc-read.js';

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

/** Reads and indexes /proc/PID/net/{tcp,tcp6,udp,udp6,unix}; null if the process is gone. */
export async function readSocketTable(pid: number): Promise<SocketTable | null> {
  const [tcp, tcp6, udp, udp6, unix] = await Promise.all(
    [...INET, 'unix'].map((name) => readProcText(`/proc/${pid}/net/${name}`)),
  );
  const texts = [tcp, tcp6, udp, udp6];
  if (texts.every((t) => t === null) && unix === null) return null;
  const table: SocketTable = new Map();
  texts.forEach((text, i) => {
    if (text === null || text === undefined) return;
    const protocol = INET[i] as InetProtocol;
    for (const s of parseNetInet(text, protocol)) {
      if (s.inode === 0) continue; // TIME_WAIT and the like: owned by no fd
      table.set(s.inode, {
        protocol: protocol.startsWith('tcp') ? 'tcp' : 'udp',
        state: s.state,
        local: formatEndpoint(s.local),
        remote: isUnspecified(s.remote) ? null : formatEndpoint(s.remote),
      });
    }
  });
  if (unix !== null && unix !== undefined) {
    for (const s of parseNetUnix(unix)) {
      table.set(s.inode, { protocol: 'unix', state: s.state, local: null, remote: null, path: s.path });
    }
  }
  return table;
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
