/**
 * Redis connection: the configured REDIS_URL, a Redis Sentinel group
 * (REDIS_SENTINELS + REDIS_SENTINEL_NAME), or an embedded redis-server child
 * process (data in DATA_DIR/redis, unix socket only, so it never collides with
 * another Redis on the machine).
 *
 * Durability: the embedded Redis runs with `appendonly yes` + `appendfsync
 * always`: Redis answers a write only after it is in the AOF on disk, so an
 * acknowledged write survives a crash or a kill -9 of Redis (or of the host).
 * An external Redis must be configured by its operator (see README, "Redis:
 * durability, restarts, Sentinel"); openRedis() logs a warning when it can see
 * that the AOF is off.
 *
 * Outages: the clients reconnect by themselves (capped backoff, forever). A
 * command issued while Redis is away waits in ioredis' offline queue and is
 * sent once the connection is back, or, if the outage lasts longer than
 * `outageWaitMs`, fails with a RedisUnavailableError (the REST call answers an
 * error, the client retries). A write is therefore either acknowledged after
 * Redis has persisted it, or it fails: never acknowledged and then lost.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../log';
import type { Config } from '../config';

export interface RedisHandle {
  redis: Redis;
  /** Where the connection points (for logs; never carries a password). */
  where: string;
  close(): Promise<void>;
}

/** How to reach Redis (from the configuration, see `redisSettings`). */
export interface RedisSettings {
  /** redis://…, rediss://… or unix:///path (ignored when `sentinels` is set). */
  url?: string;
  /** Sentinels to ask for the current master of `sentinelName`. */
  sentinels?: Array<{ host: string; port: number }>;
  sentinelName?: string;
  /** Password of the Redis data nodes (used when the URL carries none). */
  password?: string;
  /** Password of the sentinels themselves (`requirepass` in sentinel.conf), if any. */
  sentinelPassword?: string;
}

/** The Redis part of the configuration, as openRedis() takes it. */
export function redisSettings(config: Pick<Config, 'REDIS_URL' | 'REDIS_SENTINELS' | 'REDIS_SENTINEL_NAME' | 'REDIS_PASSWORD' | 'REDIS_SENTINEL_PASSWORD'>): RedisSettings {
  return {
    url: config.REDIS_URL,
    sentinels: config.REDIS_SENTINELS,
    sentinelName: config.REDIS_SENTINEL_NAME,
    password: config.REDIS_PASSWORD,
    sentinelPassword: config.REDIS_SENTINEL_PASSWORD,
  };
}

/** A command that could not reach Redis within the outage wait; nothing was written. Retry later. */
export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
  readonly code = 'REDIS_UNAVAILABLE';
}

/**
 * True for errors that mean "Redis could not be reached" (as opposed to a bug
 * or a rejected command): the request can be retried. The HTTP error handler
 * can answer these with 503 + Retry-After instead of 500.
 */
export function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err instanceof RedisUnavailableError || err.name === 'MaxRetriesPerRequestError') return true;
  const code = (err as { code?: string }).code;
  if (code && ['ECONNREFUSED', 'ECONNRESET', 'ENOENT', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH'].includes(code)) return true;
  return /^(Connection is closed|Stream isn't writeable|LOADING|READONLY|NOREPLICAS|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)/.test(err.message);
}

/** How long a command waits for a lost connection to come back before it fails (ms). */
export const OUTAGE_WAIT_MS = 5_000;
/** How long openRedis() waits for the first connection (Redis may start after the sfu). */
export const FIRST_CONNECT_WAIT_MS = 30_000;

/**
 * Reconnection and retry behaviour shared by every connection (`duplicate()`
 * keeps these, so the socket.io adapter's pub/sub connections have them too).
 */
export function clientOptions(s: RedisSettings = {}): RedisOptions {
  return {
    lazyConnect: true,
    // Reconnect forever: 100, 200, 400 ms, then every 500 ms. A restarted Redis
    // is back in use within half a second of accepting connections.
    retryStrategy: (times) => Math.min(100 * 2 ** (times - 1), 500),
    // Commands wait in the offline queue while the connection is away (a short
    // restart or failover is invisible to callers) ...
    enableOfflineQueue: true,
    // ... bounded in time by the outage guard of openRedis() (OUTAGE_WAIT_MS);
    // for other connections (the adapter's pub/sub duplicates) by the number of
    // reconnection attempts: ~10 s at two attempts a second.
    maxRetriesPerRequest: 20,
    // Wait until Redis has loaded its AOF before sending anything (LOADING).
    enableReadyCheck: true,
    // An unreachable host (packets dropped, not refused) counts as a failed attempt after 5 s.
    connectTimeout: 5_000,
    // A master demoted by a failover answers writes with READONLY: reconnect
    // (through the sentinels, to the new master) and resend that command.
    reconnectOnError: (err) => (/^READONLY/.test(err.message) ? 2 : false),
    ...(s.password ? { password: s.password } : {}),
    ...(s.sentinels?.length
      ? {
          sentinels: s.sentinels,
          name: s.sentinelName,
          ...(s.sentinelPassword ? { sentinelPassword: s.sentinelPassword } : {}),
          // Ask the sentinels again without giving up (null would end the client for good).
          sentinelRetryStrategy: (times: number) => Math.min(100 * times, 1000),
          // Subscribe to the sentinels' +switch-master: move to a new master at once,
          // even when the old one is still reachable (partition, manual failover).
          failoverDetector: true,
        }
      : {}),
  };
}

export async function openRedis(
  opts: RedisSettings & { dataDir: string; log: Logger; outageWaitMs?: number; firstConnectWaitMs?: number },
): Promise<RedisHandle> {
  const waitMs = opts.outageWaitMs ?? OUTAGE_WAIT_MS;
  const firstWaitMs = opts.firstConnectWaitMs ?? FIRST_CONNECT_WAIT_MS;
  if (opts.sentinels?.length) {
    if (!opts.sentinelName) throw new Error('REDIS_SENTINELS needs REDIS_SENTINEL_NAME (the master group name)');
    const where = `sentinel:${opts.sentinelName}@${opts.sentinels.map((s) => `${s.host}:${s.port}`).join(',')}`;
    return connectExternal(new Redis(clientOptions(opts)), where, opts.log, waitMs, firstWaitMs);
  }
  if (opts.url) {
    const redis = opts.url.startsWith('unix://')
      ? new Redis({ ...clientOptions(opts), path: opts.url.slice('unix://'.length) })
      : new Redis(opts.url, clientOptions(opts));
    return connectExternal(redis, opts.url.replace(/\/\/[^@]*@/, '//***@'), opts.log, waitMs, firstWaitMs);
  }
  const embedded = await startEmbeddedRedis(path.join(opts.dataDir, 'redis'), opts.log, { supervise: true });
  const redis = new Redis({ ...clientOptions(), path: embedded.socket });
  const unguard = guardOutages(watch(redis, opts.log), waitMs);
  try {
    await firstConnect(redis, firstWaitMs);
  } catch (err) {
    unguard();
    await embedded.stop();
    throw err;
  }
  return {
    redis,
    where: `unix:${embedded.socket}`,
    close: async () => {
      unguard();
      await quit(redis);
      await embedded.stop();
    },
  };
}

async function connectExternal(redis: Redis, where: string, log: Logger, waitMs: number, firstWaitMs: number): Promise<RedisHandle> {
  const unguard = guardOutages(watch(redis, log), waitMs);
  try {
    await firstConnect(redis, firstWaitMs);
  } catch (err) {
    unguard();
    throw new Error(`redis at ${where} not reachable: ${(err as Error).message}`);
  }
  void checkDurability(redis, where, log);
  return {
    redis,
    where,
    close: async () => {
      unguard();
      await quit(redis);
    },
  };
}

/** Connects, retrying (Redis may still be starting), until ready or `timeoutMs`. */
async function firstConnect(redis: Redis, timeoutMs: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => {
      done();
      redis.disconnect();
      reject(new Error(`no connection within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const onReady = () => {
      done();
      resolve();
    };
    const onEnd = () => {
      done();
      reject(new Error('connection ended'));
    };
    const done = () => {
      clearTimeout(t);
      redis.off('ready', onReady);
      redis.off('end', onEnd);
    };
    redis.once('ready', onReady);
    redis.once('end', onEnd);
    // A failed first attempt rejects this promise, but the retry strategy keeps trying.
    redis.connect().catch(() => undefined);
  });
}

async function quit(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  // quit waits for the replies still due; a Redis that is away would make it wait for the outage guard.
  const bye = redis.quit().then(
    () => true,
    () => false,
  );
  if (!(await Promise.race([bye, new Promise<boolean>((r) => setTimeout(() => r(false), 2_000).unref())]))) redis.disconnect();
}

/** What an external Redis says about its persistence (a managed Redis may refuse CONFIG: then nothing is said). */
async function checkDurability(redis: Redis, where: string, log: Logger): Promise<void> {
  try {
    const [, aof] = (await redis.config('GET', 'appendonly')) as string[];
    const [, fsync] = (await redis.config('GET', 'appendfsync')) as string[];
    const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as string[];
    if (aof !== 'yes') log.warn({ redis: where }, 'redis runs without AOF (appendonly no): a Redis restart loses the writes since its last snapshot');
    else if (fsync !== 'always') log.info({ redis: where, appendfsync: fsync }, 'redis AOF is not fsynced per write: a crash of the Redis host can lose up to ~2 s of acknowledged writes');
    if (policy && policy !== 'noeviction') log.warn({ redis: where, maxmemoryPolicy: policy }, 'redis may evict keys under memory pressure (maxmemory-policy is not noeviction): cases and ratings could disappear');
  } catch {
    // CONFIG disabled or renamed: the operator's configuration is documented in the README.
  }
}

/**
 * Fails the commands waiting for a lost connection once the outage has lasted
 * `waitMs` (ioredis itself only bounds the wait by a number of attempts, and
 * not at all while it is still asking the sentinels). Commands waiting in the
 * offline queue were never sent: failing them writes nothing. Commands that
 * were sent when the connection broke are failed too while no connection is
 * up (they may or may not have been applied: the caller sees an error and
 * retries, the same as for a lost reply).
 */
function guardOutages(redis: Redis, waitMs: number): () => void {
  let since: number | undefined;
  const onClose = () => void (since ??= Date.now());
  const onReady = () => void (since = undefined);
  redis.on('close', onClose);
  redis.on('ready', onReady);
  const timer = setInterval(
    () => {
      if (since === undefined || redis.status === 'ready' || Date.now() - since < waitMs) return;
      const flushable = redis as unknown as { flushQueue(err: Error, o: { offlineQueue: boolean; commandQueue: boolean }): void };
      flushable.flushQueue(new RedisUnavailableError(`redis unavailable for ${Math.round((Date.now() - since) / 1000)} s; nothing was written, try again`), {
        offlineQueue: true,
        // Only between attempts: while connecting, the queue holds the new connection's handshake.
        commandQueue: redis.status === 'reconnecting',
      });
    },
    Math.max(50, Math.min(250, waitMs / 4)),
  );
  timer.unref();
  return () => {
    clearInterval(timer);
    redis.off('close', onClose);
    redis.off('ready', onReady);
  };
}

/**
 * Connection errors are logged once per outage (ioredis reconnects by itself;
 * without a listener they would be "unhandled"), and the recovery is logged.
 */
export function watch(redis: Redis, log: Logger): Redis {
  let down = false;
  let everReady = false;
  redis.on('error', (err: Error) => {
    if (down) return log.debug({ err: err.message }, 'redis still unreachable');
    down = true;
    log.warn({ err: err.message }, 'redis connection error (reconnecting by itself)');
  });
  redis.on('close', () => {
    if (everReady && !down && !closingOnPurpose(redis)) {
      down = true;
      log.warn('redis connection lost (reconnecting by itself)');
    }
  });
  redis.on('ready', () => {
    if (down && everReady) log.info('redis connection restored');
    down = false;
    everReady = true;
  });
  return redis;
}

const closingOnPurpose = (redis: Redis) => (redis as unknown as { manuallyClosing?: boolean }).manuallyClosing === true || redis.status === 'end';

export interface EmbeddedRedis {
  socket: string;
  /** The current redis-server process (a new one after a supervised restart). */
  readonly child: ChildProcess;
  /** Stops the server (SIGTERM: it writes and fsyncs its AOF first; SIGKILL: a crash). */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts redis-server on a unix socket in `dir` (AOF on). `fsync: 'always'`
 * (the default) makes every acknowledged write durable; 'everysec' is for
 * benchmarks only. `supervise`: a redis-server that exits by itself (crash,
 * OOM kill) is started again on the same directory and socket, and the
 * clients reconnect to it.
 */
export async function startEmbeddedRedis(
  dir: string,
  log: Logger,
  opts: { fsync?: 'always' | 'everysec'; supervise?: boolean } = {},
): Promise<EmbeddedRedis> {
  fs.mkdirSync(dir, { recursive: true });
  const socket = path.join(dir, 'redis.sock');
  let stopping = false;
  let child = await spawnRedis(dir, socket, opts.fsync ?? 'always');
  log.info({ dir }, 'embedded redis started');
  let restarts = 0;
  const superviseChild = (c: ChildProcess) =>
    c.once('exit', (code, signal) => {
      if (stopping || !opts.supervise) return;
      const delay = Math.min(200 * 2 ** restarts++, 5_000);
      log.error({ code, signal, restartInMs: delay }, 'embedded redis exited; restarting it');
      setTimeout(function again() {
        if (stopping) return;
        spawnRedis(dir, socket, opts.fsync ?? 'always').then(
          (next) => {
            if (stopping) {
              next.kill('SIGTERM');
              return;
            }
            child = next;
            restarts = 0;
            superviseChild(next);
            log.info({ dir }, 'embedded redis restarted');
          },
          (err: Error) => {
            log.error({ err: err.message }, 'embedded redis failed to restart; trying again');
            setTimeout(again, Math.min(200 * 2 ** restarts++, 5_000));
          },
        );
      }, delay);
    });
  superviseChild(child);
  return {
    socket,
    get child() {
      return child;
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      stopping = true;
      const c = child;
      if (c.exitCode === null && c.signalCode === null) {
        const exited = new Promise<void>((r) => c.once('exit', () => r()));
        c.kill(signal);
        await exited;
      }
    },
  };
}

async function spawnRedis(dir: string, socket: string, fsync: 'always' | 'everysec'): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      '--port', '0',
      '--unixsocket', socket,
      '--unixsocketperm', '700',
      '--dir', dir,
      '--appendonly', 'yes',
      // Every write is in the AOF on disk before Redis acknowledges it (measured: ~3,000 sequential
      // writes/s, ~45,000/s with concurrent clients on the dev VM; the sfu writes tens per second).
      '--appendfsync', fsync,
      // A torn last AOF record (kill -9 mid-write) is dropped at load: it was never acknowledged.
      '--aof-load-truncated', 'yes',
      '--save', '300 1',
      '--daemonize', 'no',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-8000)));
  child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-8000)));
  await new Promise<void>((resolve, reject) => {
    const t0 = Date.now();
    const poll = setInterval(() => {
      if (/ready to accept connections/i.test(output)) {
        clearInterval(poll);
        resolve();
      } else if (child.exitCode !== null || child.signalCode !== null || Date.now() - t0 > 15_000) {
        clearInterval(poll);
        if (child.exitCode === null) child.kill('SIGKILL');
        reject(new Error(`embedded redis-server failed to start:\n${output.slice(-2000)}`));
      }
    }, 25);
  });
  // Keep draining the pipes (a full pipe would block redis-server), but stop collecting.
  child.stdout!.removeAllListeners('data').resume();
  child.stderr!.removeAllListeners('data').resume();
  return child;
}
