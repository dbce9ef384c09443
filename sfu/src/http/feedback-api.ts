/** 好差评, 办不成事 and the supervisors' follow-up list. */
import express, { type Router } from 'express';
import { z } from 'zod';
import { AppError, ErrorCode } from '@xiaowu/shared';
import type { Redis } from 'ioredis';
import type { TokenService } from '../auth/tokens';
import type { FeedbackStore, RatingLevel } from '../feedback/feedback-store';
import { parse, principal, route } from './api';

export function createFeedbackApi(d: { feedback: FeedbackStore; tokens: TokenService; redis: Redis }): Router {
  const api = express.Router();
  api.use(express.json({ limit: '16kb' }));

  api.post('/ratings', route(async (req) => {
    const booth = await principal(req, d.tokens, ['booth']);
    const body = parse(
      z.object({
        sessionId: z.string().max(64),
        level: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(5)]),
        reasons: z.array(z.string().min(1).max(30)).max(8).default([]),
        comment: z.string().max(500).default(''),
      }).strict(),
      req.body,
    );
    return d.feedback.rate(booth.userId, body.sessionId, body.level as RatingLevel, body.reasons, body.comment);
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
