/**
 * The node registry: every sfu process writes a heartbeat with its load into
 * one Redis hash every HEARTBEAT_MS; a node whose heartbeat is older than
 * NODE_DEAD_AFTER_MS is dead. Supervisors (any node) or the process itself
 * (SIGUSR2) put a node into draining for a rolling upgrade: it answers
 * /healthz with 503 so the load balancer stops sending it new connections,
 * refuses new socket connections, and sends every client that is not in a
 * call on to another node ('server:draining', then a disconnect: the client
 * reconnects through the load balancer); calls in progress finish where they
 * are, then their parties are sent on too. When it holds no sessions and no
 * connections it is drained (logged); the operator stops it.
 */
import os from 'node:os';
import type { Redis } from 'ioredis';
import type { LiveNode } from '@xiaowu/shared';
import type { Logger } from '../log';

export const NODE_HEARTBEAT_MS = 2_000;
export const NODE_DEAD_AFTER_MS = 5_000;
/** A node silent this long leaves the list (a crashed process under a host-pid name never comes back). */
export const NODE_FORGET_AFTER_MS = 3_600_000;

export interface NodeLoad {
  sessions: number;
  connections: number;
  workers: number;
}

export class NodeRegistry {
  private timer?: NodeJS.Timeout;
  private readonly startedAt = Date.now();
  draining = false;
  private drainedLogged = false;
  /** Called once when the node starts draining (by a supervisor on any node, or SIGUSR2). */
  onDraining: () => void = () => undefined;
  /** Called every heartbeat while draining. */
  onDrainTick: () => void = () => undefined;

  constructor(
    private readonly d: { redis: Redis; nodeId: string; url?: string; load: () => NodeLoad; log: Logger },
    private readonly prefix = '{xw}:',
  ) {}

  private get key() {
    return `${this.prefix}nodes`;
  }

  private drainKey(nodeId: string) {
    return `${this.prefix}node:drain:${nodeId}`;
  }

  start(): void {
    void this.beat();
    this.timer = setInterval(() => void this.beat(), NODE_HEARTBEAT_MS);
    this.timer.unref();
  }

  /** Asks a node (this one or another) to drain; it picks the request up within a heartbeat. */
  async requestDrain(nodeId: string): Promise<void> {
    await this.d.redis.set(this.drainKey(nodeId), String(Date.now()), 'EX', 86_400);
    if (nodeId === this.d.nodeId) await this.beat();
  }

  async list(now = Date.now()): Promise<LiveNode[]> {
    const all = await this.d.redis.hgetall(this.key);
    const forgotten = Object.entries(all).filter(([, raw]) => now - (JSON.parse(raw) as LiveNode).beatAt > NODE_FORGET_AFTER_MS);
    // (Its sessions, if any were left, have been taken over long before.)
    if (forgotten.length) await this.d.redis.hdel(this.key, ...forgotten.map(([id]) => id));
    return Object.values(all)
      .map((raw) => JSON.parse(raw) as LiveNode)
      .filter((n) => now - n.beatAt <= NODE_FORGET_AFTER_MS)
      .map((n) => ({ ...n, alive: now - n.beatAt <= NODE_DEAD_AFTER_MS }))
      .sort((a, b) => a.nodeId.localeCompare(b.nodeId));
  }

  private async beat(): Promise<void> {
    try {
      if (!this.draining && (await this.d.redis.exists(this.drainKey(this.d.nodeId)))) this.startDraining('requested');
      const load = this.d.load();
      const cores = os.availableParallelism();
      const entry: LiveNode = {
        nodeId: this.d.nodeId,
        url: this.d.url ?? '',
        startedAt: this.startedAt,
        beatAt: Date.now(),
        alive: true,
        draining: this.draining,
        ...load,
        load1: Math.round((os.loadavg()[0]! / cores) * 100) / 100,
      };
      await this.d.redis.hset(this.key, this.d.nodeId, JSON.stringify(entry));
      if (this.draining) {
        this.onDrainTick();
        if (load.sessions === 0 && load.connections === 0 && !this.drainedLogged) {
          this.drainedLogged = true;
          this.d.log.warn({ nodeId: this.d.nodeId }, 'node drained: no sessions and no connections left; it can be stopped');
        }
      }
    } catch (err) {
      this.d.log.warn({ err }, 'node heartbeat failed');
    }
  }

  startDraining(why: string): void {
    if (this.draining) return;
    this.draining = true;
    this.d.log.warn({ nodeId: this.d.nodeId, why }, 'node draining: no new connections; idle clients are sent on, calls finish here');
    this.onDraining();
  }

  /** Shutdown: the entry goes (a stopped node is not listed as dead for ever). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.d.redis.hdel(this.key, this.d.nodeId).catch(() => undefined);
  }
}
