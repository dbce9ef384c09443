/** A real sfu for a test: embedded Redis in a temp dir, one mediasoup worker, random ports. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, startServer, type RunningServer } from '@xiaowu/sfu';
import { SignalingClient } from '@xiaowu/shared/client';
import type { HandshakeAuth } from '@xiaowu/shared';

export interface TestServer extends RunningServer {
  dataDir: string;
  /** A signaling client connected as the given party; closed by `close()`. */
  client(auth: HandshakeAuth): Promise<SignalingClient>;
  stats(): Promise<{ counts: Record<string, number>; sessions: Array<{ sessionId: string; parties: Array<{ role: string; producers: string[] }> }> }>;
}

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xw-'));
  const server = await startServer(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
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
    async client(auth) {
      const c = new SignalingClient(server.url, auth, 5_000);
      clients.push(c);
      await new Promise<void>((resolve, reject) => {
        c.socket.once('connect', () => resolve());
        c.socket.once('connect_error', reject);
      });
      return c;
    },
    async stats() {
      return (await fetch(`${server.url}/api/media/stats`)).json();
    },
    async close() {
      for (const c of clients) c.close();
      await server.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
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
