import { request, type IncomingMessage } from 'node:http';

/** A whole reply: status and body text. */
export interface HttpReply {
  status: number;
  text: string;
}

export interface HttpOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/**
 * Opens a request to the daemon and resolves with the reply's head (its body still to be read).
 * node:http, not fetch: loading fetch (undici and its WebAssembly parser) costs every CLI command ~80 ms
 * here, more than the rest of the command. No keep-alive agent: the CLI exits as soon as it is done.
 */
export function open(url: string, opts: HttpOptions = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...opts.headers };
    const body = opts.body === undefined ? undefined : Buffer.from(opts.body);
    if (body) headers['content-length'] = String(body.length);
    const req = request(
      url,
      { method: opts.method ?? 'GET', headers, agent: false, signal: opts.signal },
      resolve,
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Reads a reply's whole body as text. */
export async function readText(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Sends a request and reads the whole reply. */
export async function send(url: string, opts: HttpOptions = {}): Promise<HttpReply> {
  const res = await open(url, opts);
  return { status: res.statusCode ?? 0, text: await readText(res) };
}
