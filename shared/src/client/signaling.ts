/**
 * Typed socket.io client for the sfu's signaling protocol: `request()` sends a
 * request and resolves with its ack data or rejects with an `AppError`.
 */
import { io, type Socket } from 'socket.io-client';
import { AppError, ErrorCode } from '../errors';
import {
  SOCKET_PATH,
  type ClientToServerEvents,
  type HandshakeAuth,
  type RequestName,
  type RequestPayload,
  type Responses,
  type ServerToClientEvents,
} from '../protocol';

export type SignalingSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export class SignalingClient {
  readonly socket: SignalingSocket;

  /** @param url origin of the sfu; '' means the page's own origin. */
  constructor(url: string, auth: HandshakeAuth, private readonly timeoutMs = 10_000) {
    // websocket only: no long-polling, so no sticky sessions needed behind a load balancer.
    // Reconnect attempts at most 2 s apart (socket.io's default 5 s): after a long network cut the ICE restart waits for this socket.
    this.socket = io(url || undefined, { path: SOCKET_PATH, auth, transports: ['websocket'], reconnectionDelayMax: 2_000 }) as SignalingSocket;
    // A draining server sends its idle clients on: connect again (through the load balancer: another server), with jitter.
    this.socket.on('server:draining', () => {
      this.socket.disconnect();
      this.later(200 + Math.random() * 800);
    });
    // Refused because the server is draining: socket.io does not retry a refused handshake by itself.
    this.socket.on('connect_error', (err: Error & { data?: { code?: string } }) => {
      if (err.data?.code === ErrorCode.NodeDraining) this.later(500 + Math.random() * 1500);
    });
  }

  async request<K extends RequestName>(name: K, payload: RequestPayload<K>): Promise<Responses[K]> {
    const emit = this.socket.timeout(this.timeoutMs).emit as unknown as (
      ev: string,
      p: unknown,
      cb: (err: Error | null, res: { ok: boolean; data?: unknown; error?: { code: ErrorCode; message: string } }) => void,
    ) => void;
    return new Promise((resolve, reject) => {
      emit.call(this.socket.timeout(this.timeoutMs), name, payload, (err, res) => {
        if (err) reject(new AppError(ErrorCode.Timeout, `${name}: no answer in ${this.timeoutMs} ms`));
        else if (res.ok) resolve(res.data as Responses[K]);
        else reject(new AppError(res.error!.code, res.error!.message));
      });
    });
  }

  on<E extends keyof ServerToClientEvents>(event: E, listener: ServerToClientEvents[E]): () => void {
    // socket.io's typed `on` does not accept a generic event parameter.
    const s = this.socket as unknown as { on(e: string, l: unknown): void; off(e: string, l: unknown): void };
    s.on(event, listener);
    return () => s.off(event, listener);
  }

  private closed = false;
  private retry?: ReturnType<typeof setTimeout>;
  private later(ms: number): void {
    clearTimeout(this.retry);
    this.retry = setTimeout(() => {
      if (!this.closed) this.socket.connect();
    }, ms);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
    this.socket.close();
  }
}
