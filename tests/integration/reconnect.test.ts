/**
 * A party's connection drops during a call (issue 8): the call waits for it
 * (RECONNECT_GRACE_S), the others are told it is away and back, a new
 * connection resumes the same session (with the chat it missed), ICE can be
 * restarted on the party's own transports only; not back in time, the call
 * ends as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type CallOffer, type ChatMessage, type PartyInfo } from '@xiaowu/shared';
import type { SignalingClient } from '@xiaowu/shared/client';
import { nextEvent, nextEventWhere, startTestServer, waitFor, type TestServer } from '../support/server';

async function inCall(srv: TestServer, tag: string) {
  const agent = await srv.client(await srv.staff({ username: `agent-${tag}`, name: '坐席', skills: ['shebao'] }));
  const booth = await srv.client((await srv.booth(`booth-${tag}`)).token);
  const offer = nextEvent<CallOffer>(agent, 'call:offer');
  await agent.request('agent:setState', { state: 'available' });
  await booth.request('call:request', { matterId: 'shebao-card-reissue' });
  const started = nextEvent<{ sessionId: string }>(booth, 'call:started');
  const session = await agent.request('call:answer', { callId: (await offer).callId });
  await started;
  return { agent, booth, session };
}

const reconnect = async (c: SignalingClient) => {
  const back = new Promise<void>((r) => c.socket.once('connect', () => r()));
  c.socket.connect();
  await back;
};

describe('reconnection into a running call', () => {
  describe('back within the grace period', () => {
    let srv: TestServer;
    beforeAll(async () => {
      srv = await startTestServer({ RECORDING: 'off', RECONNECT_GRACE_S: '10' });
    });
    afterAll(async () => srv?.close());

    it('keeps the session, tells the other side, resumes with the missed chat; ICE restarts on own transports only', async () => {
      const { agent, booth, session } = await inCall(srv, 'rc');
      const away = nextEvent<PartyInfo>(agent, 'session:partyAway');
      booth.socket.disconnect();
      expect((await away).role).toBe('booth');
      // The call goes on without the booth's connection: the agent can still chat into it.
      await agent.request('chat:send', { sessionId: session.sessionId, text: '您的网络断了，我在等您' });
      await new Promise((r) => setTimeout(r, 1500));
      expect((await srv.stats()).sessions.map((s: { sessionId: string }) => s.sessionId)).toContain(session.sessionId);

      const back = nextEvent<PartyInfo>(agent, 'session:partyBack');
      const missed = nextEventWhere<ChatMessage>(booth, 'chat:message', (m) => m.text === '您的网络断了，我在等您');
      await reconnect(booth);
      expect((await back).role).toBe('booth');
      const resumed = await booth.request('session:resume', { sessionId: session.sessionId });
      expect(resumed.sessionId).toBe(session.sessionId);
      expect(resumed.you.role).toBe('booth');
      expect(resumed.parties.map((p) => p.role).sort()).toEqual(['agent', 'booth']);
      expect((await missed).text).toBe('您的网络断了，我在等您');

      // ICE restart: on the party's own transport; someone else's transport is NOT_FOUND.
      const t = await booth.request('media:createTransport', { sessionId: session.sessionId, direction: 'send' });
      const restarted = await booth.request('media:restartIce', { transportId: t.id });
      expect(restarted.iceParameters.usernameFragment).toMatch(/\w+/);
      expect(restarted.iceParameters.usernameFragment).not.toBe(t.iceParameters.usernameFragment);
      await expect(agent.request('media:restartIce', { transportId: t.id })).rejects.toMatchObject({ code: ErrorCode.NotFound });
      await expect(booth.request('session:resume', { sessionId: 'not-my-session' })).rejects.toMatchObject({ code: ErrorCode.NotInSession });

      await booth.request('call:hangup', { sessionId: session.sessionId });
      await waitFor(async () => (await srv.stats()).sessions.length === 0, 'session closed');
    });
  });

  describe('not back in time', () => {
    let srv: TestServer;
    beforeAll(async () => {
      srv = await startTestServer({ RECORDING: 'off', RECONNECT_GRACE_S: '1' });
    });
    afterAll(async () => srv?.close());

    it('ends the call after the grace period; a late resume is NOT_IN_SESSION', async () => {
      const { agent, booth, session } = await inCall(srv, 'late');
      const ended = nextEvent<{ reason: string }>(agent, 'call:ended', 5_000);
      booth.socket.disconnect();
      expect((await ended).reason).toBe('party-left');
      await reconnect(booth);
      await expect(booth.request('session:resume', { sessionId: session.sessionId })).rejects.toMatchObject({ code: ErrorCode.NotInSession });
      await waitFor(async () => (await srv.stats()).sessions.length === 0, 'session closed');
    });
  });
});
