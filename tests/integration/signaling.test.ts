/**
 * Signaling against a real sfu (real Redis, real mediasoup): roles, validation,
 * ownership, and a node-only call from request to hang-up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { ErrorCode, SOCKET_PATH, type SessionInfo, type WaitingCall } from '@xiaowu/shared';
import type { SignalingClient } from '@xiaowu/shared/client';
import { nextEvent, startTestServer, waitFor, type TestServer } from '../support/server';

/** Sends a raw event (bypassing the typed client) and returns the ack. */
function raw(c: SignalingClient, event: string, ...args: unknown[]): Promise<{ ok: boolean; error?: { code: string } }> {
  const emit = c.socket.emit as unknown as (...a: unknown[]) => void;
  return new Promise((resolve) => emit.call(c.socket, event, ...args, resolve));
}

describe('signaling', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(async () => srv?.close());

  it('refuses a handshake without valid credentials', async () => {
    const s = io(srv.url, { path: SOCKET_PATH, transports: ['websocket'], auth: { role: 'root', id: '../../etc' }, reconnection: false });
    const err = await new Promise<Error & { data?: { code: string } }>((r) => s.once('connect_error', r));
    s.close();
    expect(err.data?.code).toBe(ErrorCode.Unauthorized);
  });

  it('answers wrong roles, malformed and unknown messages with typed errors', async () => {
    const booth = await srv.client({ role: 'booth', id: 'booth-x' });
    await expect(booth.request('call:answer', { callId: 'c1' })).rejects.toMatchObject({ code: ErrorCode.Forbidden });
    expect((await raw(booth, 'call:cancel', { callId: 12 })).error?.code).toBe(ErrorCode.BadRequest);
    expect((await raw(booth, 'call:cancel', 'not an object')).error?.code).toBe(ErrorCode.BadRequest);
    expect((await raw(booth, 'call:cancel', { callId: 'a' }, { extra: 1 })).error?.code).toBe(ErrorCode.BadRequest);
    expect((await raw(booth, 'no:such:event', {})).error?.code).toBe(ErrorCode.BadRequest);
    await expect(booth.request('media:createTransport', { sessionId: 's-none', direction: 'send' })).rejects.toMatchObject({ code: ErrorCode.NotInSession });
    await expect(booth.request('call:cancel', { callId: 'nobody' })).rejects.toMatchObject({ code: ErrorCode.NotFound });
    // A message without an ack is answered on the protocol:error channel.
    const protoErr = nextEvent<{ event: string; error: { code: string } }>(booth, 'protocol:error');
    (booth.socket.emit as unknown as (...a: unknown[]) => void).call(booth.socket, 'media:produce', { bogus: true });
    expect((await protoErr).error.code).toBe(ErrorCode.BadRequest);
    // The connection is still usable afterwards.
    const { callId } = await booth.request('call:request', {});
    await booth.request('call:cancel', { callId });
  });

  it('runs a call: queue → answer → transports → hang-up, and cleans up every mediasoup object', async () => {
    const agent = await srv.client({ role: 'agent', id: 'agent-1', name: '坐席一号' });
    const booth = await srv.client({ role: 'booth', id: 'booth-1', name: '和平里社区' });
    const queued = nextEvent<WaitingCall[]>(agent, 'queue:update');
    const { callId, position } = await booth.request('call:request', {});
    expect(position).toBe(1);
    expect((await queued).map((c) => c.boothName)).toContain('和平里社区');

    const started = nextEvent<SessionInfo>(booth, 'call:started');
    const session = await agent.request('call:answer', { callId });
    expect((await started).sessionId).toBe(session.sessionId);
    expect(session.parties.map((p) => p.role).sort()).toEqual(['agent', 'booth']);

    // A second agent cannot take the same resident.
    const agent2 = await srv.client({ role: 'agent', id: 'agent-2' });
    await expect(agent2.request('call:answer', { callId })).rejects.toMatchObject({ code: ErrorCode.CallUnavailable });
    // …nor reach into the session.
    await expect(agent2.request('media:routerCapabilities', { sessionId: session.sessionId })).rejects.toMatchObject({ code: ErrorCode.NotInSession });

    const caps = await booth.request('media:routerCapabilities', { sessionId: session.sessionId });
    expect(caps.codecs?.map((c) => c.mimeType)).toEqual(expect.arrayContaining(['audio/opus', 'video/VP8', 'video/H264']));
    const send = await booth.request('media:createTransport', { sessionId: session.sessionId, direction: 'send' });
    expect(send.iceCandidates.length).toBeGreaterThan(0);
    expect(send.iceCandidates.every((c) => c.address === '127.0.0.1')).toBe(true);
    // The agent cannot use the booth's transport.
    await expect(
      agent.request('media:connectTransport', { transportId: send.id, dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'AA' }] } }),
    ).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await expect(booth.request('media:consume', { transportId: send.id, producerId: 'p-unknown', rtpCapabilities: {} })).rejects.toMatchObject({ code: ErrorCode.BadRequest });

    expect((await srv.stats()).counts).toMatchObject({ routers: 1, transports: 1 });
    const ended = nextEvent<{ reason: string }>(agent, 'call:ended');
    await booth.request('call:hangup', { sessionId: session.sessionId });
    expect((await ended).reason).toBe('hangup');
    await waitFor(async () => (await srv.stats()).counts.routers === 0, 'router closed');
    expect((await srv.stats()).counts).toMatchObject({ routers: 0, transports: 0, producers: 0, consumers: 0 });
    // The booth can call again.
    const again = await booth.request('call:request', {});
    expect(again.callId).not.toBe(callId);
  });
});
