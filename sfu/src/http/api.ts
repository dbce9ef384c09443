/**
 * REST API: login, booth enrollment, catalog. Every body validated with zod,
 * every error a typed `{ ok: false, error: { code, message } }`.
 */
import { isRedisUnavailable } from '../store/redis';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { AppError, ErrorCode, Roles, type Role } from '@xiaowu/shared';
import { oneTimeNotice, popularMatters, mattersByDepartment } from '@xiaowu/shared/catalog';
import type { Accounts } from '../auth/accounts';
import type { Principal, TokenService } from '../auth/tokens';
import type { CatalogStore } from '../catalog/catalog-store';
import type { Appointments, HoursStore } from '../queue/appointments';
import { renderNoticePdf } from '../pdf/notice-pdf';
import type { Uploads } from '../documents/uploads';
import fs from 'node:fs';
import path from 'node:path';
import { readManifest, verifyRecording } from '../recording/manifest';
import { auditEntry } from '../recording/retention';
import { ServiceHours, scheduleFor } from '@xiaowu/shared';
import type { Logger } from '../log';

export interface ApiDeps {
  accounts: Accounts;
  tokens: TokenService;
  catalog: CatalogStore;
  hours: HoursStore;
  appointments: Appointments;
  publicUrl?: string;
  uploads: Uploads;
  redis: import('ioredis').Redis;
  log: Logger;
  /** Tokens of this user were revoked: close its live connections. */
  onRevoked?: (p: { role: Role; userId: string }) => void;
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  INVALID_STATE: 409,
  SLOT_UNAVAILABLE: 409,
  OUT_OF_HOURS: 409,
  RATE_LIMITED: 429,
  NODE_DRAINING: 503,
  UNAVAILABLE: 503,
};

type Handler = (req: Request, res: Response) => Promise<unknown>;

/** Wraps an async handler: JSON result, or the typed error with its HTTP status. */
export const route = (fn: Handler) => (req: Request, res: Response, next: NextFunction) => {
  fn(req, res).then(
    (data) => {
      if (!res.headersSent) res.json({ ok: true, data });
    },
    (err) => next(err),
  );
};

export function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new AppError(ErrorCode.BadRequest, z.prettifyError(r.error));
  return r.data;
}

/** The caller's principal from `Authorization: Bearer`, limited to some roles. */
export async function principal(req: Request, tokens: TokenService, roles?: readonly Role[]): Promise<Principal> {
  const h = req.headers.authorization;
  const p = await tokens.verify(h?.startsWith('Bearer ') ? h.slice(7) : undefined);
  if (roles && !roles.includes(p.role)) throw new AppError(ErrorCode.Forbidden, `${p.role} may not do this`);
  return p;
}

export function errorHandler(log: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof AppError) {
      res.status(STATUS[err.code] ?? 400).json({ ok: false, error: err.toPayload() });
      return;
    }
    if (isRedisUnavailable(err)) {
      // Redis restarting / failing over: nothing was written; the client retries.
      log.warn({ path: req.path }, 'request refused: redis unavailable');
      res.status(503).setHeader('retry-after', '2').json({ ok: false, error: { code: ErrorCode.Unavailable, message: 'data store briefly unavailable; nothing was saved, try again' } });
      return;
    }
    const status = (err as { status?: number }).status;
    if (status && status >= 400 && status < 500) {
      // body-parser: malformed JSON, too large
      res.status(status).json({ ok: false, error: { code: ErrorCode.BadRequest, message: (err as Error).message } });
      return;
    }
    log.error({ err, path: req.path }, 'request failed');
    res.status(500).json({ ok: false, error: { code: ErrorCode.Internal, message: 'internal error' } });
  };
}

const Login = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) }).strict();
const Enroll = z.object({ boothId: z.string().min(1).max(64), secret: z.string().min(1).max(256) }).strict();

export function createApi(d: ApiDeps): Router {
  const api = express.Router();
  api.use(express.json({ limit: '2mb' }));

  api.post('/auth/login', route(async (req) => {
    const { username, password } = parse(Login, req.body);
    const p = await d.accounts.login(username, password);
    const staff = await d.accounts.staff(username);
    return { ...(await d.tokens.issue(p)), user: { ...p, skills: staff?.skills ?? [], tags: staff?.tags ?? [] } };
  }));

  // Logout: every token of the caller stops working on every node; its connections close.
  api.post('/auth/logout', route(async (req) => {
    const who = await principal(req, d.tokens);
    await d.tokens.revokeAll(who);
    d.onRevoked?.(who);
    return {};
  }));

  // A supervisor revokes a user's or a booth's tokens (lost device, leaver); audited.
  api.post('/auth/revoke', route(async (req) => {
    const who = await principal(req, d.tokens, ['supervisor']);
    const target = parse(z.object({ role: z.enum(Roles), userId: z.string().min(1).max(64) }).strict(), req.body);
    await d.tokens.revokeAll(target);
    await auditEntry(d.redis, '{xw}:', { who: `${who.role}:${who.userId}`, action: 'tokens-revoked', target: `${target.role}:${target.userId}` });
    d.onRevoked?.(target);
    return {};
  }));

  api.post('/auth/booth', route(async (req) => {
    const { boothId, secret } = parse(Enroll, req.body);
    const p = await d.accounts.authenticateBooth(boothId, secret);
    return { ...(await d.tokens.issue(p)), booth: await d.accounts.booth(boothId) };
  }));

  api.get('/catalog', route(async () => {
    const c = await d.catalog.current();
    return {
      version: c.version,
      departments: mattersByDepartment(c).map(({ department, matters }) => ({ ...department, matters: matters.map(summary) })),
      // Life-event themes (主题服务) with their matters, for browsing by theme.
      themes: c.themes.map((t) => ({ ...t, matters: c.matters.filter((m) => m.themeIds.includes(t.id)).map(summary) })),
      popular: popularMatters(c).map(summary),
    };
  }));

  api.get('/catalog/search', route(async (req) => {
    const q = parse(z.string().max(50), req.query.q ?? '');
    return (await d.catalog.search(q)).slice(0, 30).map(summary);
  }));

  const noticeUrl = (req: Request, id: string) => `${d.publicUrl ?? `${req.protocol}://${req.get('host')}`}/api/catalog/matters/${encodeURIComponent(id)}/notice.pdf`;

  api.get('/catalog/matters/:id', route(async (req) => {
    const m = await d.catalog.matter(parse(z.string().max(64), req.params.id));
    return { matter: m, notice: oneTimeNotice(m), noticeUrl: noticeUrl(req, m.id) };
  }));

  api.get('/catalog/matters/:id/notice.pdf', route(async (req, res) => {
    const id = parse(z.string().max(64), req.params.id);
    const catalog = await d.catalog.current();
    const m = await d.catalog.matter(id);
    const pdf = await renderNoticePdf(oneTimeNotice(m), { url: noticeUrl(req, m.id), catalogVersion: catalog.version, printedAt: new Date() });
    res.setHeader('content-type', 'application/pdf');
    res.setHeader('content-disposition', `inline; filename="notice-${m.id}.pdf"`);
    res.end(Buffer.from(pdf));
  }));

  api.put('/catalog', route(async (req) => {
    const who = await principal(req, d.tokens, ['supervisor']);
    const c = await d.catalog.publish(req.body);
    d.log.info({ by: who.userId, version: c.version }, 'catalog published');
    return { version: c.version };
  }));

  api.get('/service-hours', route(async (req) => {
    const skill = parse(z.string().max(64), req.query.skill ?? 'consult');
    return { ...(await d.hours.status(skill)), schedule: scheduleFor(await d.hours.get(), skill) };
  }));

  api.put('/service-hours', route(async (req) => {
    const who = await principal(req, d.tokens, ['supervisor']);
    await d.hours.set(parse(ServiceHours, req.body));
    d.log.info({ by: who.userId }, 'service hours changed');
    return d.hours.get();
  }));

  api.get('/appointments/slots', route(async (req) => {
    await principal(req, d.tokens);
    const m = await d.catalog.matter(parse(z.string().max(64), req.query.matterId));
    return d.appointments.slots(m.skill);
  }));

  api.post('/appointments', route(async (req) => {
    const booth = await principal(req, d.tokens, ['booth']);
    const body = parse(
      z.object({ matterId: z.string().max(64), start: z.number().int().positive(), phone: z.string().regex(/^1\d{10}$/, 'a mainland mobile number').optional() }).strict(),
      req.body,
    );
    const m = await d.catalog.matter(body.matterId);
    return d.appointments.book({ matterId: m.id, matterName: m.name, skill: m.skill, boothId: booth.userId, start: body.start, phone: body.phone });
  }));

  // A resident arriving at any booth types the code from their slip or SMS.
  api.get('/appointments/by-code/:code', route(async (req) => {
    await principal(req, d.tokens, ['booth']);
    const code = parse(z.string().regex(/^\d{6}$/, '6 digits'), req.params.code);
    const a = await d.appointments.byCode(code);
    if (!a || a.status === 'cancelled') throw new AppError(ErrorCode.NotFound, 'no appointment with this code');
    return a;
  }));

  api.get('/appointments', route(async (req) => {
    const booth = await principal(req, d.tokens, ['booth']);
    return d.appointments.ofBooth(booth.userId);
  }));

  api.delete('/appointments/:id', route(async (req) => {
    const booth = await principal(req, d.tokens, ['booth']);
    return d.appointments.cancel(parse(z.string().max(64), req.params.id), booth.userId);
  }));

  api.post('/uploads', route(async (req) => {
    const who = await principal(req, d.tokens, ['booth', 'agent']);
    const body = parse(z.object({ fileName: z.string().max(200), size: z.number().int(), sha256: z.string().max(64) }).strict(), req.body);
    return d.uploads.create(who, body);
  }));

  api.get('/uploads/:id', route(async (req) => d.uploads.status(await principal(req, d.tokens), parse(z.string().max(64), req.params.id))));

  api.put(
    '/uploads/:id',
    express.raw({ type: 'application/octet-stream', limit: d.uploads.limits.chunkBytes }),
    route(async (req) => {
      const who = await principal(req, d.tokens);
      const offset = parse(z.coerce.number().int().min(0), req.query.offset);
      if (!Buffer.isBuffer(req.body)) throw new AppError(ErrorCode.BadRequest, 'send the chunk as application/octet-stream');
      return d.uploads.append(who, parse(z.string().max(64), req.params.id), offset, req.body);
    }),
  );

  // Materials are personal data: staff only for now (case-scoped access comes with cases).
  api.get('/files/:sha256', route(async (req, res) => {
    await principal(req, d.tokens, ['agent', 'supervisor']);
    const sha = parse(z.string().regex(/^[a-f0-9]{64}$/), req.params.sha256);
    const info = await d.uploads.fileInfo(sha);
    if (!info) throw new AppError(ErrorCode.NotFound, 'no such file');
    res.setHeader('content-type', info.mime);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('cache-control', 'private, max-age=3600');
    await new Promise<void>((resolve, reject) => res.sendFile(d.uploads.files.pathOf(sha), (err) => (err ? reject(err) : resolve())));
  }));

  return api;
}

function summary(m: { id: string; name: string; departmentId: string; summary: string; skill: string; promisedDays: number; onSite: boolean }) {
  return { id: m.id, name: m.name, departmentId: m.departmentId, summary: m.summary, skill: m.skill, promisedDays: m.promisedDays, onSite: m.onSite };
}
