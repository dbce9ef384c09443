/**
 * What a sign-language interpreter may reach: the session they were offered
 * and joined, the case of that session read-only and masked, and nothing
 * else — not another session's media or relays, not another case, no case
 * action. The case notes which interpreter was present (audited).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type CallOffer } from '@xiaowu/shared';
import { DEMO_IDENTITY } from '../../booth-client/src/devices/id-card-reader';
import { nextEvent, startTestServer, waitFor, type TestServer } from '../support/server';
import { api } from '../support/api';

describe('interpreter: reach limited to the joined session, the case read-only', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ RECORDING: 'off' });
  });
  afterAll(async () => srv?.close());

  it('joins the offered session, sees its case masked, cannot act on it, cannot reach other sessions or cases', async () => {
    const agentToken = await srv.staff({ username: 'agent-ia', name: '坐席', skills: ['shebao'] });
    const agent = await srv.client(agentToken);
    const interpToken = await srv.staff({ username: 'interp-ia', name: '孙老师', role: 'interpreter' });
    const interp = await srv.client(interpToken);
    const { token: boothToken } = await srv.booth('booth-ia');
    const booth = await srv.client(boothToken);

    // A second, unrelated call and case the interpreter is never offered.
    const otherAgent = await srv.client(await srv.staff({ username: 'agent-other', name: '另一坐席', skills: ['yibao'] }));
    const { token: otherBoothToken } = await srv.booth('booth-other');
    const otherBooth = await srv.client(otherBoothToken);
    const otherOffer = nextEvent<CallOffer>(otherAgent, 'call:offer');
    await otherAgent.request('agent:setState', { state: 'available' });
    await otherBooth.request('call:request', { matterId: 'yibao-resident-enroll' });
    const otherSession = await otherAgent.request('call:answer', { callId: (await otherOffer).callId });
    const otherCase = (await api(srv, 'POST', '/cases', { token: otherBoothToken, body: { matterId: 'yibao-resident-enroll', applicant: DEMO_IDENTITY } })).body.data;

    // The resident's call with a case, then 手语服务: the interpreter is offered it and joins.
    await interp.request('agent:setState', { state: 'available' });
    const offer = nextEvent<CallOffer>(agent, 'call:offer');
    await agent.request('agent:setState', { state: 'available' });
    await booth.request('call:request', { matterId: 'shebao-card-reissue' });
    const session = await agent.request('call:answer', { callId: (await offer).callId });
    const created = await api(srv, 'POST', '/cases', { token: boothToken, body: { matterId: 'shebao-card-reissue', applicant: DEMO_IDENTITY } });
    expect(created.status).toBe(200);
    const caseNo = created.body.data.caseNo as string;
    expect(created.body.data.sessionId).toBe(session.sessionId);
    // A retry after a lost answer gets the same case, not a second one.
    expect((await api(srv, 'POST', '/cases', { token: boothToken, body: { matterId: 'shebao-card-reissue', applicant: DEMO_IDENTITY } })).body.data.caseNo).toBe(caseNo);

    // Before joining: the interpreter reaches neither the case nor the session.
    expect((await api(srv, 'GET', `/cases/${caseNo}`, { token: interpToken })).body.error?.code).toBe(ErrorCode.NotFound);
    await expect(interp.request('media:createTransport', { sessionId: session.sessionId, direction: 'recv' })).rejects.toMatchObject({ code: ErrorCode.NotInSession });

    const interpOffer = nextEvent<CallOffer>(interp, 'call:offer');
    await booth.request('interp:request', { sessionId: session.sessionId });
    const joined = await interp.request('call:answer', { callId: (await interpOffer).callId });
    expect(joined.sessionId).toBe(session.sessionId);

    // The case notes the interpreter (audited), and the interpreter may now read it — masked.
    const seen = await waitFor(async () => {
      const r = await api(srv, 'GET', `/cases/${caseNo}`, { token: interpToken });
      return r.status === 200 ? r.body.data : undefined;
    }, 'case visible to the joined interpreter');
    expect(seen.interpreterIds).toEqual(['interp-ia']);
    expect(seen.masked).toBe(true);
    expect(seen.applicant.idNumber).toBe('110105********002X');
    expect(seen.applicant.name).not.toBe(DEMO_IDENTITY.name);
    const audit = (await api(srv, 'GET', `/cases/${caseNo}/audit`, { token: agentToken })).body.data as Array<{ action: string; who: string }>;
    expect(audit.some((e) => e.action === 'interpreter_joined' && e.who === 'system:call')).toBe(true);

    // Read-only: every case action is refused.
    const refused = async (method: string, path: string, body: unknown = {}) => (await api(srv, method, `/cases/${caseNo}${path}`, { token: interpToken, body })).body.error?.code;
    expect(await refused('POST', '/materials/idcard/review', { verdict: 'accepted' })).toBe(ErrorCode.Forbidden);
    expect(await refused('POST', '/delivery', { mode: 'pickup' })).toBe(ErrorCode.Forbidden);
    expect(await refused('POST', '/submit')).toBe(ErrorCode.Forbidden);
    expect(await refused('POST', '/accept')).toBe(ErrorCode.Forbidden);
    expect(await refused('POST', '/withdraw')).toBe(ErrorCode.Forbidden);
    expect(await refused('POST', '/reject', { reasons: ['x'] })).toBe(ErrorCode.Forbidden);
    expect((await api(srv, 'GET', `/cases/${caseNo}/dossier.pdf`, { token: interpToken })).status).toBe(403);
    // No new case in the interpreter's name, no stored files.
    expect((await api(srv, 'POST', '/cases', { token: interpToken, body: { matterId: 'shebao-card-reissue', applicant: DEMO_IDENTITY, boothId: 'booth-ia' } })).status).toBe(403);
    expect((await api(srv, 'GET', `/files/${'0'.repeat(64)}`, { token: interpToken })).status).toBe(403);

    // Never another session's case, media or relays.
    expect((await api(srv, 'GET', `/cases/${otherCase.caseNo}`, { token: interpToken })).body.error?.code).toBe(ErrorCode.NotFound);
    await expect(interp.request('media:createTransport', { sessionId: otherSession.sessionId, direction: 'recv' })).rejects.toMatchObject({ code: ErrorCode.NotInSession });
    await expect(interp.request('chat:send', { sessionId: otherSession.sessionId, text: '你好' })).rejects.toMatchObject({ code: ErrorCode.NotInSession });
    // Document relays belong to the agent: the interpreter cannot press the remote shutter or mark documents.
    await expect(interp.request('doc:requestCapture', { sessionId: session.sessionId, materialId: 'idcard' })).rejects.toMatchObject({ code: expect.stringMatching(/FORBIDDEN|NOT_IN_SESSION/) });
    await expect(interp.request('doc:annotate', { sessionId: session.sessionId, fileSha256: 'a'.repeat(64), annotations: [] })).rejects.toMatchObject({ code: expect.stringMatching(/FORBIDDEN|NOT_IN_SESSION/) });

    await agent.request('call:hangup', { sessionId: session.sessionId });
    await otherAgent.request('call:hangup', { sessionId: otherSession.sessionId });
    await waitFor(async () => (await srv.stats()).sessions.length === 0, 'sessions closed');
  });
});
