/**
 * The booth registry (supervisors): list, register (id, name, community,
 * address, round trip to the hall), edit, and rotate a booth's device secret.
 * A rotation makes the old secret useless at once, revokes every token the
 * booth holds and closes its connections (the kiosk is then enrolled again
 * with the new secret). Every change is audited; secrets are shown once and
 * never logged.
 */
import express, { type Router } from 'express';
import { z } from 'zod';
import type { Redis } from 'ioredis';
import type { Accounts } from '../auth/accounts';
import type { Principal, TokenService } from '../auth/tokens';
import { auditEntry } from '../recording/retention';
import { parse, principal, route } from './api';
import { AppError, ErrorCode } from '@xiaowu/shared';
import type { NodeRegistry } from '../cluster/nodes';

const boothId = z.string().min(1).max(64).regex(/^[A-Za-z0-9_.:-]+$/, 'id: letters, digits and _.:- only');
const fields = {
  name: z.string().trim().min(1).max(40),
  community: z.string().trim().max(40),
  address: z.string().trim().max(120),
  travelMinutes: z.number().int().min(0).max(1440),
};

export function createBoothApi(d: { accounts: Accounts; tokens: TokenService; redis: Redis; onChanged(): void; onRevoked(p: Principal): void }): Router {
  const api = express.Router();
  api.use(express.json({ limit: '8kb' }));
  const audit = (who: Principal, action: string, target: string) => auditEntry(d.redis, '{xw}:', { who: `${who.role}:${who.userId}`, action, target: `booth:${target}` });

  api.get('/booths', route(async (req) => {
    await principal(req, d.tokens, ['supervisor']);
    return d.accounts.listBooths();
  }));

  api.post('/booths', route(async (req) => {
    const sup = await principal(req, d.tokens, ['supervisor']);
    const body = parse(z.object({ boothId, name: fields.name, community: fields.community.default(''), address: fields.address.default(''), travelMinutes: fields.travelMinutes.optional() }).strict(), req.body);
    const secret = await d.accounts.registerBooth(body);
    await audit(sup, 'booth-registered', body.boothId);
    d.onChanged();
    return { booth: await d.accounts.booth(body.boothId), secret };
  }));

  api.patch('/booths/:id', route(async (req) => {
    const sup = await principal(req, d.tokens, ['supervisor']);
    const id = parse(boothId, req.params.id);
    const patch = parse(z.object({ name: fields.name, community: fields.community, address: fields.address, travelMinutes: fields.travelMinutes }).partial().strict(), req.body);
    const booth = await d.accounts.updateBooth(id, patch);
    await audit(sup, 'booth-updated', id);
    d.onChanged();
    return booth;
  }));

  api.post('/booths/:id/secret', route(async (req) => {
    const sup = await principal(req, d.tokens, ['supervisor']);
    const id = parse(boothId, req.params.id);
    const secret = await d.accounts.rotateBoothSecret(id);
    const target = { role: 'booth' as const, userId: id, name: id };
    await d.tokens.revokeAll(target);
    await audit(sup, 'booth-secret-rotated', id);
    d.onRevoked(target);
    return { secret };
  }));

  return api;
}

/** The node registry (supervisors): list the sfu nodes; drain one for a rolling upgrade (audited). */
export function createNodeApi(d: { tokens: TokenService; nodes: NodeRegistry; redis: Redis }): Router {
  const api = express.Router();
  api.use(express.json({ limit: '1kb' }));
  api.get('/nodes', route(async (req) => {
    await principal(req, d.tokens, ['supervisor']);
    return d.nodes.list();
  }));
  api.post('/nodes/:id/drain', route(async (req) => {
    const sup = await principal(req, d.tokens, ['supervisor']);
    const id = parse(z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/), req.params.id);
    if (!(await d.nodes.list()).some((n) => n.nodeId === id && n.alive)) throw new AppError(ErrorCode.NotFound, 'no live node with this id');
    await d.nodes.requestDrain(id);
    await auditEntry(d.redis, '{xw}:', { who: `${sup.role}:${sup.userId}`, action: 'node-drain', target: `node:${id}` });
    return {};
  }));
  return api;
}
