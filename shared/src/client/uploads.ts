/**
 * Resumable, checksummed upload of one file (a scanned material, a signature)
 * from the browser: SHA-256 computed here, declared up front and checked by
 * the server over the whole file; chunks sent at the offset the server has,
 * so after a network drop the upload goes on where it stopped (the server's
 * `received` is the truth, never our own count).
 */
import { AppError, ErrorCode } from '../errors';
import { apiRequest } from './http';

export interface UploadProgress {
  sent: number;
  total: number;
}

export interface UploadOptions {
  token: string;
  /** Shown in the audit; a plain name (no directories). */
  fileName: string;
  onProgress?: (p: UploadProgress) => void;
  signal?: AbortSignal;
  /** REST base ('' = the page's origin). */
  base?: string;
  /** How long to keep retrying a chunk after network errors before giving up (default 60 s). */
  retryForMs?: number;
}

export interface UploadResult {
  sha256: string;
  size: number;
  mime: string;
}

export async function sha256Hex(data: Blob | ArrayBuffer | Uint8Array): Promise<string> {
  const bytes = data instanceof Blob ? await data.arrayBuffer() : data;
  const digest = await crypto.subtle.digest('SHA-256', bytes as BufferSource);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Network trouble that may pass, or an offset out of step (a chunk landed but its answer was lost): try again from the server's offset. */
function transient(err: unknown): boolean {
  return err instanceof AppError && (err.code === ErrorCode.Timeout || err.code === ErrorCode.Internal || err.code === ErrorCode.InvalidState);
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new DOMException('aborted', 'AbortError'));
    });
  });

async function putChunk(base: string, uploadId: string, offset: number, chunk: Blob, token: string, signal?: AbortSignal): Promise<{ received: number; file?: { mime: string } }> {
  let res: Response;
  try {
    res = await fetch(`${base}/api/uploads/${encodeURIComponent(uploadId)}?offset=${offset}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${token}`, accept: 'application/json' },
      body: chunk,
      signal,
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new AppError(ErrorCode.Timeout, `upload chunk: ${(err as Error).message}`);
  }
  const answer = (await res.json().catch(() => undefined)) as { ok?: boolean; data?: { received: number; file?: { mime: string } }; error?: { code?: string; message?: string } } | undefined;
  if (answer?.ok && answer.data) return answer.data;
  const code = answer?.error?.code;
  throw new AppError(
    code && (Object.values(ErrorCode) as string[]).includes(code) ? (code as ErrorCode) : res.status >= 500 ? ErrorCode.Internal : ErrorCode.BadRequest,
    answer?.error?.message ?? `upload chunk: HTTP ${res.status}`,
  );
}

/**
 * Uploads `blob` and resolves once the server has verified and stored it.
 * Refusals (size, type, corrupt file, checksum) reject with the server's typed
 * error at once; network errors are retried with backoff from the server's offset.
 */
export async function uploadFile(blob: Blob, o: UploadOptions): Promise<UploadResult> {
  const base = o.base ?? '';
  const sha256 = await sha256Hex(blob);
  const created = await apiRequest<{ uploadId: string; chunkBytes: number; received: number }>(
    '/api/uploads',
    { body: { fileName: o.fileName, size: blob.size, sha256 }, token: o.token, signal: o.signal },
    base,
  );
  let offset = created.received;
  o.onProgress?.({ sent: offset, total: blob.size });
  let failingSince: number | undefined;
  let backoff = 500;
  for (;;) {
    try {
      const chunk = blob.slice(offset, Math.min(blob.size, offset + created.chunkBytes));
      const r = await putChunk(base, created.uploadId, offset, chunk, o.token, o.signal);
      offset = r.received;
      failingSince = undefined;
      backoff = 500;
      o.onProgress?.({ sent: offset, total: blob.size });
      if (r.file) return { sha256, size: blob.size, mime: r.file.mime };
      if (offset >= blob.size) throw new AppError(ErrorCode.Internal, 'upload complete but the server stored no file');
    } catch (err) {
      if (!transient(err)) throw err;
      failingSince ??= Date.now();
      if (Date.now() - failingSince > (o.retryForMs ?? 60_000)) throw err;
      await sleep(backoff + Math.random() * backoff, o.signal);
      backoff = Math.min(backoff * 2, 8_000);
      // Ask the server where it stands (it may have taken the chunk before the connection dropped).
      try {
        const st = await apiRequest<{ received: number }>(`/api/uploads/${encodeURIComponent(created.uploadId)}`, { token: o.token, signal: o.signal }, base);
        offset = st.received;
      } catch (e) {
        if (!transient(e)) throw e;
      }
    }
  }
}
