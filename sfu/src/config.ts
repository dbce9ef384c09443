/**
 * Configuration from environment variables, validated once at start: a bad
 * value stops the process with a message naming the variable.
 */
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);

const Env = z.object({
  /** HTTP + signaling port (0 = any free port, for tests). */
  PORT: port.default(3000),
  /** Address the HTTP server binds; loopback unless deployed behind a proxy. */
  HOST: z.string().default('127.0.0.1'),
  /** Public origin of this service (for QR codes residents scan with phones); default: the local URL. */
  PUBLIC_URL: z.string().url().optional(),
  /** Record every session (server side, every track, no re-encoding). */
  /** Seconds a running call waits for a booth / agent / interpreter whose connection dropped (0 = end the call at once). */
  RECONNECT_GRACE_S: z.coerce.number().int().min(0).max(300).default(20),
  RECORDING: z.enum(['on', 'off']).default('on'),
  /** Length of a recording segment: a crash loses at most the open one. */
  RECORD_SEGMENT_S: z.coerce.number().int().min(2).max(300).default(10),
  /** Days a recording is kept after its session (the daily retention job deletes older ones). */
  RECORD_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(180),
  /** 'own': agents may review the recordings of the sessions they served (supervisors always may). */
  RECORD_AGENT_ACCESS: z.enum(['none', 'own']).default('none'),
  /** Minutes of a round trip to the service hall, for booths without their own estimate (figures: travel time saved). */
  TRAVEL_MINUTES_DEFAULT: z.coerce.number().int().min(0).max(1440).default(60),
  /** This process's name in the node registry and on the dashboard (default: host-pid). */
  NODE_ID: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/).optional(),
  /** This node's own address for operators (shown in the node list); optional. */
  NODE_URL: z.string().url().optional(),
  /** Where a new session goes: the least-loaded live node (default), or the answering agent's node. */
  PLACEMENT: z.enum(['least-loaded', 'local']).default('least-loaded'),
  /** A draining node lets its calls finish for this long, then moves those still running to other nodes (0 = at once). */
  DRAIN_MOVE_AFTER_S: z.coerce.number().int().min(0).max(86_400).default(300),
  /** UDP ports the recorders' ffmpeg inputs use (RTP and RTCP pairs). */
  RECORD_PORT_MIN: port.default(30000),
  RECORD_PORT_MAX: port.default(30999),
  /** Largest accepted upload (a scanned material), MB. */
  UPLOAD_MAX_MB: z.coerce.number().int().min(1).max(200).default(20),
  /** Existing Redis (redis://…); unset = start a local redis-server child with AOF on. */
  REDIS_URL: z
    .string()
    .regex(/^(rediss?:\/\/|unix:\/\/\/)\S+$/, 'redis://host:port[/db], rediss://… or unix:///path/to/redis.sock')
    .optional(),
  /**
   * Redis Sentinel instead of REDIS_URL: the sentinels as a comma-separated host:port list
   * (e.g. "10.0.0.1:26379,10.0.0.2:26379,10.0.0.3:26379"); the sfu asks them for the current
   * master of REDIS_SENTINEL_NAME and follows failovers by itself.
   */
  REDIS_SENTINELS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return undefined;
      const out: Array<{ host: string; port: number }> = [];
      for (const item of v.split(',').map((x) => x.trim()).filter(Boolean)) {
        const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(item);
        const port = m ? Number(m[3]) : 0;
        if (!m || port < 1 || port > 65535) {
          ctx.addIssue({ code: 'custom', message: `"${item}" is not host:port (a list: host:port,host:port,…)` });
          return z.NEVER;
        }
        out.push({ host: m[1] ?? m[2]!, port });
      }
      return out;
    }),
  /** The master group name the sentinels monitor (`sentinel monitor <name> …`); required with REDIS_SENTINELS. */
  REDIS_SENTINEL_NAME: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . -').optional(),
  /** Password of the Redis data nodes (used when REDIS_URL carries none, and with Sentinel). Never logged. */
  REDIS_PASSWORD: z.string().min(1).optional(),
  /** Password of the sentinels (their `requirepass`), if they have one. Never logged. */
  REDIS_SENTINEL_PASSWORD: z.string().min(1).optional(),
  /** Where the embedded Redis, uploads and recordings live. */
  DATA_DIR: z.string().default(path.resolve(process.cwd(), 'data')),
  /** mediasoup workers; default one per core. */
  MEDIASOUP_WORKERS: z.coerce.number().int().min(1).max(64).default(os.cpus().length),
  /** IP the WebRtcServers listen on. */
  RTC_LISTEN_IP: z.string().default('127.0.0.1'),
  /** Public IP or host name announced in ICE candidates (behind NAT). */
  RTC_ANNOUNCED_ADDRESS: z.string().optional(),
  /** First UDP/TCP port of the WebRtcServers: worker i listens on RTC_PORT + i (0 = random ports, for tests). */
  RTC_PORT: port.default(40000),
  /** Token signing key (≥ 32 chars); unset = a random key kept in Redis, shared by all nodes. */
  AUTH_SECRET: z.string().min(32).optional(),
  /** Seconds an agent has to answer an offered call before it goes to the next agent. */
  OFFER_TIMEOUT_S: z.coerce.number().int().min(5).max(120).default(20),
  /** Seconds of wrap-up (话后处理) after each call. */
  WRAP_UP_S: z.coerce.number().int().min(0).max(600).default(60),
  /**
   * Service hours used at first start (then edited by supervisors through the API):
   * 'always' (24/7, the demo default) or 'center' (weekdays 08:30–17:30 without lunch
   * break, Tue/Thu until 19:30, Saturday 09:00–15:00, Beijing time).
   */
  SERVICE_HOURS: z.enum(['always', 'center']).default('always'),
  /** First start with no accounts: create demo agents, a supervisor and a booth, and print their logins. */
  DEMO_ACCOUNTS: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
}).superRefine((c, ctx) => {
  // Redis: one way to reach it.
  if (c.REDIS_SENTINELS && !c.REDIS_SENTINEL_NAME) ctx.addIssue({ code: 'custom', path: ['REDIS_SENTINEL_NAME'], message: 'required with REDIS_SENTINELS' });
  if (c.REDIS_SENTINEL_NAME && !c.REDIS_SENTINELS) ctx.addIssue({ code: 'custom', path: ['REDIS_SENTINELS'], message: 'required with REDIS_SENTINEL_NAME' });
  if (c.REDIS_SENTINELS && c.REDIS_URL) ctx.addIssue({ code: 'custom', path: ['REDIS_URL'], message: 'set either REDIS_URL or REDIS_SENTINELS, not both' });
});

export type Config = z.infer<typeof Env>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses and validates the environment; throws ConfigError listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const res = Env.safeParse(env);
  if (!res.success) {
    const lines = res.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return res.data;
}
