/**
 * Supervision against a real sfu (real Redis, real mediasoup): the live
 * dashboard pushed to supervisors (queues, agents, sessions, booths with
 * device health, ratings, follow-ups), silent monitoring and whispers, the
 * visit records and the figures computed from them (JSON and CSV).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type CallOffer, type ChatMessage, type DashboardSnapshot, type PartyInfo, type SessionInfo } from '@xiaowu/shared';
import type { SignalingClient } from '@xiaowu/shared/client';
import { nextEvent, nextEventWhere, startTestServer, waitFor, type TestServer } from '../support/server';
import { api } from '../support/api';

const health = (camera: 'ok' | 'error') => ({
  camera: { status: camera, ...(camera === 'error' ? { detail: 'NotReadableError' } : {}) },
  microphone: { status: 'ok' as const, level: 0.4 },
  docCamera: { status: 'missing' as const },
  printer: { status: 'ok' as const, detail: 'loopback' },
  checkedAt: Date.now(),
});

/** Collects every event of one kind a client receives. */
function collect<T>(c: SignalingClient, event: string): T[] {
  const got: T[] = [];
  c.on(event as never, ((v: T) => got.push(v)) as never);
  return got;
}

describe('supervision: live dashboard, monitoring, figures', () => {
  let srv: TestServer;
  let sup: SignalingClient;
  let supToken: string;
  beforeAll(async () => {
    srv = await startTestServer({ RECORDING: 'off', TRAVEL_MINUTES_DEFAULT: '45' });
    supToken = await srv.staff({ username: 'sup-live', role: 'supervisor', name: '值班长甲' });
    sup = await srv.client(supToken);
  });
  afterAll(async () => srv?.close());

  it('only supervisors watch; the first snapshot lists the fleet with online state', async () => {
    const agent = await srv.client(await srv.staff({ username: 'agent-nowatch', skills: ['shebao'] }));
    await expect(agent.request('dashboard:watch', {})).rejects.toMatchObject({ code: ErrorCode.Forbidden });
    const { token } = await srv.booth('booth-fleet-a', '东城晓屋');
    await srv.booth('booth-fleet-never', '从未上线晓屋');
    const booth = await srv.client(token);
    await booth.request('booth:heartbeat', { health: health('ok'), screen: 'home' });
    const snap = await sup.request('dashboard:watch', {});
    const a = snap.booths.find((b) => b.boothId === 'booth-fleet-a');
    expect(a).toMatchObject({ name: '东城晓屋', online: true, screen: 'home', inCall: false, health: { camera: { status: 'ok' }, printer: { status: 'ok' } } });
    expect(snap.booths.find((b) => b.boothId === 'booth-fleet-never')).toMatchObject({ online: false, lastSeen: null });
    expect(snap.agents.find((x) => x.agentId === 'agent-nowatch')).toMatchObject({ kind: 'agent', state: 'offline' });
    await expect(booth.request('booth:heartbeat', { screen: 'HOME!' } as never)).rejects.toMatchObject({ code: ErrorCode.BadRequest });
    await expect(booth.request('booth:heartbeat', { health: { camera: { status: 'fine' } } } as never)).rejects.toMatchObject({ code: ErrorCode.BadRequest });
    await expect(sup.request('booth:heartbeat', {})).rejects.toMatchObject({ code: ErrorCode.Forbidden });
  });

  it('pushes a device fault at once; a booth silent for over a minute is offline', async () => {
    const { token } = await srv.booth('booth-fleet-b', '西城晓屋');
    const booth = await srv.client(token);
    await booth.request('booth:heartbeat', { health: health('ok'), screen: 'home' });
    await sup.request('dashboard:watch', {});
    const pushed = nextEventWhere<DashboardSnapshot>(sup, 'dashboard:snapshot', (s) => s.booths.find((b) => b.boothId === 'booth-fleet-b')?.health?.camera.status === 'error');
    const t0 = Date.now();
    await booth.request('booth:heartbeat', { health: health('error'), screen: 'home' });
    const snap = await pushed;
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(snap.booths.find((b) => b.boothId === 'booth-fleet-b')!.health!.camera.detail).toBe('NotReadableError');
    // The last heartbeat 61 s ago (written through the fleet store with an older clock).
    await srv.fleet.beat('booth-fleet-b', {}, Date.now() - 61_000);
    const later = await srv.dashboard.snapshot();
    expect(later.booths.find((b) => b.boothId === 'booth-fleet-b')).toMatchObject({ online: false });
  });

  it('shows a call live; a supervisor monitors it unseen by the booth and whispers to the agent; visits and figures follow', async () => {
    const dayStart = Date.now() - 60_000;
    const { token: boothToken } = await srv.booth('booth-sup', '南城晓屋');
    const booth = await srv.client(boothToken);
    const agentToken = await srv.staff({ username: 'agent-sup', name: '坐席乙', skills: ['shebao'] });
    const agent = await srv.client(agentToken);
    await sup.request('dashboard:watch', {});
    const boothJoined = collect<PartyInfo>(booth, 'session:partyJoined');
    const boothWhispers = collect<ChatMessage>(booth, 'chat:whisper');

    // An abandoned visit first: the resident leaves the queue before anyone answers.
    const queued = nextEventWhere<DashboardSnapshot>(sup, 'dashboard:snapshot', (s) => s.queues.some((q) => q.skill === 'shebao' && q.waiting === 1));
    const first = await booth.request('call:request', { matterId: 'shebao-card-reissue' });
    await queued;
    await booth.request('call:cancel', { callId: first.callId });

    const offer = nextEvent<CallOffer>(agent, 'call:offer');
    await agent.request('agent:setState', { state: 'available' });
    await booth.request('call:request', { matterId: 'shebao-card-reissue' });
    const live = nextEventWhere<DashboardSnapshot>(sup, 'dashboard:snapshot', (s) => s.sessions.some((x) => x.boothId === 'booth-sup'));
    const session = await agent.request('call:answer', { callId: (await offer).callId });
    const snap = await live;
    const row = snap.sessions.find((x) => x.sessionId === session.sessionId)!;
    expect(row).toMatchObject({ boothName: '南城晓屋', matterName: expect.any(String) });
    expect(row.parties.map((p) => p.role).sort()).toEqual(['agent', 'booth']);
    expect(snap.agents.find((a) => a.agentId === 'agent-sup')!.state).toBe('in-call');
    expect(snap.booths.find((b) => b.boothId === 'booth-sup')!.inCall).toBe(true);

    // Silent monitor: the agent is told, the booth is not; the supervisor cannot talk to the resident.
    const agentSaw = nextEventWhere<PartyInfo>(agent, 'session:partyJoined', (p) => p.role === 'supervisor');
    const joined: SessionInfo = await sup.request('monitor:join', { sessionId: session.sessionId });
    expect(joined.you).toMatchObject({ role: 'supervisor', silent: true });
    expect((await agentSaw).silent).toBe(true);
    await expect(sup.request('chat:send', { sessionId: session.sessionId, text: '你好' })).rejects.toMatchObject({ code: ErrorCode.Forbidden });
    await expect(sup.request('media:produce', { transportId: 'x', kind: 'audio', rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000 }] }, source: 'mic' })).rejects.toMatchObject({
      code: ErrorCode.Forbidden,
    });
    const recv = await sup.request('media:createTransport', { sessionId: session.sessionId, direction: 'recv' });
    expect(recv.id).toBeTruthy();
    await expect(sup.request('media:createTransport', { sessionId: session.sessionId, direction: 'send' })).rejects.toMatchObject({ code: ErrorCode.Forbidden });
    const whisper = nextEvent<ChatMessage>(agent, 'chat:whisper');
    await sup.request('chat:whisper', { sessionId: session.sessionId, text: '注意核对身份证有效期' });
    expect(await whisper).toMatchObject({ text: '注意核对身份证有效期', role: 'supervisor' });
    const back = nextEvent<ChatMessage>(sup, 'chat:whisper');
    await agent.request('chat:whisper', { sessionId: session.sessionId, text: '收到' });
    expect((await back).text).toBe('收到');
    await expect(booth.request('chat:whisper', { sessionId: session.sessionId, text: 'x' })).rejects.toMatchObject({ code: ErrorCode.Forbidden });
    const resumed = await booth.request('session:resume', { sessionId: session.sessionId });
    expect(resumed.parties.some((p) => p.role === 'supervisor')).toBe(false);
    // Another supervisor's session on a node that does not have it / a made-up one.
    await expect(sup.request('monitor:join', { sessionId: 'no-such-session' })).rejects.toMatchObject({ code: ErrorCode.CallAlreadyActive });
    await sup.request('call:hangup', { sessionId: session.sessionId }); // leave
    await expect(sup.request('monitor:join', { sessionId: 'no-such-session' })).rejects.toMatchObject({ code: ErrorCode.CallUnavailable });
    expect(boothJoined.filter((p) => p.role === 'supervisor')).toEqual([]);
    expect(boothWhispers).toEqual([]);
    const audit = await srv.redis.xrange('{xw}:audit', '-', '+');
    const actions = audit.map(([, f]) => f[f.indexOf('action') + 1]);
    expect(actions).toContain('monitor-joined');
    expect(actions).toContain('monitor-left');

    // The call ends; the booth rates 不满意: the dashboard shows the rating and the follow-up.
    const rated = nextEventWhere<DashboardSnapshot>(sup, 'dashboard:snapshot', (s) => s.ratings.some((r) => r.sessionId === session.sessionId) && s.followUps.some((f) => f.ref === session.sessionId), 8_000);
    await booth.request('call:hangup', { sessionId: session.sessionId });
    await waitFor(async () => (await api(srv, 'POST', '/ratings', { token: boothToken, body: { sessionId: session.sessionId, level: 2, reasons: ['等待时间长'] } })).status === 200, 'rated');
    const after = await rated;
    expect(after.ratings[0]).toMatchObject({ sessionId: session.sessionId, level: 2, label: '不满意', agentId: 'agent-sup' });
    expect(after.followUps.find((f) => f.ref === session.sessionId)).toMatchObject({ kind: 'bad-rating', state: 'open', overdue: false });
    expect(after.sessions.some((x) => x.sessionId === session.sessionId)).toBe(false);

    // Visits: one abandoned, one served with the agent's segment.
    const visits = (await srv.visits.range(dayStart, Date.now() + 1)).filter((v) => v.boothId === 'booth-sup');
    expect(visits.map((v) => v.outcome).sort()).toEqual(['abandoned', 'served']);
    const served = visits.find((v) => v.outcome === 'served')!;
    expect(served).toMatchObject({ sessionId: session.sessionId, matterId: 'shebao-card-reissue', departmentId: expect.any(String) });
    expect(served.segments).toHaveLength(1);
    expect(served.segments[0]!.agentId).toBe('agent-sup');
    expect(served.answeredAt! - served.requestedAt).toBeGreaterThanOrEqual(0);

    // Figures by booth for today: 2 visits, 1 served, 1 abandoned, 1 rating (not satisfied), 45 minutes saved.
    const q = `period=day&group=booth&from=${dayStart - 86_400_000}&to=${Date.now() + 1000}`;
    const figs = await api(srv, 'GET', `/stats?${q}`, { token: supToken });
    expect(figs.status).toBe(200);
    const mine = (figs.body.data as Array<Record<string, unknown>>).filter((r) => r.key === 'booth-sup');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ name: '南城晓屋', visits: 2, served: 1, abandoned: 1, abandonmentRate: 0.5, rated: 1, satisfied: 0, satisfactionRate: 0, travelSavedMin: 45 });
    const csv = await fetch(`${srv.url}/api/stats.csv?${q}&lang=zh-CN`, { headers: { authorization: `Bearer ${supToken}` } });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const bytes = new Uint8Array(await csv.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // UTF-8 BOM: Excel reads the Chinese right
    const text = new TextDecoder().decode(bytes);
    expect(text).toContain('南城晓屋');
    expect((await api(srv, 'GET', `/stats?${q}`, { token: agentToken })).status).toBe(403);
    expect((await api(srv, 'GET', `/stats?period=year&group=booth&from=0&to=1`, { token: supToken })).status).toBe(400);
    expect((await api(srv, 'GET', `/stats?period=day&group=all&from=0&to=${Date.now()}`, { token: supToken })).body.error?.code).toBe(ErrorCode.BadRequest);
  });
});

describe('booth registry', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ RECORDING: 'off' });
  });
  afterAll(async () => srv?.close());

  it('supervisors register, edit and rotate a booth secret; the old secret and tokens stop working', async () => {
    const sup = await srv.staff({ username: 'sup-reg', role: 'supervisor' });
    const agent = await srv.staff({ username: 'agent-reg' });
    const body = { boothId: 'booth-new-1', name: '新街口晓屋', community: '新街口社区', address: '新街口大街 8 号', travelMinutes: 80 };
    expect((await api(srv, 'POST', '/booths', { token: agent, body })).status).toBe(403);
    const made = await api(srv, 'POST', '/booths', { token: sup, body });
    expect(made.status).toBe(200);
    const secret1 = made.body.data.secret as string;
    expect(made.body.data.booth).toMatchObject({ ...body });
    expect((await api(srv, 'POST', '/booths', { token: sup, body })).body.error?.code).toBe(ErrorCode.InvalidState);
    expect((await api(srv, 'POST', '/booths', { token: sup, body: { ...body, boothId: '../x' } })).status).toBe(400);
    expect((await api(srv, 'POST', '/booths', { token: sup, body: { ...body, boothId: 'b2', __proto__: { admin: true }, extra: 1 } })).status).toBe(400);

    // The fleet shows the new booth at once.
    const c = await srv.client(sup);
    const snap = await c.request('dashboard:watch', {});
    expect(snap.booths.find((b) => b.boothId === 'booth-new-1')).toMatchObject({ name: '新街口晓屋', community: '新街口社区', online: false });

    expect((await api(srv, 'PATCH', '/booths/booth-new-1', { token: sup, body: { name: '新街口便民晓屋' } })).body.data.name).toBe('新街口便民晓屋');
    expect((await api(srv, 'PATCH', '/booths/nope', { token: sup, body: { name: 'x' } })).status).toBe(404);

    const enroll = (secret: string) => api(srv, 'POST', '/auth/booth', { body: { boothId: 'booth-new-1', secret } });
    const first = await enroll(secret1);
    expect(first.status).toBe(200);
    const booth = await srv.client(first.body.data.token as string);
    const closed = new Promise<void>((r) => booth.socket.once('disconnect', () => r()));
    const rotated = await api(srv, 'POST', '/booths/booth-new-1/secret', { token: sup });
    const secret2 = rotated.body.data.secret as string;
    expect(secret2).not.toBe(secret1);
    await closed; // its live connection is closed
    expect((await enroll(secret1)).status).toBe(401);
    expect((await api(srv, 'POST', '/ratings', { token: first.body.data.token as string, body: { sessionId: 'x', level: 5 } })).status).toBe(401);
    expect((await enroll(secret2)).status).toBe(200);
    const audit = await srv.redis.xrange('{xw}:audit', '-', '+');
    expect(audit.map(([, f]) => f[f.indexOf('action') + 1])).toEqual(expect.arrayContaining(['booth-registered', 'booth-updated', 'booth-secret-rotated']));
    expect(JSON.stringify(audit)).not.toContain(secret2);
  });
});
