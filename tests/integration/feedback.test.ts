/** 好差评 after a real call, 差评 follow-ups, 办不成事 without a call, metrics and security headers. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type CallOffer } from '@xiaowu/shared';
import { nextEvent, startTestServer, waitFor, type TestServer } from '../support/server';
import { api } from '../support/api';

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

  it('takes 办不成事 reports without a call or login, with a per-address limit', async () => {
    for (let i = 0; i < 5; i++) expect((await post('/cant-get-done', { what: '办理居住证', why: `缺少材料 ${i}` })).status).toBe(200);
    expect((await post('/cant-get-done', { what: '办理居住证', why: '第六次' })).status).toBe(429);
    expect((await post('/cant-get-done', { what: '', why: 'x' }, (await srv.booth('booth-cgd')).token)).status).toBe(400);
  });

  it('exposes Prometheus metrics and sends security headers', async () => {
    const m = await (await fetch(`${srv.url}/metrics`)).text();
    expect(m).toMatch(/xw_mediasoup_objects\{kind="workers"\} 1/);
    expect(m).toContain('xw_agents{state="available"}');
    const page = await fetch(`${srv.url}/booth/`);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
