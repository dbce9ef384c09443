/**
 * The sfu's REST API from the browser: every answer is `{ ok: true, data }`
 * or `{ ok: false, error: { code, message } }`; this resolves with `data` or
 * rejects with an `AppError` (TIMEOUT when the server cannot be reached).
 */
import { AppError, ErrorCode } from '../errors';

export interface ApiOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  /** Bearer token, for the endpoints that need one. */
  token?: string;
  signal?: AbortSignal;
  /** Default 10 s. */
  timeoutMs?: number;
}

const codes = new Set<string>(Object.values(ErrorCode));

/** `path` is relative to `base` ('' = the page's own origin), e.g. '/api/catalog'. */
export async function apiRequest<T>(path: string, options: ApiOptions = {}, base = ''): Promise<T> {
  const { method = options.body === undefined ? 'GET' : 'POST', body, token, signal, timeoutMs = 10_000 } = options;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  // One controller for both the caller's abort and the timeout (older kiosk browsers lack AbortSignal.any).
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  const onAbort = () => ctl.abort();
  signal?.addEventListener('abort', onAbort);
  let res: Response;
  try {
    res = await fetch(base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: ctl.signal,
    });
  } catch (err) {
    if (signal?.aborted) throw err; // the caller's own abort: not an error to show
    throw new AppError(ErrorCode.Timeout, `${method} ${path}: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
  let answer: { ok?: boolean; data?: unknown; error?: { code?: string; message?: string } } | undefined;
  try {
    answer = (await res.json()) as typeof answer;
  } catch {
    answer = undefined;
  }
  if (answer?.ok === true) return answer.data as T;
  const code = answer?.error?.code;
  throw new AppError(
    code && codes.has(code) ? (code as ErrorCode) : res.status >= 500 || !answer ? ErrorCode.Internal : ErrorCode.BadRequest,
    answer?.error?.message ?? `${method} ${path}: HTTP ${res.status}`,
  );
}
