import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixture } from '../../helpers/paths.js';
import { decodeEndpoint, formatEndpoint, formatIpv6, parseNetInet } from '../../../src/probe/parse-net.js';
import { parseNetUnix } from '../../../src/probe/parse-unix.js';

const read = (name: string): string => readFileSync(fixture('probe', name), 'utf8');
// The fixtures were captured on a little-endian (x86-64) machine; pass that explicitly.
const LE = true;

test('tcp: listening and established IPv4 sockets with state names', () => {
  const rows = parseNetInet(read('net-tcp.txt'), 'tcp', LE);
  assert.equal(rows.length, 5);
  const listen = rows.find((r) => r.inode === 10997);
  assert.deepEqual(listen?.local, { address: '127.0.0.1', port: 0xa437, family: 4 });
  assert.equal(listen?.state, 'LISTEN');
  assert.equal(formatEndpoint(listen!.remote), '0.0.0.0:0');
  const est = rows.find((r) => r.inode === 10998);
  assert.equal(est?.state, 'ESTABLISHED');
  assert.equal(formatEndpoint(est!.local), '127.0.0.1:52264');
  assert.equal(formatEndpoint(est!.remote), '127.0.0.1:42039');
});

test('tcp6: ::1 and a v4-mapped connection decode to readable endpoints', () => {
  const rows = parseNetInet(read('net-tcp6.txt'), 'tcp6', LE);
  const any = rows.find((r) => r.inode === 11003);
  assert.deepEqual(any?.local, { address: '::', port: 0xd871, family: 6 });
  const loop = rows.find((r) => r.inode === 11002);
  assert.equal(formatEndpoint(loop!.local), '[::1]:36001');
  assert.equal(loop?.state, 'ESTABLISHED');
  const mapped = rows.find((r) => r.inode === 11005);
  assert.deepEqual(mapped?.local, { address: '127.0.0.1', port: 0xd871, family: 4, v4_mapped: true });
  assert.equal(formatEndpoint(mapped!.remote), '127.0.0.1:37284');
});

test('udp and udp6: connected UDP is ESTABLISHED, unconnected is CLOSE', () => {
  const udp = parseNetInet(read('net-udp.txt'), 'udp', LE);
  assert.equal(udp.length, 1);
  assert.equal(udp[0]?.state, 'ESTABLISHED');
  assert.equal(formatEndpoint(udp[0]!.remote), '127.0.0.1:53');
  const udp6 = parseNetInet(read('net-udp6.txt'), 'udp6', LE);
  assert.equal(udp6[0]?.state, 'CLOSE');
  assert.equal(formatEndpoint(udp6[0]!.local), '[::1]:45335');
});

test('endpoint decoding depends on the byte order of the machine that wrote it', () => {
  assert.equal(decodeEndpoint('0100007F:1F90', true).address, '127.0.0.1');
  assert.equal(decodeEndpoint('7F000001:1F90', false).address, '127.0.0.1');
  assert.equal(decodeEndpoint('7F000001:1F90', false).port, 8080);
  // 2001:db8::1 as a big-endian machine prints it.
  assert.equal(decodeEndpoint('20010DB8000000000000000000000001:0050', false).address, '2001:db8::1');
  // …and as a little-endian one does (each 32-bit word byte-reversed).
  assert.equal(decodeEndpoint('B80D0120000000000000000001000000:0050', true).address, '2001:db8::1');
  assert.throws(() => decodeEndpoint('XYZ:0050'), /cannot parse/);
});

test('IPv6 text follows RFC 5952: longest zero run compressed, single zero groups kept', () => {
  const b = (groups: number[]): number[] => groups.flatMap((g) => [g >> 8, g & 255]);
  assert.equal(formatIpv6(b([0, 0, 0, 0, 0, 0, 0, 0])), '::');
  assert.equal(formatIpv6(b([0, 0, 0, 0, 0, 0, 0, 1])), '::1');
  assert.equal(formatIpv6(b([0x2001, 0xdb8, 0, 1, 0, 0, 0, 1])), '2001:db8:0:1::1');
  assert.equal(formatIpv6(b([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1])), '2001:db8::1:0:0:1');
  assert.equal(formatIpv6(b([0xfe80, 0, 0, 0, 0xabcd, 0xef, 1, 2])), 'fe80::abcd:ef:1:2');
  assert.equal(formatIpv6(b([1, 2, 3, 4, 5, 6, 7, 0])), '1:2:3:4:5:6:7:0');
});

test('unix (captured): paths with spaces, abstract names and unnamed sockets', () => {
  const rows = parseNetUnix(read('net-unix.txt'));
  assert.equal(rows.length, 8);
  const listen = rows.find((r) => r.inode === 11008);
  assert.deepEqual(listen, {
    inode: 11008,
    type: 'stream',
    state: 'LISTEN',
    path: '/tmp/vigil cap/sock with space',
    name_kind: 'path',
  });
  assert.equal(rows.find((r) => r.inode === 11011)?.name_kind, 'abstract');
  assert.equal(rows.find((r) => r.inode === 11011)?.path, '@vigil-abstract');
  const unnamed = rows.find((r) => r.inode === 1582);
  assert.equal(unnamed?.path, null);
  assert.equal(unnamed?.name_kind, 'unnamed');
  assert.equal(unnamed?.state, 'CONNECTED');
});

test('unix-socket-path-with-newline-is-joined-not-dropped-or-misparsed', () => {
  const rows = parseNetUnix(read('net-unix-odd.txt'));
  assert.deepEqual(
    rows.map((r) => r.inode),
    [11009, 11008, 11011, 11020, 11021, 531],
  );
  const two = rows.find((r) => r.inode === 11020);
  assert.equal(two?.path, '/tmp/two\nlines.sock');
  assert.equal(two?.type, 'dgram');
  assert.equal(rows.find((r) => r.inode === 11021)?.type, 'seqpacket');
  assert.equal(rows.find((r) => r.inode === 11021)?.path, '@@x@y');
  assert.equal(rows.find((r) => r.inode === 531)?.state, 'CONNECTING');
});
