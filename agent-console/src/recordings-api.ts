/**
 * The recordings REST API (sfu/src/http/recording-api.ts) from the supervisor
 * area: the list, one session (manifest, integrity, chat; audited
 * 'recording-viewed'), and the track files. A <video src> cannot carry the
 * bearer token, so a track is fetched with the token (audited
 * 'recording-played' once, the request has no Range) into a Blob that the
 * player plays through an object URL: the token never appears in a URL.
 */
import { AppError, ErrorCode, type ChatMessage, type PartyRole, type TrackSource } from '@xiaowu/shared';
import { apiRequest } from '@xiaowu/shared/client';

import type { PlaybackTrack, RecordingMeta, RecordingParty } from '@xiaowu/shared';

export type { PlaybackTrack, RecordingMeta, RecordingParty } from '@xiaowu/shared';

export interface SegmentEntry {
  seq: number;
  track: string;
  file: string;
  bytes: number;
  sha256: string;
  closedAt: number;
}

export interface RecordingDetail {
  meta: RecordingMeta | null;
  manifest: SegmentEntry[];
  integrity: { ok: boolean; segments: number; problems: string[] };
  chat: ChatMessage[];
}

export const PAGE_SIZE = 50;

/** What a track carries, read from its name and matched to a party of the session. */
export interface TrackInfo extends PlaybackTrack {
  kind: 'audio' | 'video';
  role: PartyRole | undefined;
  source: TrackSource | undefined;
  party: RecordingParty | undefined;
  /** File name under playback/ (what the playback route takes). */
  fileName: string;
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, '_');

/** The playable tracks of a session, the booth camera first, then other video, then audio. */
export function describeTracks(meta: RecordingMeta): TrackInfo[] {
  const tracks = (meta.playback?.tracks ?? []).filter((t) => t.file);
  const out = tracks.map((t): TrackInfo => {
    const party = meta.parties.find((p) => t.name.startsWith(`${safe(p.role)}-${safe(p.userId)}-`));
    const rest = party ? t.name.slice(`${safe(party.role)}-${safe(party.userId)}-`.length) : t.name.slice(t.name.lastIndexOf('-') + 1);
    const source = (['camera', 'mic', 'document'] as const).find((s) => s === rest);
    const role = party?.role ?? (['booth', 'agent', 'interpreter', 'supervisor'] as const).find((r) => t.name.startsWith(`${r}-`));
    const kind = t.kind === 'audio' || t.kind === 'video' ? t.kind : source === 'mic' ? 'audio' : 'video';
    return { ...t, kind, role, source, party, fileName: t.file.split('/').pop() ?? t.file };
  });
  const rank = (t: TrackInfo) => (t.kind === 'audio' ? 10 : t.role === 'booth' && t.source === 'camera' ? 0 : t.role === 'booth' ? 1 : t.role === 'agent' ? 2 : 3);
  return out.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

export class RecordingsApi {
  constructor(
    private readonly token: () => string,
    /** Called when the server refuses the token (expired, signed out elsewhere). */
    private readonly onUnauthorized: () => void = () => undefined,
    private readonly base = '',
  ) {}

  private async req<T>(path: string, signal?: AbortSignal): Promise<T> {
    try {
      return await apiRequest<T>(`/api/recordings${path}`, { token: this.token(), signal }, this.base);
    } catch (err) {
      if (err instanceof AppError && err.code === ErrorCode.Unauthorized) this.onUnauthorized();
      throw err;
    }
  }

  /** Newest first; `before` (epoch ms of the oldest row shown) pages back. */
  list(before?: number, limit = PAGE_SIZE, signal?: AbortSignal): Promise<RecordingMeta[]> {
    const q = new URLSearchParams({ limit: String(limit) });
    if (before !== undefined) q.set('before', String(before));
    return this.req(`?${q}`, signal);
  }

  /** One session; the server writes a 'recording-viewed' audit entry. */
  get(sessionId: string, signal?: AbortSignal): Promise<RecordingDetail> {
    return this.req(`/${encodeURIComponent(sessionId)}`, signal);
  }

  /** A playable track file (or, kind 'segment', an original segment), whole, with download progress. */
  async file(
    sessionId: string,
    fileName: string,
    opts: { kind?: 'playback' | 'segment'; signal?: AbortSignal; onProgress?(loaded: number, total: number | undefined): void } = {},
  ): Promise<Blob> {
    const url = `${this.base}/api/recordings/${encodeURIComponent(sessionId)}/${opts.kind === 'segment' ? 'files' : 'playback'}/${encodeURIComponent(fileName)}`;
    let res: Response;
    try {
      res = await fetch(url, { headers: { authorization: `Bearer ${this.token()}` }, signal: opts.signal, cache: 'no-store' });
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      throw new AppError(ErrorCode.Timeout, `GET ${url}: ${(err as Error).message}`);
    }
    if (!res.ok) {
      const answer = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
      const code = answer?.error?.code;
      const known = code && (Object.values(ErrorCode) as string[]).includes(code) ? (code as ErrorCode) : undefined;
      const err = new AppError(known ?? (res.status === 404 ? ErrorCode.NotFound : ErrorCode.Internal), answer?.error?.message ?? `GET ${url}: HTTP ${res.status}`);
      if (err.code === ErrorCode.Unauthorized) this.onUnauthorized();
      throw err;
    }
    const type = res.headers.get('content-type') ?? 'application/octet-stream';
    const total = Number(res.headers.get('content-length')) || undefined;
    if (!res.body || !opts.onProgress) return res.blob();
    const reader = res.body.getReader();
    const chunks: BlobPart[] = [];
    let loaded = 0;
    opts.onProgress(0, total);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.byteLength;
      opts.onProgress(loaded, total);
    }
    return new Blob(chunks, { type });
  }
}

// ── formatting ────────────────────────────────────────────────────────────────

const BEIJING = 'Asia/Shanghai';

function parts(ms: number): Record<string, string> {
  const f = new Intl.DateTimeFormat('en-GB', {
    timeZone: BEIJING,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  return Object.fromEntries(f.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
}

/** 2026-05-01 14:03:22 in Beijing time, whatever the browser's time zone. */
export function beijingDateTime(ms: number): string {
  const p = parts(ms);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** 14:03:22 in Beijing time. */
export function beijingTime(ms: number): string {
  const p = parts(ms);
  return `${p.hour}:${p.minute}:${p.second}`;
}

/** 1.2 MB */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
