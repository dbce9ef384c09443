/** 好差评, 办不成事 and the supervisors' follow-up list. */
import express, { type Router } from 'express';
import { z } from 'zod';
import { AppError, ErrorCode } from '@xiaowu/shared';
import type { Redis } from 'ioredis';
import type { TokenService } from '../auth/tokens';
import { RATING_STAGES, type FeedbackStore, type RatingLevel } from '../feedback/feedback-store';
import { parse, principal, route } from './api';

export function createFeedbackApi(d: { feedback: FeedbackStore; tokens: TokenService; redis: Redis }): Router {
  const api = express.Router();
  api.use(express.json({ limit: '16kb' }));

  const level = z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(5)]);
  const details = { level, reasons: z.array(z.string().min(1).max(30)).max(8).default([]), comment: z.string().max(500).default('') };
  const code = z.string().regex(/^\d{6}$/, 'a 6-digit code');

  // 好差评: a stage of the booth's own session, or any stage by its invite code (智能邀评).
  api.post('/ratings', route(async (req) => {
    const booth = await principal(req, d.tokens, ['booth']);
    const body = parse(
      z.union([
        z.object({ sessionId: z.string().max(64), stage: z.enum(RATING_STAGES).optional(), ...details }).strict(),
        z.object({ code, ...details }).strict(),
      ]),
      req.body,
    );
    const target = 'code' in body ? { code: body.code } : { sessionId: body.sessionId, stage: body.stage };
    return d.feedback.rate(booth.userId, target, body.level as RatingLevel, body.reasons, body.comment);
  }));

  // The invite code of the booth's own session (shown on the end screen to rate later).
  api.get('/ratings/invite/:sessionId', route(async (req) => {
    const booth = await principal(req, d.tokens, ['booth']);
    const r = await d.feedback.ratable(parse(z.string().max(64), req.params.sessionId), parse(z.enum(RATING_STAGES).default('service'), req.query.stage));
    if (!r || r.boothId !== booth.userId) throw new AppError(ErrorCode.NotFound, 'nothing to rate (unknown, not yours, rated, or older than 3 days)');
    return { code: r.code, expiresAt: r.expiresAt, stage: r.stage ?? 'service' };
  }));

  // What a code opens, before the resident rates (no personal data).
  api.get('/ratings/by-code/:code', route(async (req) => {
    const booth = await principal(req, d.tokens, ['booth']);
    const r = await d.feedback.byCode(booth.userId, parse(code, req.params.code));
    return { stage: r.stage ?? 'service', matterId: r.matterId, endedAt: r.endedAt, expiresAt: r.expiresAt, ...(r.caseNo ? { caseNo: r.caseNo } : {}) };
  }));

  api.get('/ratings', route(async (req) => {
    await principal(req, d.tokens, ['supervisor']);
    const from = parse(z.coerce.number().int().min(0).default(0), req.query.from);
    const to = parse(z.coerce.number().int().min(0).default(Date.now()), req.query.to);
    return d.feedback.ratings(from, to);
  }));

  // Also without a login (the QR code on the booth): limited per address.
  api.post('/cant-get-done', route(async (req) => {
    const auth = req.headers.authorization;
    const who = auth ? await principal(req, d.tokens) : undefined;
    const rl = `{xw}:rl:cgd:${req.ip}`;
    if (!who && Number(await d.redis.incr(rl)) > 5) throw new AppError(ErrorCode.RateLimited, 'too many reports from this address; try again in an hour');
    await d.redis.expire(rl, 3600);
    const body = parse(
      z.object({ what: z.string().trim().min(1).max(200), why: z.string().trim().min(1).max(1000), contact: z.string().max(60).optional() }).strict(),
      req.body,
    );
    return d.feedback.reportCantGetDone({ ...body, boothId: who?.role === 'booth' ? who.userId : undefined });
  }));

  api.get('/followups', route(async (req) => {
    await principal(req, d.tokens, ['supervisor']);
    return d.feedback.followUps();
  }));

  api.post('/followups/:id/resolve', route(async (req) => {
    const sup = await principal(req, d.tokens, ['supervisor']);
    const body = parse(z.object({ resolution: z.string().trim().min(1).max(1000), calledBack: z.boolean() }).strict(), req.body);
    return d.feedback.resolve(parse(z.string().max(64), req.params.id), sup.userId, body.resolution, body.calledBack);
  }));

  return api;
}
