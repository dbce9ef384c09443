/**
 * One mediasoup worker per core, each with a WebRtcServer so every transport
 * of that worker shares one UDP/TCP port. Sessions are placed on the worker
 * with the fewest routers. A worker that dies is replaced; the sessions it
 * held are told through `onWorkerDied` so they can be ended or re-created.
 */
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { Logger } from '../log';

export interface WorkerPoolOptions {
  count: number;
  listenIp: string;
  announcedAddress?: string;
  /** Worker i's WebRtcServer listens on basePort + i; 0 = a random free port. */
  basePort: number;
  log: Logger;
}

interface Slot {
  index: number;
  worker: types.Worker;
  webRtcServer: types.WebRtcServer;
  routers: number;
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private closed = false;
  /** Called with the routers that were lost when a worker died. */
  onWorkerDied: (routers: types.Router[]) => void = () => undefined;

  private constructor(private readonly opts: WorkerPoolOptions) {}

  static async create(opts: WorkerPoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(opts);
    for (let i = 0; i < opts.count; i++) pool.slots.push(await pool.spawn(i));
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  /** Callers waiting for a worker to be respawned (every worker was dead). */
  private readonly waiting: Array<() => void> = [];

  /**
   * A new router on the least-loaded live worker, with that worker's
   * WebRtcServer. When every worker is dead (one worker, just killed) it waits
   * for the respawn, up to `waitMs`.
   */
  async createRouter(codecs: types.RouterRtpCodecCapability[], waitMs = 10_000): Promise<{ router: types.Router; webRtcServer: types.WebRtcServer }> {
    let live = this.slots.filter((s) => !s.worker.closed);
    if (live.length === 0 && !this.closed) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no mediasoup worker came back in time')), waitMs);
        this.waiting.push(() => (clearTimeout(t), resolve()));
      });
      live = this.slots.filter((s) => !s.worker.closed);
    }
    if (live.length === 0) throw new Error('no live mediasoup worker');
    const slot = live.reduce((a, b) => (b.routers < a.routers ? b : a));
    // Counted before the await: calls answered at the same moment spread over the workers.
    slot.routers++;
    let router: types.Router;
    try {
      router = await slot.worker.createRouter({ mediaCodecs: codecs });
    } catch (err) {
      slot.routers--;
      throw err;
    }
    router.observer.once('close', () => slot.routers--);
    return { router, webRtcServer: slot.webRtcServer };
  }

  /** Per-worker figures for health and metrics. */
  async usage(): Promise<Array<{ index: number; pid: number; routers: number; cpuMs: number }>> {
    return Promise.all(
      this.slots.map(async (s) => {
        const u = await s.worker.getResourceUsage();
        return { index: s.index, pid: s.worker.pid, routers: s.routers, cpuMs: u.ru_utime + u.ru_stime };
      }),
    );
  }

  close(): void {
    this.closed = true;
    for (const s of this.slots) s.worker.close();
  }

  private async spawn(index: number): Promise<Slot> {
    const { listenIp, announcedAddress, basePort, log } = this.opts;
    const worker = await mediasoup.createWorker({ logLevel: 'warn' });
    const port = basePort === 0 ? undefined : basePort + index;
    const listenInfos: types.TransportListenInfo[] = (['udp', 'tcp'] as const).map((protocol) => ({
      protocol,
      ip: listenIp,
      announcedAddress,
      port,
    }));
    const webRtcServer = await worker.createWebRtcServer({ listenInfos });
    const slot: Slot = { index, worker, webRtcServer, routers: 0 };
    const routers = new Set<types.Router>();
    worker.observer.on('newrouter', (r: types.Router) => {
      routers.add(r);
      r.observer.once('close', () => routers.delete(r));
    });
    worker.on('died', (err) => {
      if (this.closed) return;
      log.error({ err, pid: worker.pid, index }, 'mediasoup worker died; respawning');
      const lost = [...routers];
      this.onWorkerDied(lost);
      void this.spawn(index).then(
        (fresh) => {
          this.slots[this.slots.indexOf(slot)] = fresh;
          for (const w of this.waiting.splice(0)) w();
        },
        (e) => log.fatal({ err: e }, 'could not respawn mediasoup worker'),
      );
    });
    log.info({ pid: worker.pid, index, port: port ?? 'random' }, 'mediasoup worker ready');
    return slot;
  }
}
