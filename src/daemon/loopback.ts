/** Loopback addresses (the daemon's default): anything else needs `--bind` and earns a warning. */
export function isLoopback(bind: string): boolean {
  return bind === '127.0.0.1' || bind === '::1' || bind === 'localhost' || bind.startsWith('127.');
}
