/**
 * The RTP bots run in a worker thread of the bench process: their pacing and
 * counting do not wait for the main thread, where our server code runs (a
 * stall there would otherwise show up as late media), and the main thread's
 * event-loop delay stays a figure of our code alone. `BotThread` is the main
 * thread's handle; the same file is the worker's entry.
 */
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { BotScheduler, PartyReceiver, PartySender, type Clip, type Clips, type ReceiveTotals, type SendStats } from './rtp-bots';

export interface StreamDef {
  clip: keyof Clips;
  ssrc: number;
  payloadType: number;
}

export interface BotFigures {
  send: SendStats;
  rx: ReceiveTotals;
  /** CPU seconds of the bot thread so far. */
  cpuS: number;
}

type Request =
  | { op: 'openReceiver' }
  | { op: 'openSender'; rtpPort: number; rtcpPort: number; streams: StreamDef[] }
  | { op: 'close'; keys: number[] }
  | { op: 'figures' }
  | { op: 'gaps' }
  | { op: 'stop' };

/** Main thread: starts the bot thread and talks to it. */
export class BotThread {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error) p?.reject(new Error(m.error));
      else p?.resolve(m.result);
    });
    worker.on('error', (err) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
  }

  static async start(clips: Clips): Promise<BotThread> {
    // The worker loads this TypeScript file through tsx, as the main thread does.
    const entry = new URL(import.meta.url).href;
    const worker = new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`, {
      eval: true,
      workerData: { xwBots: true, clips },
    });
    const t = new BotThread(worker);
    await t.request({ op: 'figures' });
    return t;
  }

  private request<T>(req: Request): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, ...req });
    });
  }

  openReceiver(): Promise<{ key: number; rtpPort: number; rtcpPort: number }> {
    return this.request({ op: 'openReceiver' });
  }

  openSender(rtpPort: number, rtcpPort: number, streams: StreamDef[]): Promise<number> {
    return this.request({ op: 'openSender', rtpPort, rtcpPort, streams });
  }

  close(keys: number[]): Promise<void> {
    return this.request({ op: 'close', keys });
  }

  /** Send figures since the last call; receive totals and CPU since the start. */
  figures(): Promise<BotFigures> {
    return this.request({ op: 'figures' });
  }

  /** SSRCs with sequence gaps (diagnostics). */
  gaps(): Promise<Array<{ ssrc: number; packets: number; expected: number; bytes: number }>> {
    return this.request({ op: 'gaps' });
  }

  async stop(): Promise<void> {
    await this.request({ op: 'stop' }).catch(() => undefined);
    await this.worker.terminate();
  }
}

/** A Buffer after the structured clone is a plain Uint8Array. */
function revive(clips: Clips): Clips {
  const out = {} as Clips;
  for (const [k, c] of Object.entries(clips) as Array<[keyof Clips, Clip]>) {
    out[k] = { ...c, packets: c.packets.map((p) => ({ ...p, body: Buffer.from(p.body.buffer, p.body.byteOffset, p.body.byteLength) })) };
  }
  return out;
}

function runWorker(): void {
  const clips = revive((workerData as { clips: Clips }).clips);
  const bots = new BotScheduler(5);
  const senders = new Map<number, PartySender>();
  const receivers = new Map<number, PartyReceiver>();
  let nextKey = 1;
  // This thread's own CPU time (/proc/thread-self is this thread's task directory).
  const task = (() => {
    try {
      return fs.readlinkSync('/proc/thread-self');
    } catch {
      return undefined;
    }
  })();
  const cpuS = () => {
    try {
      return task ? Number(fs.readFileSync(`/proc/${task}/schedstat`, 'utf8').split(' ')[0]) / 1e9 : 0;
    } catch {
      return 0;
    }
  };

  const handle = async (req: Request): Promise<unknown> => {
    switch (req.op) {
      case 'openReceiver': {
        const r = await PartyReceiver.open();
        const key = nextKey++;
        receivers.set(key, r);
        return { key, rtpPort: r.rtpPort, rtcpPort: r.rtcpPort };
      }
      case 'openSender': {
        const s = await PartySender.open(req.rtpPort, req.rtcpPort);
        // All tracks of a party on one clock, starting within 100 ms.
        const t0 = performance.now() + Math.random() * 100;
        for (const d of req.streams) s.add(clips[d.clip], d.ssrc, d.payloadType, t0);
        bots.add(s);
        const key = nextKey++;
        senders.set(key, s);
        return key;
      }
      case 'close':
        for (const k of req.keys) {
          const s = senders.get(k);
          if (s) bots.remove(s);
          senders.delete(k);
          receivers.get(k)?.close();
          receivers.delete(k);
        }
        return undefined;
      case 'figures': {
        const rx: ReceiveTotals = { packets: 0, bytes: 0, expected: 0, ssrcs: 0 };
        for (const r of receivers.values()) {
          const t = r.totals();
          rx.packets += t.packets;
          rx.bytes += t.bytes;
          rx.expected += t.expected;
          rx.ssrcs += t.ssrcs;
        }
        return { send: bots.take(), rx, cpuS: cpuS() } satisfies BotFigures;
      }
      case 'gaps':
        return [...receivers.values()].flatMap((r) => r.perSsrc().filter((x) => x.expected !== x.packets));
      case 'stop':
        bots.stop();
        for (const r of receivers.values()) r.close();
        receivers.clear();
        senders.clear();
        return undefined;
    }
  };
  parentPort!.on('message', (m: Request & { id: number }) => {
    handle(m).then(
      (result) => parentPort!.postMessage({ id: m.id, result }),
      (err: Error) => parentPort!.postMessage({ id: m.id, error: err.message }),
    );
  });
}

if (!isMainThread && (workerData as { xwBots?: boolean } | undefined)?.xwBots) runWorker();
