/** A real sfu for a test: embedded Redis in a temp dir, one mediasoup worker, random ports. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, startServer, type RunningServer } from '@xiaowu/sfu';
import { SignalingClient } from '@xiaowu/shared/client';
import type { StaffAccount } from '../../sfu/src/auth/accounts';

export const TEST_PASSWORD = 'correct horse battery';

export interface TestServer extends RunningServer {
  dataDir: string;
  /** A signaling client connected with a token; closed by `close()`. */
  client(token: string): Promise<SignalingClient>;
  /** Creates a staff account (password TEST_PASSWORD) and returns its token. */
  staff(a: Partial<StaffAccount> & { username: string }): Promise<string>;
  /** Provisions a booth and returns its token and device secret. */
  booth(boothId: string, name?: string): Promise<{ token: string; secret: string }>;
  stats(): Promise<{ counts: Record<string, number>; sessions: Array<{ sessionId: string; parties: Array<{ role: string; producers: string[] }> }> }>;
}

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xw-'));
  const server = await startServer(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DEMO_ACCOUNTS: 'false',
      MEDIASOUP_WORKERS: '1',
      RTC_LISTEN_IP: '127.0.0.1',
      RTC_PORT: '0',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      ...env,
    }),
  );
  const clients: SignalingClient[] = [];
  return {
    ...server,
    dataDir,
    async staff(a) {
      await server.accounts.createStaff({ name: a.username, role: 'agent', skills: [], tags: [], ...a }, TEST_PASSWORD);
      const p = await server.accounts.login(a.username, TEST_PASSWORD);
      return (await server.tokens.issue(p)).token;
    },
    async booth(boothId, name = `${boothId} 晓屋`) {
      const secret = await server.accounts.provisionBooth({ boothId, name, community: '测试社区', address: '' });
      return { token: (await server.tokens.issue({ role: 'booth', userId: boothId, name })).token, secret };
    },
    client: (token) => connectClient(server.url, token, clients),
    async stats() {
      return (await fetch(`${server.url}/api/media/stats`)).json();
    },
    async close() {
      // The server first: its shutdown disconnects the clients while it knows it is closing. Clients closed
      // first would make it start per-user clean-up (Redis requests) that the shutdown then cuts off.
      await server.close();
      for (const c of clients) c.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A signaling client of the sfu at `url` (a node, or a load balancer in front of nodes), once connected; kept in `clients` to close later. */
export async function connectClient(url: string, token: string, clients: SignalingClient[]): Promise<SignalingClient> {
  const c = new SignalingClient(url, { token }, 5_000);
  clients.push(c);
  await new Promise<void>((resolve, reject) => {
    c.socket.once('connect', () => resolve());
    c.socket.once('connect_error', reject);
  });
  return c;
}

/** Resolves with the next occurrence of a server event. */
export function nextEvent<T>(c: SignalingClient, event: string, timeoutMs = 5_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    c.socket.once(event as never, ((v: T) => {
      clearTimeout(t);
      resolve(v);
    }) as never);
  });
}

/** Resolves with the next occurrence of a server event that satisfies `match`. */
export function nextEventWhere<T>(c: SignalingClient, event: string, match: (v: T) => boolean, timeoutMs = 5_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      off();
      reject(new Error(`no matching ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = c.on(event as never, ((v: T) => {
      if (!match(v)) return;
      clearTimeout(t);
      off();
      resolve(v);
    }) as never);
  });
}

/** Polls until `fn` returns a truthy value. */
export async function waitFor<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
