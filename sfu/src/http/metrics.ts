/** Prometheus metrics (prom-client), computed when scraped. */
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { CallService } from '../calls/call-service';
import type { MediaCensus } from '../media/census';
import type { WorkerPool } from '../media/worker-pool';

/** Fleet and follow-up figures for the metrics (from the supervisors' dashboard). */
export interface SupervisionFigures {
  boothsOnline: number;
  boothsOffline: number;
  followUpsOpen: number;
  followUpsOverdue: number;
}

export function createMetrics(d: { census: MediaCensus; pool: WorkerPool; calls: CallService; supervision?: () => Promise<SupervisionFigures> }): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'xw_node_' });
  new Gauge({
    name: 'xw_mediasoup_objects',
    help: 'Live mediasoup objects by kind (from mediasoup observer events)',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      for (const [kind, n] of Object.entries(d.census.counts)) this.set({ kind }, n);
    },
  });
  new Gauge({
    name: 'xw_sessions',
    help: 'Call sessions on this node',
    registers: [registry],
    collect() {
      this.set(d.calls.describeSessions().length);
    },
  });
  new Gauge({
    name: 'xw_worker_cpu_seconds',
    help: 'CPU time used by each mediasoup worker',
    labelNames: ['worker'],
    registers: [registry],
    async collect() {
      for (const w of await d.pool.usage()) this.set({ worker: String(w.index) }, w.cpuMs / 1000);
    },
  });
  // Each gauge collects for itself: prom-client collects metrics concurrently.
  new Gauge({
    name: 'xw_queue_waiting',
    help: 'Residents waiting per skill',
    labelNames: ['skill'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const q of (await d.calls.queueSummary()).skills) this.set({ skill: q.skill }, q.waiting);
    },
  });
  new Gauge({
    name: 'xw_queue_longest_wait_seconds',
    help: 'Longest current wait per skill',
    labelNames: ['skill'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const q of (await d.calls.queueSummary()).skills) this.set({ skill: q.skill }, q.longestWaitSec);
    },
  });
  new Gauge({
    name: 'xw_agents',
    help: 'Agents per state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      for (const [state, n] of Object.entries((await d.calls.queueSummary()).agents)) this.set({ state }, n);
    },
  });
  new Gauge({
    name: 'xw_recording_pending_segments',
    help: 'Closed recording segments not yet hashed onto their manifest (this node)',
    registers: [registry],
    collect() {
      this.set(d.calls.recordingLag().pending);
    },
  });
  new Gauge({
    name: 'xw_recording_lag_seconds',
    help: 'How long the oldest closed segment has waited for the manifest (this node)',
    registers: [registry],
    collect() {
      this.set(d.calls.recordingLag().oldestMs / 1000);
    },
  });
  new Gauge({
    name: 'xw_recordings_finishing',
    help: 'Ended sessions whose recording is still being closed and muxed (this node)',
    registers: [registry],
    collect() {
      this.set(d.calls.recordingLag().finishing);
    },
  });
  if (d.supervision) {
    const figures = d.supervision;
    new Gauge({
      name: 'xw_booths',
      help: 'Registered booths by heartbeat state (offline: silent for more than a minute)',
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        const f = await figures();
        this.set({ state: 'online' }, f.boothsOnline);
        this.set({ state: 'offline' }, f.boothsOffline);
      },
    });
    new Gauge({
      name: 'xw_followups',
      help: 'Open follow-ups (差评回访, 办不成事), and those past their deadline',
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        const f = await figures();
        this.set({ state: 'open' }, f.followUpsOpen);
        this.set({ state: 'overdue' }, f.followUpsOverdue);
      },
    });
  }
  return registry;
}
