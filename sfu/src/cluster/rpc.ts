/**
 * Requests from one sfu node to another over Redis pub/sub: each node listens
 * on its own channel (`{xw}:rpc:<node>`) and answers on the asker's. A node
 * whose channel has no subscriber is gone (its Redis connection closed with
 * the process: this is how a SIGKILLed node is noticed at once, without
 * waiting for its heartbeat to age). Errors keep their typed code.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError, ErrorCode, type ErrorPayload } from '@xiaowu/shared';
import type { Logger } from '../log';

/** The target node has no listener: it is gone (the caller may take its sessions over). */
export class NodeGoneError extends AppError {
  constructor(readonly node: string) {
    super(ErrorCode.Unavailable, `node ${node} is gone`);
  }
}

type Handler = (args: unknown, from: string) => Promise<unknown>;
interface Req {
  t: 'req';
  id: string;
  from: string;
  method: string;
  args: unknown;
}
interface Res {
  t: 'res';
  id: string;
  ok: boolean;
  data?: unknown;
  error?: ErrorPayload;
}

export const RPC_TIMEOUT_MS = 5_000;

export class NodeRpc {
  private readonly handlers = new Map<string, Handler>();
  private readonly pending = new Map<string, { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  private closed = false;

  constructor(
    private readonly d: { redis: Redis; sub: Redis; nodeId: string; log: Logger },
    private readonly prefix = '{xw}:',
  ) {}

  channel(node: string): string {
    return `${this.prefix}rpc:${node}`;
  }

  handle(method: string, fn: Handler): void {
    this.handlers.set(method, fn);
  }

  async start(): Promise<void> {
    this.d.sub.on('message', (channel: string, raw: string) => {
      if (channel !== this.channel(this.d.nodeId)) return;
      let msg: Req | Res;
      try {
        msg = JSON.parse(raw) as Req | Res;
      } catch {
        return;
      }
      if (msg.t === 'res') this.settle(msg);
      else void this.serve(msg);
    });
    await this.d.sub.subscribe(this.channel(this.d.nodeId));
  }

  private settle(msg: Res): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.ok) p.resolve(msg.data);
    else p.reject(new AppError(msg.error?.code ?? ErrorCode.Internal, msg.error?.message ?? 'remote error'));
  }

  private async serve(msg: Req): Promise<void> {
    const fn = this.handlers.get(msg.method);
    let res: Res;
    try {
      if (!fn) throw new AppError(ErrorCode.BadRequest, `no method ${msg.method}`);
      res = { t: 'res', id: msg.id, ok: true, data: (await fn(msg.args, msg.from)) ?? null };
    } catch (err) {
      if (!(err instanceof AppError)) this.d.log.error({ err, method: msg.method, from: msg.from }, 'node request failed');
      res = { t: 'res', id: msg.id, ok: false, error: err instanceof AppError ? err.toPayload() : { code: ErrorCode.Internal, message: 'internal error' } };
    }
    if (this.closed) return;
    await this.d.redis.publish(this.channel(msg.from), JSON.stringify(res)).catch((err) => this.d.log.warn({ err }, 'node reply not sent'));
  }

  /** Calls `method` on `node`; NodeGoneError when nobody listens there, UNAVAILABLE on timeout. */
  async call<T>(node: string, method: string, args: unknown, timeoutMs = RPC_TIMEOUT_MS): Promise<T> {
    const id = randomUUID();
    const reply = new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new AppError(ErrorCode.Unavailable, `node ${node} did not answer ${method} in time`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
    });
    const req: Req = { t: 'req', id, from: this.d.nodeId, method, args };
    const receivers = await this.d.redis.publish(this.channel(node), JSON.stringify(req)).catch((err: Error) => {
      this.settle({ t: 'res', id, ok: false, error: { code: ErrorCode.Unavailable, message: err.message } });
      return -1;
    });
    if (receivers === 0) {
      const p = this.pending.get(id);
      this.pending.delete(id);
      if (p) clearTimeout(p.timer);
      reply.catch(() => undefined);
      throw new NodeGoneError(node);
    }
    return reply;
  }

  /** Whether a node listens on its channel now (false right after its process died). */
  async listening(node: string): Promise<boolean> {
    const r = (await this.d.redis.pubsub('NUMSUB', this.channel(node))) as [string, number];
    return Number(r[1]) > 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new AppError(ErrorCode.Unavailable, 'shutting down'));
    }
    this.pending.clear();
    await this.d.sub.quit().catch(() => this.d.sub.disconnect());
  }
}
