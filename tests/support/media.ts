/** Media at the protocol level for the integration tests: no real media is needed to create producers and consumers. */
import { expect } from 'vitest';
import type { ProducerInfo } from '@xiaowu/shared';
import type { SignalingClient } from '@xiaowu/shared/client';
import { nextEventWhere } from './server';

/** An RTP description mediasoup accepts for a microphone producer. */
export const OPUS = {
  mid: '0',
  codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2, parameters: { useinbandfec: 1 } }],
  headerExtensions: [],
  encodings: [{ ssrc: 1111 }],
  rtcp: { cname: 'x', reducedSize: true },
};

/** Opens a send transport and produces a microphone on it. */
export async function publishMic(c: SignalingClient, sessionId: string): Promise<{ transportId: string; producerId: string }> {
  const t = await c.request('media:createTransport', { sessionId, direction: 'send' });
  const { producerId } = await c.request('media:produce', { transportId: t.id, kind: 'audio', rtpParameters: { ...OPUS, encodings: [{ ssrc: Math.floor(Math.random() * 1e9) }] }, source: 'mic' });
  return { transportId: t.id, producerId };
}

/** After a media re-creation: the booth publishes its microphone again, the agent hears of it and consumes it. */
export async function mediaAgain(booth: SignalingClient, agent: SignalingClient, sessionId: string): Promise<void> {
  const announced = nextEventWhere<ProducerInfo>(agent, 'media:newProducer', (p) => p.role === 'booth' && p.source === 'mic', 8_000);
  const recv = await agent.request('media:createTransport', { sessionId, direction: 'recv' });
  const { producerId } = await publishMic(booth, sessionId);
  expect((await announced).producerId).toBe(producerId);
  const caps = await agent.request('media:routerCapabilities', { sessionId });
  expect((await agent.request('media:consume', { transportId: recv.id, producerId, rtpCapabilities: caps as never })).kind).toBe('audio');
}
