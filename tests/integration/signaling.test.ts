/**
 * Signaling and REST against a real sfu (real Redis, real mediasoup): tokens,
 * roles, validation, ownership, skill routing, and a node-only call from
 * request to wrap-up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { ErrorCode, SOCKET_PATH, type AgentStatusInfo, type CallOffer, type SessionInfo } from '@xiaowu/shared';
import type { SignalingClient } from '@xiaowu/shared/client';
import { nextEvent, nextEventWhere, startTestServer, waitFor, TEST_PASSWORD, type TestServer } from '../support/server';
import { api } from '../support/api';

/** Sends a raw event (bypassing the typed client) and returns the ack. */
function raw(c: SignalingClient, event: string, ...args: unknown[]): Promise<{ ok: boolean; error?: { code: string } }> {
  const emit = c.socket.emit as unknown as (...a: unknown[]) => void;
  return new Promise((resolve) => emit.call(c.socket, event, ...args, resolve));
}

async function connectError(srv: TestServer, auth: unknown): Promise<string | undefined> {
  const s = io(srv.url, { path: SOCKET_PATH, transports: ['websocket'], auth: auth as object, reconnection: false });
  const err = await new Promise<Error & { data?: { code: string } }>((r) => s.once('connect_error', r));
  s.close();
  return err.data?.code;
}

const rest = (srv: TestServer, method: string, path: string, body?: unknown, token?: string) => api(srv, method, path, { body, token });

describe('signaling and API', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ OFFER_TIMEOUT_S: '5', WRAP_UP_S: '30' });
  });
  afterAll(async () => srv?.close());

  it('refuses connections without a valid token: missing, forged, tampered', async () => {
    expect(await connectError(srv, {})).toBe(ErrorCode.Unauthorized);
    expect(await connectError(srv, { token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl' })).toBe(ErrorCode.Unauthorized);
    const { token } = await srv.booth('booth-tamper');
    const [h, payload, sig] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), role: 'supervisor' })).toString('base64url');
    expect(await connectError(srv, { token: `${h}.${forged}.${sig}` })).toBe(ErrorCode.Unauthorized);
  });

  it('logs staff in, limits guessing, and enrolls booths with their device secret', async () => {
    await srv.staff({ username: 'login-agent' });
    const good = await rest(srv, 'POST', '/auth/login', { username: 'login-agent', password: TEST_PASSWORD });
    expect(good.status).toBe(200);
    expect(good.body.data.user).toMatchObject({ role: 'agent', userId: 'login-agent' });
    expect((await rest(srv, 'POST', '/auth/login', { username: 'login-agent', password: 'wrong password' })).body.error?.code).toBe(ErrorCode.Unauthorized);
    expect((await rest(srv, 'POST', '/auth/login', '{"username": broken json')).status).toBe(400);
    expect((await rest(srv, 'POST', '/auth/login', { username: 'x', password: 'y', admin: true })).body.error?.code).toBe(ErrorCode.BadRequest);
    for (let i = 0; i < 10; i++) await rest(srv, 'POST', '/auth/login', { username: 'victim', password: `guess-${i}` });
    const limited = await rest(srv, 'POST', '/auth/login', { username: 'victim', password: 'guess-x' });
    expect(limited.status).toBe(429);
    expect(limited.body.error?.code).toBe(ErrorCode.RateLimited);

    const { secret } = await srv.booth('booth-enroll', '安贞社区晓屋');
    const enrolled = await rest(srv, 'POST', '/auth/booth', { boothId: 'booth-enroll', secret });
    expect(enrolled.body.data.booth).toMatchObject({ boothId: 'booth-enroll', name: '安贞社区晓屋' });
    expect((await rest(srv, 'POST', '/auth/booth', { boothId: 'booth-enroll', secret: 'not-the-secret' })).status).toBe(401);
  });

  it('serves the catalog, searches Chinese and pinyin initials, and versions edits by supervisors only', async () => {
    const cat = await rest(srv, 'GET', '/catalog');
    expect(cat.body.data.departments.length).toBeGreaterThanOrEqual(8);
    expect(cat.body.data.popular.length).toBeGreaterThan(0);
    const byChinese = await rest(srv, 'GET', `/catalog/search?q=${encodeURIComponent('养老金')}`);
    expect(byChinese.body.data.map((m: { id: string }) => m.id)).toContain('shebao-retire-pension');
    const byInitials = await rest(srv, 'GET', '/catalog/search?q=txsl');
    expect(byInitials.body.data.map((m: { id: string }) => m.id)).toContain('shebao-retire-pension');
    const notice = await rest(srv, 'GET', '/catalog/matters/shebao-retire-pension');
    expect(notice.body.data.notice.materials.length).toBe(notice.body.data.matter.materials.length);
    expect((await rest(srv, 'GET', '/catalog/matters/no-such-matter')).status).toBe(404);

    const full = (await srv.catalog.current()) as { version: number };
    expect((await rest(srv, 'PUT', '/catalog', full)).status).toBe(401);
    expect((await rest(srv, 'PUT', '/catalog', full, await srv.staff({ username: 'not-a-supervisor' }))).status).toBe(403);
    const sup = await srv.staff({ username: 'sup', role: 'supervisor' });
    expect((await rest(srv, 'PUT', '/catalog', { ...full, matters: [] }, sup)).body.error?.code).toBe(ErrorCode.BadRequest);
    const published = await rest(srv, 'PUT', '/catalog', full, sup);
    expect(published.body.data.version).toBe(full.version + 1);
    // The old version stays readable for cases opened under it.
    expect((await srv.catalog.version(full.version)).version).toBe(full.version);
  });

  it('answers wrong roles, malformed and unknown messages with typed errors', async () => {
    const booth = await srv.client((await srv.booth('booth-x')).token);
    await expect(booth.request('call:answer', { callId: 'c1' })).rejects.toMatchObject({ code: ErrorCode.Forbidden });
    await expect(booth.request('agent:setState', { state: 'available' })).rejects.toMatchObject({ code: ErrorCode.Forbidden });
    expect((await raw(booth, 'call:cancel', { callId: 12 })).error?.code).toBe(ErrorCode.BadRequest);
    expect((await raw(booth, 'call:cancel', 'not an object')).error?.code).toBe(ErrorCode.BadRequest);
    expect((await raw(booth, 'call:cancel', { callId: 'a' }, { extra: 1 })).error?.code).toBe(ErrorCode.BadRequest);
    expect((await raw(booth, 'no:such:event', {})).error?.code).toBe(ErrorCode.BadRequest);
    expect((await raw(booth, 'call:request', { matterId: 'consult', needs: { language: 'Klingon!' } })).error?.code).toBe(ErrorCode.BadRequest);
    await expect(booth.request('call:request', { matterId: 'no-such-matter' })).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await expect(booth.request('media:createTransport', { sessionId: 's-none', direction: 'send' })).rejects.toMatchObject({ code: ErrorCode.NotInSession });
    await expect(booth.request('call:cancel', { callId: 'nobody' })).rejects.toMatchObject({ code: ErrorCode.NotFound });
    const protoErr = nextEvent<{ event: string; error: { code: string } }>(booth, 'protocol:error');
    (booth.socket.emit as unknown as (...a: unknown[]) => void).call(booth.socket, 'media:produce', { bogus: true });
    expect((await protoErr).error.code).toBe(ErrorCode.BadRequest);
    const agent = await srv.client(await srv.staff({ username: 'agent-wrongrole', skills: ['shebao'] }));
    await expect(agent.request('call:request', { matterId: 'consult' })).rejects.toMatchObject({ code: ErrorCode.Forbidden });
    await expect(agent.request('agent:wrapUp', { disposition: 'resolved' })).rejects.toMatchObject({ code: ErrorCode.InvalidState });
    // The connection is still usable afterwards.
    const { callId } = await booth.request('call:request', { matterId: 'consult' });
    await booth.request('call:cancel', { callId });
  });

  it('routes by skill: offer → answer → media → hang-up → wrap-up, cleaning up every mediasoup object', async () => {
    const yibaoAgent = await srv.client(await srv.staff({ username: 'agent-yibao', name: '医保坐席', skills: ['yibao'] }));
    const agent = await srv.client(await srv.staff({ username: 'agent-shebao', name: '社保坐席', skills: ['shebao'] }));
    const booth = await srv.client((await srv.booth('booth-1', '和平里社区晓屋')).token);
    await yibaoAgent.request('agent:setState', { state: 'available' });

    // Nobody with the skill is on duty: the resident waits, with no estimate to promise.
    const waiting = await booth.request('call:request', { matterId: 'shebao-retire-pension' });
    expect(waiting).toMatchObject({ position: 1, estimatedWaitSec: null });
    let wrongOffer = false;
    yibaoAgent.on('call:offer', () => (wrongOffer = true));

    // The shebao agent comes on duty and is offered the resident at once.
    const offered = nextEvent<CallOffer>(agent, 'call:offer');
    const st = await agent.request('agent:setState', { state: 'available' });
    expect(['available', 'offered']).toContain(st.state);
    const offer = await offered;
    expect(offer).toMatchObject({ callId: waiting.callId, boothName: '和平里社区晓屋', matterId: 'shebao-retire-pension', skill: 'shebao' });
    expect(offer.expiresAt).toBeGreaterThan(Date.now());

    const started = nextEvent<SessionInfo>(booth, 'call:started');
    const session = await agent.request('call:answer', { callId: offer.callId });
    expect((await started).sessionId).toBe(session.sessionId);
    expect(session.parties.map((p) => p.role).sort()).toEqual(['agent', 'booth']);
    // Neither another agent nor a second answer can take it.
    await expect(yibaoAgent.request('call:answer', { callId: offer.callId })).rejects.toMatchObject({ code: ErrorCode.CallUnavailable });
    await expect(yibaoAgent.request('media:routerCapabilities', { sessionId: session.sessionId })).rejects.toMatchObject({ code: ErrorCode.NotInSession });
    await expect(booth.request('call:request', { matterId: 'consult' })).rejects.toMatchObject({ code: ErrorCode.CallAlreadyActive });

    const caps = await booth.request('media:routerCapabilities', { sessionId: session.sessionId });
    expect(caps.codecs?.map((c) => c.mimeType)).toEqual(expect.arrayContaining(['audio/opus', 'video/VP8', 'video/H264']));
    const send = await booth.request('media:createTransport', { sessionId: session.sessionId, direction: 'send' });
    expect(send.iceCandidates.every((c) => c.address === '127.0.0.1')).toBe(true);
    await expect(
      agent.request('media:connectTransport', { transportId: send.id, dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'AA' }] } }),
    ).rejects.toMatchObject({ code: ErrorCode.NotFound });
    expect((await srv.stats()).counts).toMatchObject({ routers: 1, transports: 1 });

    const wrap = nextEvent<AgentStatusInfo>(agent, 'agent:state');
    const ended = nextEvent<{ reason: string }>(agent, 'call:ended');
    await booth.request('call:hangup', { sessionId: session.sessionId });
    expect((await ended).reason).toBe('hangup');
    await waitFor(async () => (await srv.stats()).counts.routers === 0, 'router closed');
    expect((await srv.stats()).counts).toMatchObject({ routers: 0, transports: 0, producers: 0, consumers: 0 });
    const w = await wrap;
    expect(w.state).toBe('wrap-up');
    expect(w.until).toBeGreaterThan(Date.now());
    const back = await agent.request('agent:wrapUp', { disposition: 'consult-only', note: '已告知所需材料' });
    expect(back.state).toBe('available');
    expect(wrongOffer).toBe(false);

    // The booth can call again; with an agent on duty the estimate is a number.
    const again = await booth.request('call:request', { matterId: 'shebao-card-reissue' });
    expect(again.callId).not.toBe(waiting.callId);
  });

  it('passes an unanswered offer to the next agent and marks the silent one away', async () => {
    const quiet = await srv.client(await srv.staff({ username: 'agent-quiet', skills: ['minzheng'] }));
    const booth = await srv.client((await srv.booth('booth-2')).token);
    await quiet.request('agent:setState', { state: 'available' });
    const firstOffer = nextEvent<CallOffer>(quiet, 'call:offer');
    // Only agent-quiet has the 民政 skill (consult would go to whoever is idle longest).
    const pos = await booth.request('call:request', { matterId: 'minzheng-marriage-record' });
    expect((await firstOffer).callId).toBe(pos.callId);
    const withdrawn = nextEvent<{ reason: string }>(quiet, 'call:offerWithdrawn', 10_000);
    expect((await withdrawn).reason).toBe('missed');
    const status = await waitFor(async () => {
      const a = await srv.calls.queueSummary();
      return a.agents.away >= 1 ? a : undefined;
    }, 'silent agent away');
    expect(status.agents.away).toBeGreaterThanOrEqual(1);
    // Back in the queue at the front, with nobody on duty for the skill: no estimate.
    const p = await waitFor(async () => {
      const q = await srv.calls.positionOf({ ticketId: pos.callId, skill: 'minzheng' });
      return q.position === 1 ? q : undefined;
    }, 'ticket re-queued');
    expect(p.estimatedWaitSec).toBeNull();
    const other = await srv.client(await srv.staff({ username: 'agent-next', skills: ['minzheng'] }));
    const next = nextEvent<CallOffer>(other, 'call:offer');
    await other.request('agent:setState', { state: 'available' });
    expect((await next).callId).toBe(pos.callId);
  });

  it('transfers a resident to another skill with a note: the next agent joins the same session, the first one leaves', async () => {
    // Skills no other agent of this file has, so the offers are deterministic.
    const first = await srv.client(await srv.staff({ username: 'agent-t1', name: '户政一', skills: ['gongan'] }));
    const second = await srv.client(await srv.staff({ username: 'agent-t2', name: '住房二', skills: ['zhufang'] }));
    const booth = await srv.client((await srv.booth('booth-t')).token);
    await second.request('agent:setState', { state: 'available' });
    const offer1 = nextEvent<CallOffer>(first, 'call:offer');
    await first.request('agent:setState', { state: 'available' });
    await booth.request('call:request', { matterId: 'gongan-residence-permit-endorse' });
    const session = await first.request('call:answer', { callId: (await offer1).callId });
    const boothSend = await booth.request('media:createTransport', { sessionId: session.sessionId, direction: 'send' });
    expect(boothSend.id).toBeTruthy();

    await expect(booth.request('call:transfer' as never, { sessionId: session.sessionId, to: { skill: 'zhufang' } } as never)).rejects.toMatchObject({ code: ErrorCode.Forbidden });
    await expect(first.request('call:transfer', { sessionId: session.sessionId, to: { skill: 'no-such-skill' } })).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await expect(first.request('call:transfer', { sessionId: session.sessionId, to: { agentId: 'agent-t1' } })).rejects.toMatchObject({ code: ErrorCode.BadRequest });
    await srv.client(await srv.staff({ username: 'agent-t3-offline', skills: ['zhufang'] }));
    await waitFor(async () => (await srv.router.agent('agent-t3-offline'))?.state === 'offline', 'agent registered');
    await expect(first.request('call:transfer', { sessionId: session.sessionId, to: { agentId: 'agent-t3-offline' } })).rejects.toMatchObject({ code: ErrorCode.InvalidState });

    const offer2 = nextEvent<CallOffer>(second, 'call:offer');
    const { callId } = await first.request('call:transfer', { sessionId: session.sessionId, to: { skill: 'zhufang' }, note: '需办理公积金提取' });
    const o2 = await offer2;
    expect(o2).toMatchObject({ callId, transfer: { fromAgentId: 'agent-t1', fromName: '户政一', note: '需办理公积金提取' } });
    await expect(first.request('call:transfer', { sessionId: session.sessionId, to: { skill: 'zhufang' } })).rejects.toMatchObject({ code: ErrorCode.InvalidState });

    const joined = nextEvent<{ userId: string }>(booth, 'session:partyJoined');
    const left = nextEvent<{ userId: string }>(booth, 'session:partyLeft');
    const firstEnded = nextEvent<{ reason: string }>(first, 'call:ended');
    const joinedInfo = await second.request('call:answer', { callId });
    expect(joinedInfo.sessionId).toBe(session.sessionId);
    expect((await joined).userId).toBe('agent-t2');
    expect((await left).userId).toBe('agent-t1');
    expect((await firstEnded).reason).toBe('transferred');
    // The booth's transport survived the hand-over: same session, same router.
    const stats = await srv.stats();
    expect(stats.sessions.find((x) => x.sessionId === session.sessionId)?.parties.map((p) => p.role).sort()).toEqual(['agent', 'booth']);
    expect(stats.counts.transports).toBe(1);
    await expect(first.request('media:routerCapabilities', { sessionId: session.sessionId })).rejects.toMatchObject({ code: ErrorCode.NotInSession });

    const ended = nextEvent<{ reason: string }>(booth, 'call:ended');
    await second.request('call:hangup', { sessionId: session.sessionId });
    expect((await ended).reason).toBe('hangup');
    await waitFor(async () => (await srv.stats()).counts.routers === 0, 'router closed');
  });

  it('refuses calls outside the service hours of a skill with a typed error the booth can explain', async () => {
    await srv.hours.set({ default: 'always', bySkill: { jiuye: { weekly: {}, closedDates: [] } } });
    const booth = await srv.client((await srv.booth('booth-hours')).token);
    await expect(booth.request('call:request', { matterId: 'jiuye-unemployment-register' })).rejects.toMatchObject({ code: ErrorCode.OutOfHours });
    const h = await rest(srv, 'GET', '/service-hours?skill=jiuye');
    expect(h.body.data).toMatchObject({ open: false });
    const sup = await srv.staff({ username: 'sup-hours', role: 'supervisor' });
    expect((await rest(srv, 'PUT', '/service-hours', { default: 'sometimes' }, sup)).body.error?.code).toBe(ErrorCode.BadRequest);
    expect((await rest(srv, 'PUT', '/service-hours', { default: 'always', bySkill: {} }, sup)).status).toBe(200);
    const { callId } = await booth.request('call:request', { matterId: 'jiuye-unemployment-register' });
    await booth.request('call:cancel', { callId });
  });

  it('carries chat, remote shutter, annotations, pointer and guide pushes only between the parties of a session', async () => {
    const agent = await srv.client(await srv.staff({ username: 'agent-doc', name: '市场监管坐席', skills: ['shichang'] }));
    const booth = await srv.client((await srv.booth('booth-doc', '安华里晓屋')).token);
    const outsider = await srv.client(await srv.staff({ username: 'agent-outsider', skills: ['shichang'] }));
    const offer = nextEvent<CallOffer>(agent, 'call:offer');
    await agent.request('agent:setState', { state: 'available' });
    await booth.request('call:request', { matterId: 'shichang-getihu-register' });
    const session = await agent.request('call:answer', { callId: (await offer).callId });
    const sid = session.sessionId;

    const heard = nextEvent<{ text: string; role: string; fromName: string }>(agent, 'chat:message');
    const sent = await booth.request('chat:send', { sessionId: sid, text: '我听不清，请打字' });
    expect(await heard).toMatchObject({ text: '我听不清，请打字', role: 'booth', fromName: '安华里晓屋' });
    expect(sent.at).toBeGreaterThan(0);
    expect((await srv.calls.chatHistory(sid)).map((m) => m.text)).toEqual(['我听不清，请打字']);

    const shutter = nextEvent<{ materialId: string; by: string }>(booth, 'doc:captureRequested');
    await agent.request('doc:requestCapture', { sessionId: sid, materialId: 'idcard' });
    expect(await shutter).toMatchObject({ materialId: 'idcard', by: '市场监管坐席' });

    const sha = 'ab'.repeat(32);
    const marks = nextEvent<{ annotations: Array<{ kind: string }> }>(booth, 'doc:annotations');
    await agent.request('doc:annotate', { sessionId: sid, fileSha256: sha, annotations: [{ id: 'a1', kind: 'box', x: 0.1, y: 0.2, w: 0.3, h: 0.1, text: '此处模糊' }] });
    expect((await marks).annotations[0]).toMatchObject({ kind: 'box' });
    const pointer = nextEvent<{ at: { x: number } | null }>(booth, 'doc:pointer');
    await agent.request('doc:pointer', { sessionId: sid, fileSha256: sha, at: { x: 0.5, y: 0.5 } });
    expect((await pointer).at?.x).toBe(0.5);
    const guide = nextEvent<{ item: { kind: string; title?: string } }>(booth, 'guide:item');
    await agent.request('guide:push', { sessionId: sid, item: { kind: 'step', title: '第一步', text: '请把身份证正面朝上放在高拍仪下' } });
    expect((await guide).item).toMatchObject({ kind: 'step', title: '第一步' });
    const uploaded = nextEvent<{ sha256: string }>(agent, 'doc:uploaded');
    await booth.request('doc:uploaded', { sessionId: sid, materialId: 'idcard', sha256: sha });
    expect((await uploaded).sha256).toBe(sha);

    await expect(booth.request('guide:push' as never, { sessionId: sid, item: { kind: 'clear' } } as never)).rejects.toMatchObject({ code: ErrorCode.Forbidden });
    await expect(outsider.request('chat:send', { sessionId: sid, text: '偷听' })).rejects.toMatchObject({ code: ErrorCode.NotInSession });
    await expect(outsider.request('doc:requestCapture', { sessionId: sid, materialId: 'idcard' })).rejects.toMatchObject({ code: ErrorCode.NotInSession });
    expect((await raw(agent, 'doc:annotate', { sessionId: sid, fileSha256: sha, annotations: [{ id: 'x', kind: 'box', x: 2, y: 0 }] })).error?.code).toBe(ErrorCode.BadRequest);
    expect((await raw(agent, 'guide:push', { sessionId: sid, item: { kind: 'script', src: 'evil.js' } })).error?.code).toBe(ErrorCode.BadRequest);
    await agent.request('call:hangup', { sessionId: sid });
  });

  it('brings a sign-language interpreter into the call when the resident asks for 手语服务; the interpreter can leave and another take over', async () => {
    const agent = await srv.client(await srv.staff({ username: 'agent-sign', name: '退役军人坐席', skills: ['tuiyi'] }));
    const interp1 = await srv.client(await srv.staff({ username: 'interp-1', name: '赵老师', role: 'interpreter' }));
    const interp2 = await srv.client(await srv.staff({ username: 'interp-2', name: '钱老师', role: 'interpreter' }));
    const booth = await srv.client((await srv.booth('booth-sign')).token);
    await interp1.request('agent:setState', { state: 'available' });
    const offer = nextEvent<CallOffer>(agent, 'call:offer');
    await agent.request('agent:setState', { state: 'available' });
    const matter = (await srv.catalog.current()).matters.find((m) => m.skill === 'tuiyi')!;
    await booth.request('call:request', { matterId: matter.id, needs: { sign: true } });
    const interpOffer = nextEvent<CallOffer>(interp1, 'call:offer');
    const session = await agent.request('call:answer', { callId: (await offer).callId });
    await booth.request('chat:send', { sessionId: session.sessionId, text: '我需要手语翻译' });
    const replayed = nextEventWhere<{ text: string }>(interp1, 'chat:message', (m) => m.text === '我需要手语翻译');
    // The interpreter pool is rung as soon as the agent answers.
    const io = await interpOffer;
    expect(io.skill).toBe('interpreter');
    expect(io.boothId).toBe('booth-sign');
    const joinedSeen = nextEventWhere<{ state: string; name: string }>(booth, 'interp:status', (e) => e.state === 'joined');
    const joined = await interp1.request('call:answer', { callId: io.callId });
    expect(joined.sessionId).toBe(session.sessionId);
    expect(joined.parties.map((p) => p.role).sort()).toEqual(['agent', 'booth', 'interpreter']);
    expect(await joinedSeen).toMatchObject({ state: 'joined', name: '赵老师' });
    // The chat before the interpreter came is replayed to them.
    expect((await replayed).text).toBe('我需要手语翻译');
    // The interpreter reaches the session's media like any party; an agent cannot join as interpreter.
    await interp1.request('media:createTransport', { sessionId: session.sessionId, direction: 'recv' });

    // The interpreter leaves; the call goes on; the agent asks the pool again and another joins.
    const left = nextEventWhere<{ state: string }>(agent, 'interp:status', (e) => e.state === 'left');
    await interp1.request('call:hangup', { sessionId: session.sessionId });
    expect((await left).state).toBe('left');
    expect((await srv.stats()).sessions.some((x) => x.sessionId === session.sessionId)).toBe(true);
    await interp2.request('agent:setState', { state: 'available' });
    const offer2 = nextEvent<CallOffer>(interp2, 'call:offer');
    await agent.request('interp:request', { sessionId: session.sessionId });
    const j2 = await interp2.request('call:answer', { callId: (await offer2).callId });
    expect(j2.parties.filter((p) => p.role === 'interpreter').map((p) => p.userId)).toEqual(['interp-2']);

    await expect(booth.request('interp:request', { sessionId: 'someone-elses' })).rejects.toMatchObject({ code: ErrorCode.NotInSession });
    const interpState = nextEventWhere<AgentStatusInfo>(interp2, 'agent:state', (s) => s.state === 'wrap-up');
    await agent.request('call:hangup', { sessionId: session.sessionId });
    expect((await interpState).state).toBe('wrap-up');
    await waitFor(async () => !(await srv.stats()).sessions.some((x) => x.sessionId === session.sessionId), 'session closed');
    const ratable = await waitFor(() => srv.feedback.ratable(session.sessionId), 'ratable');
    expect(ratable.interpreterIds.sort()).toEqual(['interp-1', 'interp-2']);
  });
});
