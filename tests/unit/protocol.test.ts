import { describe, expect, it } from 'vitest';
import { HandshakeAuth, Requests } from '@xiaowu/shared';

describe('protocol schemas', () => {
  it('accepts a well-formed produce request', () => {
    const ok = Requests['media:produce'].safeParse({
      transportId: 't-1',
      kind: 'video',
      source: 'camera',
      rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }], encodings: [{ ssrc: 1 }] },
    });
    expect(ok.success).toBe(true);
  });

  it.each([
    ['wrong type', { transportId: 42, kind: 'video', source: 'camera', rtpParameters: { codecs: [] } }],
    ['unknown source', { transportId: 't', kind: 'video', source: 'screen', rtpParameters: { codecs: [{ mimeType: 'v', payloadType: 1, clockRate: 1 }] } }],
    ['extra field', { transportId: 't', kind: 'audio', source: 'mic', rtpParameters: { codecs: [{ mimeType: 'a', payloadType: 1, clockRate: 1 }] }, admin: true }],
    ['missing codecs', { transportId: 't', kind: 'audio', source: 'mic', rtpParameters: {} }],
    ['id with spaces', { transportId: 'a b', kind: 'audio', source: 'mic', rtpParameters: { codecs: [{ mimeType: 'a', payloadType: 1, clockRate: 1 }] } }],
  ])('refuses %s', (_label, payload) => {
    expect(Requests['media:produce'].safeParse(payload).success).toBe(false);
  });

  it('takes only a token at the handshake', () => {
    expect(HandshakeAuth.safeParse({ token: 'x'.repeat(5000) }).success).toBe(false);
    expect(HandshakeAuth.safeParse({ role: 'agent', id: 'agent-1' }).success).toBe(false);
    expect(HandshakeAuth.safeParse({ token: 'eyJhbGciOiJIUzI1NiJ9.e30.sig' }).success).toBe(true);
  });
});
