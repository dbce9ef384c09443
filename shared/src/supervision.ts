/**
 * Supervision (值班长): the booth fleet's heartbeats, the live dashboard pushed
 * over socket.io, and the records the statistics are computed from.
 *
 * Live path: a booth sends `booth:heartbeat` every HEARTBEAT_INTERVAL_MS with
 * its device checks; a supervisor sends `dashboard:watch` and then receives
 * `dashboard:snapshot` whenever something changes (queue, agents, sessions,
 * booths, ratings, follow-ups), at most every DASHBOARD_PUSH_MS, and at least
 * every DASHBOARD_REFRESH_MS so that a silent booth turns red on time.
 */
import { z } from 'zod';
import type { AgentState } from './agent-state';

export const HEARTBEAT_INTERVAL_MS = 20_000;
/** A booth whose last heartbeat is older than this is offline (red). */
export const BOOTH_OFFLINE_AFTER_MS = 60_000;
export const DASHBOARD_PUSH_MS = 500;
export const DASHBOARD_REFRESH_MS = 10_000;

// ── booth device health ──────────────────────────────────────────────────────

/** ok: works; missing: not connected / not configured; error: present but failing; unknown: not checked. */
export const DeviceStatuses = ['ok', 'missing', 'error', 'unknown'] as const;
export type DeviceStatus = (typeof DeviceStatuses)[number];

export const DeviceCheck = z
  .object({
    status: z.enum(DeviceStatuses),
    /** Short technical detail for the supervisor (device label, error name), ≤ 120 chars. */
    detail: z.string().max(120).optional(),
  })
  .strict();
export type DeviceCheck = z.infer<typeof DeviceCheck>;

export const BoothHealth = z
  .object({
    camera: DeviceCheck,
    /** `level`: peak input level 0..1 over the check window (0 = silent microphone). */
    microphone: DeviceCheck.extend({ level: z.number().min(0).max(1).optional() }).strict(),
    docCamera: DeviceCheck,
    printer: DeviceCheck,
    idReader: DeviceCheck.optional(),
    /** When the devices were last checked (booth clock, ms). */
    checkedAt: z.number().int().min(0),
  })
  .strict();
export type BoothHealth = z.infer<typeof BoothHealth>;

/** `booth:heartbeat` payload. `screen`: what the booth shows (home, waiting, call, …), ≤ 32 chars. */
export const BoothHeartbeat = z
  .object({
    health: BoothHealth.optional(),
    screen: z.string().max(32).regex(/^[a-z-]*$/).optional(),
    appVersion: z.string().max(32).optional(),
  })
  .strict();
export type BoothHeartbeat = z.infer<typeof BoothHeartbeat>;

// ── live dashboard ──────────────────────────────────────────────────────────

export interface LiveQueue {
  skill: string;
  waiting: number;
  longestWaitSec: number;
}

export interface LiveAgent {
  agentId: string;
  name: string;
  /** interpreters are agents of the interpreter pool */
  kind: 'agent' | 'interpreter';
  state: AgentState;
  since: number;
  skills: string[];
}

export interface LiveParty {
  role: 'booth' | 'agent' | 'interpreter' | 'supervisor';
  userId: string;
  name: string;
  /** A supervisor listening silently (not shown to the resident). */
  silent?: boolean;
}

export interface LiveSession {
  sessionId: string;
  boothId: string;
  boothName: string;
  matterName: string;
  startedAt: number;
  parties: LiveParty[];
  /** The sfu node serving it. */
  node: string;
}

export interface LiveBooth {
  boothId: string;
  name: string;
  community: string;
  address: string;
  online: boolean;
  /** Last heartbeat (server clock), null = never seen. */
  lastSeen: number | null;
  health?: BoothHealth;
  screen?: string;
  /** In a call now. */
  inCall: boolean;
}

export interface LiveRating {
  sessionId: string;
  boothId: string;
  agentId: string;
  matterId: string;
  level: 1 | 2 | 3 | 4 | 5;
  label: string;
  reasons: string[];
  comment: string;
  at: number;
  /** 一事多评: the service in the call, or the completion (办结) of its case. */
  stage: 'service' | 'completion';
  caseNo?: string;
}

export interface LiveFollowUp {
  id: string;
  kind: 'bad-rating' | 'cant-get-done';
  ref: string;
  summary: string;
  createdAt: number;
  dueAt: number;
  state: 'open' | 'resolved';
  overdue: boolean;
  calledBack?: boolean;
  resolution?: string;
  resolvedBy?: string;
  resolvedAt?: number;
}

/** An sfu process in the node registry. */
export interface LiveNode {
  nodeId: string;
  /** Its own address for operators ('' when not configured). */
  url: string;
  startedAt: number;
  beatAt: number;
  /** Heartbeat younger than 5 s. */
  alive: boolean;
  draining: boolean;
  sessions: number;
  connections: number;
  workers: number;
  /** 1-minute load average per core. */
  load1: number;
}

export interface DashboardSnapshot {
  /** Server time the snapshot was made. */
  at: number;
  queues: LiveQueue[];
  agents: LiveAgent[];
  sessions: LiveSession[];
  booths: LiveBooth[];
  /** Interpreters in state `available`. */
  interpretersAvailable: number;
  /** The 20 latest ratings, newest first. */
  ratings: LiveRating[];
  /** Open follow-ups and those resolved in the last 7 days, soonest due first. */
  followUps: LiveFollowUp[];
  /** The sfu nodes (live, draining, dead). */
  nodes?: LiveNode[];
}

// ── statistics ───────────────────────────────────────────────────────────────

/**
 * One resident visit: a booth's request for a matter, from joining the queue
 * to leaving it unanswered (abandoned) or the end of the call. A transfer
 * keeps the visit and adds a handling segment for the next agent.
 */
export interface VisitRecord {
  visitId: string;
  boothId: string;
  matterId: string;
  departmentId: string;
  requestedAt: number;
  /** First answer; absent when the resident left before anyone answered. */
  answeredAt?: number;
  endedAt: number;
  outcome: 'served' | 'abandoned';
  /** Who handled the resident and when (one per agent after transfers). */
  segments: Array<{ agentId: string; from: number; to: number }>;
  sessionId?: string;
}

export const FigurePeriods = ['day', 'week', 'month'] as const;
export type FigurePeriod = (typeof FigurePeriods)[number];
export const FigureGroups = ['all', 'booth', 'agent', 'department', 'matter'] as const;
export type FigureGroup = (typeof FigureGroups)[number];

export const FiguresQuery = z
  .object({
    period: z.enum(FigurePeriods).default('day'),
    group: z.enum(FigureGroups).default('all'),
    /** Inclusive start, exclusive end (ms). */
    from: z.coerce.number().int().min(0),
    to: z.coerce.number().int().min(0),
  })
  .strict();
export type FiguresQuery = z.infer<typeof FiguresQuery>;

/** One row: a period bucket (Beijing time) × a group key. Rates are 0..1, null when there is nothing to divide by. */
export interface FiguresRow {
  /** Bucket start as YYYY-MM-DD (Beijing time): the day, the Monday of the week, the 1st of the month. */
  bucket: string;
  /** Group key ('' for group 'all') and its display name. */
  key: string;
  name: string;
  visits: number;
  served: number;
  abandoned: number;
  abandonmentRate: number | null;
  casesAccepted: number;
  casesRejected: number;
  casesPending: number;
  casesWithdrawn: number;
  completed: number;
  completedOnTime: number;
  onTimeRate: number | null;
  rated: number;
  satisfied: number;
  satisfactionRate: number | null;
  avgWaitSec: number | null;
  avgHandleSec: number | null;
  travelSavedMin: number;
}
