import { endianness } from 'node:os';
import { ProcParseError } from './parse-error.js';

/** Which /proc/net table a socket came from. */
export type InetProtocol = 'tcp' | 'tcp6' | 'udp' | 'udp6';

/** An IP endpoint. A v4-mapped IPv6 address (::ffff:a.b.c.d) is decoded as IPv4 with `v4_mapped` set. */
export interface Endpoint {
  address: string;
  port: number;
  family: 4 | 6;
  v4_mapped?: true;
}

/** One row of /proc/net/{tcp,tcp6,udp,udp6}. */
export interface InetSocket {
  inode: number;
  protocol: InetProtocol;
  /** TCP state name (ESTABLISHED, LISTEN, …); an unconnected UDP socket shows CLOSE. */
  state: string;
  local: Endpoint;
  remote: Endpoint;
  uid: number;
}

const TCP_STATES: Record<number, string> = {
  1: 'ESTABLISHED',
  2: 'SYN_SENT',
  3: 'SYN_RECV',
  4: 'FIN_WAIT1',
  5: 'FIN_WAIT2',
  6: 'TIME_WAIT',
  7: 'CLOSE',
  8: 'CLOSE_WAIT',
  9: 'LAST_ACK',
  10: 'LISTEN',
  11: 'CLOSING',
  12: 'NEW_SYN_RECV',
};

/** Name of a kernel TCP state number (the `st` column). */
export function tcpStateName(code: number): string {
  return TCP_STATES[code] ?? `UNKNOWN_${code}`;
}

// The kernel prints each 32-bit word of an address in host byte order.
function wordBytes(hex8: string, little: boolean): number[] {
  const n = parseInt(hex8, 16);
  const b = [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return little ? b.reverse() : b;
}

/** Formats 16 address bytes as RFC 5952 text (lowercase, longest zero run as ::). */
export function formatIpv6(bytes: number[]): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Decodes "0100007F:1F90" (or the 32-hex-digit IPv6 form) into an endpoint. */
export function decodeEndpoint(text: string, little = endianness() === 'LE'): Endpoint {
  const colon = text.indexOf(':');
  const hex = text.slice(0, colon);
  const port = parseInt(text.slice(colon + 1), 16);
  if (colon < 0 || !Number.isFinite(port) || !/^[0-9A-Fa-f]+$/.test(hex)) {
    throw new ProcParseError('/proc/net address', JSON.stringify(text));
  }
  if (hex.length === 8) return { address: wordBytes(hex, little).join('.'), port, family: 4 };
  if (hex.length !== 32) throw new ProcParseError('/proc/net address', `unexpected length ${hex.length}`);
  const bytes: number[] = [];
  for (let i = 0; i < 32; i += 8) bytes.push(...wordBytes(hex.slice(i, i + 8), little));
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255;
  if (mapped) return { address: bytes.slice(12).join('.'), port, family: 4, v4_mapped: true };
  return { address: formatIpv6(bytes), port, family: 6 };
}

/** "127.0.0.1:5432" or "[::1]:5432". */
export function formatEndpoint(e: Endpoint): string {
  return e.family === 6 ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

/** True for the all-zero remote of a listening or unconnected socket. */
export function isUnspecified(e: Endpoint): boolean {
  return e.port === 0 && (e.address === '0.0.0.0' || e.address === '::');
}

// sl: local remote st tx:rx tr:when retrnsmt uid timeout inode …
const ROW =
  /^\s*\d+: ([0-9A-Fa-f]+:[0-9A-Fa-f]+) ([0-9A-Fa-f]+:[0-9A-Fa-f]+) ([0-9A-Fa-f]+) \S+ \S+ \S+\s+(\d+)\s+\d+\s+(\d+)/;

/**
 * Parses one row of /proc/net/{tcp,tcp6,udp,udp6}; null for the header or a malformed line, or when
 * `wanted` is given and does not hold the row's inode (addresses are then not decoded at all).
 */
export function parseNetInetLine(
  line: string,
  protocol: InetProtocol,
  little = endianness() === 'LE',
  wanted?: ReadonlySet<number>,
): InetSocket | null {
  const m = ROW.exec(line);
  if (!m) return null;
  const inode = Number(m[5]);
  if (wanted && !wanted.has(inode)) return null;
  return {
    inode,
    protocol,
    state: tcpStateName(parseInt(m[3] as string, 16)),
    local: decodeEndpoint(m[1] as string, little),
    remote: decodeEndpoint(m[2] as string, little),
    uid: Number(m[4]),
  };
}

/** Parses the text of /proc/net/tcp, tcp6, udp or udp6. */
export function parseNetInet(
  text: string,
  protocol: InetProtocol,
  little = endianness() === 'LE',
): InetSocket[] {
  const out: InetSocket[] = [];
  for (const line of text.split('\n')) {
    const row = parseNetInetLine(line, protocol, little);
    if (row) out.push(row);
  }
  return out;
}
