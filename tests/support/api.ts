/** REST calls against a test server: JSON or raw bytes in, JSON (or the raw body) out. */
import type { TestServer } from './server';

export interface ApiAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field in the tests
  body: { ok: boolean; data?: any; error?: { code: string; message: string } };
}

export async function api(srv: TestServer, method: string, path: string, opts: { token?: string; body?: unknown; raw?: Uint8Array } = {}): Promise<ApiAnswer> {
  const res = await fetch(`${srv.url}/api${path}`, {
    method,
    headers: {
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      'content-type': opts.raw ? 'application/octet-stream' : 'application/json',
    },
    body: opts.raw ? new Uint8Array(opts.raw) : opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
  });
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, body: type.includes('json') ? ((await res.json()) as ApiAnswer['body']) : { ok: res.ok, data: new Uint8Array(await res.arrayBuffer()) } };
}
