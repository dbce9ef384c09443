/**
 * Token revocation (issue 8): logout ends every token of the caller on every
 * node; a supervisor revokes a user's or a lost booth's tokens (audited), its
 * live connections close and cannot come back with the old token; a fresh
 * login or re-enrollment works at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { ErrorCode, SOCKET_PATH } from '@xiaowu/shared';
import { startTestServer, waitFor, TEST_PASSWORD, type TestServer } from '../support/server';
import { api } from '../support/api';

describe('token revocation', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ RECORDING: 'off' });
  });
  afterAll(async () => srv?.close());

  const login = async (username: string) => (await api(srv, 'POST', '/auth/login', { body: { username, password: TEST_PASSWORD } })).body.data.token as string;

  it('logout revokes the caller’s tokens; a new login works at once', async () => {
    await srv.staff({ username: 'sup-rv', role: 'supervisor' });
    const first = await login('sup-rv');
    const second = await login('sup-rv'); // another browser of the same person
    expect((await api(srv, 'GET', '/ratings', { token: first })).status).toBe(200);
    expect((await api(srv, 'POST', '/auth/logout', { token: first, body: {} })).status).toBe(200);
    for (const t of [first, second]) {
      const r = await api(srv, 'GET', '/ratings', { token: t });
      expect(r.status).toBe(401);
      expect(r.body.error).toMatchObject({ code: ErrorCode.Unauthorized, message: 'token revoked' });
    }
    const fresh = await login('sup-rv');
    expect((await api(srv, 'GET', '/ratings', { token: fresh })).status).toBe(200);
  });

  it('a supervisor revokes a lost booth: its connection closes, the old token is refused, re-enrollment works; audited', async () => {
    const supervisor = await login('sup-rv');
    const { token: boothToken, secret } = await srv.booth('booth-lost');
    expect((await api(srv, 'GET', '/appointments', { token: boothToken })).status).toBe(200);
    const booth = await srv.client(boothToken);
    const closed = new Promise<string>((r) => booth.socket.once('disconnect', (reason) => r(reason)));

    expect((await api(srv, 'POST', '/auth/revoke', { token: boothToken, body: { role: 'booth', userId: 'booth-lost' } })).status).toBe(403);
    expect((await api(srv, 'POST', '/auth/revoke', { token: supervisor, body: { role: 'booth', userId: 'booth-lost' } })).status).toBe(200);
    expect(await closed).toBe('io server disconnect');
    expect((await api(srv, 'GET', '/appointments', { token: boothToken })).body.error?.code).toBe(ErrorCode.Unauthorized);
    // The old token cannot open a new connection.
    const again = io(srv.url, { path: SOCKET_PATH, transports: ['websocket'], auth: { token: boothToken }, reconnection: false });
    const err = await new Promise<Error & { data?: { code: string } }>((r) => again.once('connect_error', r));
    again.close();
    expect(err.data?.code).toBe(ErrorCode.Unauthorized);
    // The booth re-enrolls with its device secret and works again.
    const enrolled = await api(srv, 'POST', '/auth/booth', { body: { boothId: 'booth-lost', secret } });
    expect((await api(srv, 'GET', '/appointments', { token: enrolled.body.data.token })).status).toBe(200);
    const audit = await waitFor(async () => {
      const entries = (await srv.redis.xrange('{xw}:audit', '-', '+')).map(([, f]) => Object.fromEntries(Array.from({ length: f.length / 2 }, (_, i) => [f[2 * i], f[2 * i + 1]])) as Record<string, string>);
      return entries.find((e) => e.action === 'tokens-revoked');
    }, 'audit entry');
    expect(audit).toMatchObject({ who: 'supervisor:sup-rv', target: 'booth:booth-lost' });
  });
});
