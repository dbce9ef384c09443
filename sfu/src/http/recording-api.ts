/**
 * Recordings for review (supervisors; agents their own sessions only when
 * RECORD_AGENT_ACCESS=own): the list with parties, matter and cases; one
 * session's manifest, integrity check, chat and playable files; the files
 * themselves (HTTP ranges, so the player can seek). Every view, play and
 * download writes an audit entry (who, when, what).
 */
import express, { type Request, type Router } from 'express';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AppError, ErrorCode, type ChatMessage } from '@xiaowu/shared';
import type { TokenService, Principal } from '../auth/tokens';
import { readManifest, verifyRecording } from '../recording/manifest';
import { auditEntry } from '../recording/retention';
import type { RecordingIndex, RecordingMeta } from '../recording/recording-index';
import { parse, principal, route } from './api';

export interface RecordingApiDeps {
  tokens: TokenService;
  root: string;
  index: RecordingIndex;
  redis: import('ioredis').Redis;
  chatHistory(sessionId: string): Promise<ChatMessage[]>;
  /** 'own': agents may review the sessions they served. */
  agentAccess: 'none' | 'own';
}

const SESSION_ID = /^[0-9a-f-]{36}$/;

export function createRecordingApi(d: RecordingApiDeps): Router {
  const api = express.Router();
  const audit = (who: Principal, action: string, sessionId: string, extra: Record<string, string> = {}) =>
    auditEntry(d.redis, '{xw}:', { who: `${who.role}:${who.userId}`, action, sessionId, ...extra });

  const viewer = async (req: Request) => principal(req, d.tokens, d.agentAccess === 'own' ? ['supervisor', 'agent'] : ['supervisor']);
  const mayReview = (who: Principal, m: RecordingMeta | undefined) =>
    who.role === 'supervisor' || (who.role === 'agent' && d.agentAccess === 'own' && !!m?.parties.some((p) => p.role === 'agent' && p.userId === who.userId));

  /** The session's folder and index entry, or NOT_FOUND (also for sessions the viewer may not see). */
  const session = async (req: Request, who: Principal) => {
    const sessionId = String(req.params.sessionId);
    if (!SESSION_ID.test(sessionId)) throw new AppError(ErrorCode.NotFound, 'no such recording');
    const dir = path.join(d.root, sessionId);
    const meta = await d.index.get(sessionId);
    if (!fs.existsSync(dir) || !mayReview(who, meta)) throw new AppError(ErrorCode.NotFound, 'no such recording');
    return { sessionId, dir, meta };
  };

  api.get('/', route(async (req) => {
    const who = await viewer(req);
    const q = parse(z.object({ before: z.coerce.number().int().positive().optional(), limit: z.coerce.number().int().min(1).max(200).optional() }).strict(), req.query);
    const all = await d.index.list(q);
    return all.filter((m) => mayReview(who, m));
  }));

  api.get('/:sessionId', route(async (req) => {
    const who = await viewer(req);
    const { sessionId, dir, meta } = await session(req, who);
    await audit(who, 'recording-viewed', sessionId);
    return { meta: meta ?? null, manifest: readManifest(dir), integrity: verifyRecording(dir), chat: await d.chatHistory(sessionId) };
  }));

  // A segment as recorded (evidence), or a playable file from playback/.
  const sendMedia = (kind: 'segment' | 'playback') =>
    route(async (req, res) => {
      const who = await viewer(req);
      const { sessionId, dir } = await session(req, who);
      const name = parse(z.string().regex(/^[A-Za-z0-9_.-]+\.(mkv|webm)$/), req.params.file);
      const file = kind === 'segment' ? path.join(dir, name) : path.join(dir, 'playback', name);
      if (!fs.existsSync(file)) throw new AppError(ErrorCode.NotFound, 'no such file');
      // A player asks for many ranges while it plays and seeks: one audit entry per opening (no range, or from byte 0).
      const range = req.headers.range;
      if (!range || /^bytes=0-/.test(range)) await audit(who, kind === 'segment' ? 'recording-downloaded' : 'recording-played', sessionId, { file: name });
      res.setHeader('content-type', name.endsWith('.webm') ? 'video/webm' : 'video/x-matroska');
      res.setHeader('cache-control', 'private, no-store');
      await new Promise<void>((resolve, reject) => res.sendFile(file, { acceptRanges: true }, (err) => (err ? reject(err) : resolve())));
    });
  api.get('/:sessionId/files/:file', sendMedia('segment'));
  api.get('/:sessionId/playback/:file', sendMedia('playback'));

  return api;
}
