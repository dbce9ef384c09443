/** 好差评 after a real call, 差评 follow-ups, 办不成事 without a call, metrics and security headers. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type CallOffer } from '@xiaowu/shared';
import { nextEvent, startTestServer, waitFor, type TestServer } from '../support/server';
import { api } from '../support/api';
import { createHash } from 'node:crypto';
import { SEED_CATALOG, findMatter } from '@xiaowu/shared/catalog';
import { CaseStore } from '../../sfu/src/cases/case-store';
import { DEMO_IDENTITY } from '../../booth-client/src/devices/id-card-reader';

describe('ratings, reports, metrics', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ RECORDING: 'off' });
  });
  afterAll(async () => srv?.close());

  const post = (p: string, body: unknown, token?: string) => api(srv, 'POST', p, { token, body });

  it('takes one five-level rating per session from its booth; a 差评 opens a follow-up due in 15 working days', async () => {
    const { token: boothToken } = await srv.booth('booth-rate');
    const { token: other } = await srv.booth('booth-other');
    const agent = await srv.client(await srv.staff({ username: 'agent-rate', skills: ['shebao'] }));
    const booth = await srv.client(boothToken);
    const offer = nextEvent<CallOffer>(agent, 'call:offer');
    await agent.request('agent:setState', { state: 'available' });
    await booth.request('call:request', { matterId: 'shebao-card-reissue' });
    const s = await agent.request('call:answer', { callId: (await offer).callId });
    await booth.request('call:hangup', { sessionId: s.sessionId });

    await waitFor(async () => (await srv.feedback.rating(s.sessionId)) === undefined && (await post('/ratings', { sessionId: s.sessionId, level: 9 }, boothToken)).status === 400, 'session ratable');
    expect((await post('/ratings', { sessionId: s.sessionId, level: 2 }, other)).status).toBe(404);
    const rated = await waitFor(async () => {
      const r = await post('/ratings', { sessionId: s.sessionId, level: 2, reasons: ['等待时间长'], comment: '排队太久' }, boothToken);
      return r.status === 200 ? r : undefined;
    }, 'rating accepted');
    expect(rated.body.data).toMatchObject({ label: '不满意', agentId: 'agent-rate', matterId: 'shebao-card-reissue' });
    expect((await post('/ratings', { sessionId: s.sessionId, level: 5 }, boothToken)).body.error?.code).toBe(ErrorCode.InvalidState);

    const sup = await srv.staff({ username: 'sup-rate', role: 'supervisor' });
    const list = (await (await fetch(`${srv.url}/api/followups`, { headers: { authorization: `Bearer ${sup}` } })).json()) as { data: Array<{ id: string; kind: string; dueAt: number; overdue: boolean }> };
    const f = list.data.find((x) => x.kind === 'bad-rating')!;
    expect(f.overdue).toBe(false);
    const days = (f.dueAt - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(19); // 15 working days span at least three weekends
    expect(days).toBeLessThan(26);
    expect((await post(`/followups/${f.id}/resolve`, { resolution: '已整改', calledBack: false }, sup)).body.error?.code).toBe(ErrorCode.InvalidState);
    expect((await post(`/followups/${f.id}/resolve`, { resolution: '已回访并整改：增加午间坐席', calledBack: true }, sup)).body.data.state).toBe('resolved');
    expect((await fetch(`${srv.url}/api/followups`, { headers: { authorization: `Bearer ${boothToken}` } })).status).toBe(403);
  });

  it('一事多评 and 智能邀评: the service and the completion are rated separately, later and at any booth, with 6-digit codes', async () => {
    const { token: boothToken } = await srv.booth('booth-stage');
    const { token: otherToken } = await srv.booth('booth-stage-other');
    const agent = await srv.client(await srv.staff({ username: 'agent-stage', skills: ['shebao'] }));
    const booth = await srv.client(boothToken);
    const offer = nextEvent<CallOffer>(agent, 'call:offer');
    await agent.request('agent:setState', { state: 'available' });
    await booth.request('call:request', { matterId: 'shebao-retire-pension' });
    const s = await agent.request('call:answer', { callId: (await offer).callId });
    await booth.request('call:hangup', { sessionId: s.sessionId });

    // The end screen's code: the booth of the session only.
    const invite = await waitFor(async () => {
      const r = await api(srv, 'GET', `/ratings/invite/${s.sessionId}`, { token: boothToken });
      return r.status === 200 ? r.body.data : undefined;
    }, 'invite code');
    expect(invite.code).toMatch(/^\d{6}$/);
    expect(invite.stage).toBe('service');
    expect(invite.expiresAt - Date.now()).toBeGreaterThan(2.9 * 86_400_000);
    expect((await api(srv, 'GET', `/ratings/invite/${s.sessionId}`, { token: otherToken })).status).toBe(404);
    // Later, at another booth, with the code.
    expect((await api(srv, 'GET', `/ratings/by-code/${invite.code}`, { token: otherToken })).body.data).toMatchObject({ stage: 'service', matterId: 'shebao-retire-pension' });
    const byCode = await post('/ratings', { code: invite.code, level: 5, reasons: ['服务热情'] }, otherToken);
    expect(byCode.body.data).toMatchObject({ sessionId: s.sessionId, stage: 'service', boothId: 'booth-stage', agentId: 'agent-stage', label: '非常满意' });
    expect((await post('/ratings', { code: invite.code, level: 1 }, otherToken)).status).toBe(404); // used up
    expect((await post('/ratings', { sessionId: s.sessionId, level: 1 }, boothToken)).body.error?.code).toBe(ErrorCode.InvalidState);
    expect((await post('/ratings', { code: invite.code, sessionId: s.sessionId, level: 1 }, boothToken)).status).toBe(400);

    // The case opened in that call is completed (办结): its completion gets a rating of its own.
    const matter = findMatter(SEED_CATALOG, 'shebao-retire-pension')!;
    const offline = new CaseStore(srv.redis); // (no stored files needed to walk the state machine)
    const boothP = { role: 'booth' as const, userId: 'booth-stage', name: 'booth-stage' };
    const agentP = { role: 'agent' as const, userId: 'agent-stage', name: 'agent-stage' };
    let c = await offline.create({ matter, catalogVersion: 1, boothId: 'booth-stage', agentId: 'agent-stage', sessionId: s.sessionId, applicant: DEMO_IDENTITY }, boothP);
    for (const m of c.materials) await offline.attachFile(c.caseNo, m.materialId, createHash('sha256').update(m.materialId).digest('hex'), boothP);
    await offline.setDelivery(c.caseNo, { mode: 'electronic' }, boothP);
    await offline.submit(c.caseNo, boothP);
    c = await offline.startReview(c.caseNo, agentP);
    for (const m of c.materials) await offline.review(c.caseNo, m.materialId, 'accepted', undefined, agentP);
    await offline.accept(c.caseNo, agentP);
    await srv.cases.complete(c.caseNo, agentP); // through the server's store: its listener opens the stage
    const last4 = DEMO_IDENTITY.idNumber.slice(-4);
    const progress = await waitFor(async () => {
      const r = await post('/progress', { caseNo: c.caseNo, idLast4: last4 });
      return r.body.data?.rateCode ? r.body.data : undefined;
    }, 'completion code on the progress lookup');
    expect(progress.state).toBe('completed');
    expect(progress.rateCode).not.toBe(invite.code);
    const done = await post('/ratings', { code: progress.rateCode, level: 2, reasons: ['办理太慢'] }, boothToken);
    expect(done.body.data).toMatchObject({ stage: 'completion', caseNo: c.caseNo, sessionId: s.sessionId, level: 2 });
    expect((await post('/progress', { caseNo: c.caseNo, idLast4: last4 })).body.data.rateCode).toBeUndefined();
    const both = (await srv.feedback.latestRatings(10)).filter((r) => r.sessionId === s.sessionId);
    expect(both.map((r) => r.stage).sort()).toEqual(['completion', 'service']);
    const sup = await srv.staff({ username: 'sup-stage', role: 'supervisor' });
    const list = (await api(srv, 'GET', '/followups', { token: sup })).body.data as Array<{ ref: string; summary: string }>;
    expect(list.find((f) => f.ref === s.sessionId)?.summary).toContain('办结评价不满意');

    // Guessing codes: 10 wrong tries per booth per 10 minutes.
    const { token: guesser } = await srv.booth('booth-stage-guess');
    const wrong = invite.code === '000001' ? '000002' : '000001';
    for (let i = 0; i < 10; i++) expect((await api(srv, 'GET', `/ratings/by-code/${wrong}`, { token: guesser })).status).toBe(404);
    expect((await api(srv, 'GET', `/ratings/by-code/${wrong}`, { token: guesser })).status).toBe(429);
    expect((await api(srv, 'GET', `/ratings/by-code/12ab56`, { token: boothToken })).status).toBe(400);
  });

  it('takes 办不成事 reports without a call or login, with a per-address limit', async () => {
    for (let i = 0; i < 5; i++) expect((await post('/cant-get-done', { what: '办理居住证', why: `缺少材料 ${i}` })).status).toBe(200);
    expect((await post('/cant-get-done', { what: '办理居住证', why: '第六次' })).status).toBe(429);
    expect((await post('/cant-get-done', { what: '', why: 'x' }, (await srv.booth('booth-cgd')).token)).status).toBe(400);
  });

  it('exposes Prometheus metrics and sends security headers', async () => {
    const m = await (await fetch(`${srv.url}/metrics`)).text();
    expect(m).toMatch(/xw_mediasoup_objects\{kind="workers"\} 1/);
    expect(m).toContain('xw_agents{state="available"}');
    expect(m).toMatch(/xw_recording_pending_segments \d+/);
    expect(m).toMatch(/xw_recording_lag_seconds [\d.]+/);
    // booth-stage-guess etc. never connected: offline; the 差评 follow-ups of the tests above are open.
    expect(Number(/xw_booths\{state="offline"\} (\d+)/.exec(m)?.[1])).toBeGreaterThan(0);
    expect(Number(/xw_followups\{state="open"\} (\d+)/.exec(m)?.[1])).toBeGreaterThan(0);
    const page = await fetch(`${srv.url}/booth/`);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
