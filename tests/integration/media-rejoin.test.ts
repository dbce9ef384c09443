/**
 * 'media:rejoin' (the last step of the client's recovery ladder): the server
 * drops every transport of the asking party only — its tracks end for the
 * others — and the party opens new transports in the same session, publishes
 * and consumes again; the call, the other party's media and the recording
 * state are untouched. Only a party of the session may ask.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type CallOffer, type ProducerInfo } from '@xiaowu/shared';
import { publishMic } from '../support/media';
import { nextEvent, nextEventWhere, startTestServer, type TestServer } from '../support/server';

describe('media:rejoin', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ RECORDING: 'off' });
  });
  afterAll(async () => srv?.close());

  it('drops only the asking party’s media; it publishes and consumes again in the same call', async () => {
    const agent = await srv.client(await srv.staff({ username: 'agent-rj', skills: ['shebao'] }));
    const booth = await srv.client((await srv.booth('booth-rj')).token);
    const stranger = await srv.client((await srv.booth('booth-rj-other')).token);
    await agent.request('agent:setState', { state: 'available' });
    const offer = nextEvent<CallOffer>(agent, 'call:offer');
    await booth.request('call:request', { matterId: 'shebao-card-reissue' });
    const { sessionId } = await agent.request('call:answer', { callId: (await offer).callId });

    const boothMic = await publishMic(booth, sessionId);
    const agentMic = await publishMic(agent, sessionId);
    const boothRecv = await booth.request('media:createTransport', { sessionId, direction: 'recv' });
    const agentRecv = await agent.request('media:createTransport', { sessionId, direction: 'recv' });
    const caps = await agent.request('media:routerCapabilities', { sessionId });
    await agent.request('media:consume', { transportId: agentRecv.id, producerId: boothMic.producerId, rtpCapabilities: caps as never });
    await booth.request('media:consume', { transportId: boothRecv.id, producerId: agentMic.producerId, rtpCapabilities: caps as never });
    const count = async (role: string) => (await srv.stats()).sessions[0]!.parties.find((p) => p.role === role)!.producers;
    expect(await count('booth')).toEqual([boothMic.producerId]);

    // Not a party: refused, nothing dropped.
    await expect(stranger.request('media:rejoin', { sessionId })).rejects.toMatchObject({ code: ErrorCode.NotInSession });

    const ended = nextEventWhere<{ producerId: string }>(agent, 'media:producerClosed', (p) => p.producerId === boothMic.producerId);
    let boothToldOwnEnd = false;
    booth.on('media:producerClosed', (p) => (boothToldOwnEnd ||= p.producerId === boothMic.producerId));
    await booth.request('media:rejoin', { sessionId });
    await ended; // the agent hears the booth's old track ended
    expect(await count('booth')).toEqual([]);
    expect(await count('agent')).toEqual([agentMic.producerId]); // the agent's media untouched
    expect(boothToldOwnEnd).toBe(false);
    // The booth's old transports are gone; new ones work in the same session.
    await expect(booth.request('media:restartIce', { transportId: boothMic.transportId })).rejects.toMatchObject({ code: ErrorCode.NotFound });
    const announcedAgain = nextEventWhere<ProducerInfo>(booth, 'media:newProducer', (p) => p.producerId === agentMic.producerId);
    await booth.request('media:createTransport', { sessionId, direction: 'recv' });
    await announcedAgain; // the agent's track is announced to the booth's new receive transport
    const announced = nextEventWhere<ProducerInfo>(agent, 'media:newProducer', (p) => p.role === 'booth' && p.source === 'mic');
    const again = await publishMic(booth, sessionId);
    expect((await announced).producerId).toBe(again.producerId);
    expect(await count('booth')).toEqual([again.producerId]);
    expect(srv.calls.liveSessions().map((s) => s.sessionId)).toEqual([sessionId]);
    await booth.request('call:hangup', { sessionId });
  });
});
