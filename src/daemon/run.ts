import { createAdaptorServer } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../api/app.js';
import { VigilError } from '../errors.js';
import { Daemon, type DaemonOptions } from './daemon.js';
import { isLoopback } from './loopback.js';

/**
 * Starts a daemon: lock, state, recovery, then the HTTP server. Resolves once it listens.
 * SIGTERM and SIGINT stop it gracefully (services too).
 */
export async function runDaemon(opts: DaemonOptions & { handleSignals?: boolean }): Promise<Daemon> {
  const daemon = new Daemon(opts);
  daemon.init();
  let port = opts.port;
  const app = createApp(daemon, () => port);
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  server.requestTimeout = 60_000;
  server.headersTimeout = 10_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.bind, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    await daemon.shutdown({ leaveRunning: true });
    if (code === 'EADDRINUSE') {
      throw new VigilError(
        'PORT_IN_USE',
        `port ${opts.port} on ${opts.bind} is already in use; choose another with --port or VIGIL_PORT`,
      );
    }
    throw err;
  }
  port = (server.address() as AddressInfo).port;
  daemon.opts.port = port;
  daemon.server = server;
  daemon.announce(port);
  if (!isLoopback(opts.bind)) {
    daemon.log.warn(
      `listening on ${opts.bind}:${port}, beyond loopback: anyone who can reach it can try the token and login codes. Prefer an SSH tunnel (ssh -L ${port}:127.0.0.1:${port}) or a TLS-terminating proxy.`,
    );
  }
  daemon.log.info(`listening on http://${opts.bind.includes(':') ? `[${opts.bind}]` : opts.bind}:${port}`);
  // The daemon is held to the standard it enforces: one failing handler (a full disk, a bug) must not take
  // every service's supervisor down. Errors are logged with their stack and the daemon carries on.
  if (opts.handleSignals !== false) {
    process.on('uncaughtException', (err) =>
      daemon.log.error('uncaught exception', { error: err.stack ?? String(err) }),
    );
    process.on('unhandledRejection', (err) =>
      daemon.log.error('unhandled rejection', { error: (err as Error)?.stack ?? String(err) }),
    );
    const onSignal = (sig: string) => {
      daemon.log.info(`received ${sig}; stopping services and the daemon`);
      void daemon.shutdown({ leaveRunning: false });
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
    process.once('SIGHUP', () => onSignal('SIGHUP'));
  }
  return daemon;
}
