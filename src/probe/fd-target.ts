/** What a file descriptor points at, from the text of its /proc/PID/fd/N link. */
export type FdTarget =
  | { type: 'file'; path: string; deleted: boolean }
  | { type: 'device'; path: string; deleted: boolean }
  | { type: 'socket'; inode: number }
  | { type: 'pipe'; inode: number }
  | { type: 'anon_inode'; kind: string }
  | { type: 'other'; kind: string; text: string };

/** The `type` of an FdTarget. */
export type FdType = FdTarget['type'];

/** Every FdType, in display order. */
export const FD_TYPES: readonly FdType[] = ['file', 'socket', 'pipe', 'anon_inode', 'device', 'other'];

const DELETED = ' (deleted)';
// Files under these /dev folders are ordinary (tmpfs/mqueue) files, not devices.
const NOT_DEVICES = ['/dev/shm/', '/dev/mqueue/', '/dev/hugepages/'];

/**
 * Classifies the readlink text of /proc/PID/fd/N. A path is taken as given (it may hold spaces or
 * newlines); " (deleted)" at its end means the file was unlinked while open.
 */
export function classifyFdTarget(text: string): FdTarget {
  if (text === '') return { type: 'other', kind: 'unreadable', text };
  const bracket = /^([a-z_]+):\[(.*)\]$/.exec(text);
  if (bracket) {
    const [, prefix, inner] = bracket as unknown as [string, string, string];
    if (prefix === 'socket' && /^\d+$/.test(inner)) return { type: 'socket', inode: Number(inner) };
    if (prefix === 'pipe' && /^\d+$/.test(inner)) return { type: 'pipe', inode: Number(inner) };
    if (prefix === 'anon_inode') return { type: 'anon_inode', kind: inner };
    // net:[4026531840], mnt:[…]: namespace handles and the like.
    return { type: 'other', kind: prefix, text };
  }
  // Some anon inodes have no brackets: "anon_inode:inotify", "anon_inode:bpf-map".
  if (text.startsWith('anon_inode:')) return { type: 'anon_inode', kind: text.slice('anon_inode:'.length) };
  if (text.startsWith('/')) {
    const deleted = text.endsWith(DELETED);
    const path = deleted ? text.slice(0, -DELETED.length) : text;
    if (path.startsWith('/memfd:')) return { type: 'other', kind: 'memfd', text };
    if (path.startsWith('/dev/') && !NOT_DEVICES.some((d) => path.startsWith(d))) {
      return { type: 'device', path, deleted };
    }
    return { type: 'file', path, deleted };
  }
  const colon = text.indexOf(':');
  return { type: 'other', kind: colon > 0 ? text.slice(0, colon) : 'unknown', text };
}
