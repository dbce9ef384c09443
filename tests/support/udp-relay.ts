/**
 * A UDP relay in front of the sfu's WebRtcServer, for the tests that cut a
 * browser's media: the sfu announces the relay's address in its ICE
 * candidates, the relay forwards each client (source address:port) through a
 * socket of its own (a symmetric NAT, as in front of production's sfu), and a
 * client's traffic can be dropped in both directions for a while. Loopback
 * only: Linux routes all of 127.0.0.0/8 over lo, so the relay can listen on
 * 127.0.0.2 with the sfu on 127.0.0.1 and the same port.
 */
import dgram from 'node:dgram';

export interface UdpRelayOptions {
  /** Where browsers send their media (the sfu's RTC_ANNOUNCED_ADDRESS), e.g. 127.0.0.2. */
  listenIp: string;
  /** Where the sfu's WebRtcServer listens (its RTC_LISTEN_IP). */
  targetIp: string;
  /** The port on both sides (the sfu's RTC_PORT); 0 = a free one, read it from `port`. */
  port: number;
}

/** Packets counted per direction. */
export interface RelayCounts {
  toServer: number;
  toClient: number;
}

export interface UdpRelay {
  /** The port the relay listens on; the sfu must listen on the same one. */
  readonly port: number;
  /** The client ports that sent something so far. */
  clientPorts(): number[];
  /** Drops every packet from or to these client ports (also ones not seen yet) until `unblock`. */
  block(ports: Iterable<number>): void;
  unblock(): void;
  /** Packets dropped by `block`, per direction. */
  readonly dropped: RelayCounts;
  close(): Promise<void>;
}

interface Mapping {
  address: string;
  port: number;
  upstream: dgram.Socket;
}

export async function startUdpRelay(opts: UdpRelayOptions): Promise<UdpRelay> {
  const front = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.bind(opts.port, opts.listenIp, () => {
      front.off('error', reject);
      resolve();
    });
  });
  const port = front.address().port;
  const mappings = new Map<string, Mapping>();
  const blocked = new Set<number>();
  const dropped: RelayCounts = { toServer: 0, toClient: 0 };

  const mappingFor = (address: string, clientPort: number): Mapping => {
    const key = `${address}:${clientPort}`;
    let m = mappings.get(key);
    if (m) return m;
    const upstream = dgram.createSocket('udp4');
    m = { address, port: clientPort, upstream };
    mappings.set(key, m);
    // The upstream socket is bound implicitly by its first send (an ephemeral port on targetIp's route).
    upstream.on('message', (msg) => {
      if (blocked.has(clientPort)) {
        dropped.toClient++;
        return;
      }
      front.send(msg, clientPort, address);
    });
    // An ICMP "port unreachable" surfaces as an error on the next send: the relay goes on, like a NAT.
    upstream.on('error', () => undefined);
    return m;
  };

  front.on('message', (msg, from) => {
    if (blocked.has(from.port)) {
      dropped.toServer++;
      return;
    }
    mappingFor(from.address, from.port).upstream.send(msg, port, opts.targetIp);
  });
  front.on('error', () => undefined);

  return {
    port,
    clientPorts: () => [...mappings.values()].map((m) => m.port),
    block(ports) {
      for (const p of ports) blocked.add(p);
    },
    unblock() {
      blocked.clear();
    },
    dropped,
    async close() {
      for (const m of mappings.values()) m.upstream.close();
      mappings.clear();
      await new Promise<void>((resolve) => front.close(() => resolve()));
    },
  };
}
