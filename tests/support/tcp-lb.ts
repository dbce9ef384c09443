/**
 * A small TCP load balancer for the multi-node tests (what HAProxy / nginx
 * stream / a cloud LB does in production): round robin over the backends, a
 * backend that refuses the connection is skipped. Loopback only.
 */
import net from 'node:net';

export interface TcpBalancer {
  url: string;
  /** Connections accepted per backend index. */
  accepted: number[];
  close(): Promise<void>;
}

export async function startTcpBalancer(backends: string[]): Promise<TcpBalancer> {
  const targets = backends.map((u) => new URL(u));
  const accepted = targets.map(() => 0);
  const sockets = new Set<net.Socket>();
  let next = 0;
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    client.pause();
    const tryFrom = (i: number, left: number) => {
      if (left === 0) return client.destroy();
      const t = targets[i % targets.length]!;
      const upstream = net.connect({ host: t.hostname, port: Number(t.port) });
      upstream.once('error', () => {
        upstream.destroy();
        if (!client.destroyed) tryFrom(i + 1, left - 1);
      });
      upstream.once('connect', () => {
        accepted[i % targets.length]!++;
        sockets.add(upstream);
        upstream.on('close', () => {
          sockets.delete(upstream);
          client.destroy();
        });
        upstream.on('error', () => upstream.destroy());
        client.on('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    tryFrom(next++, targets.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    accepted,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
