import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@xiaowu/sfu';

describe('config', () => {
  it('has working defaults: port 3000, loopback, embedded redis', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.HOST).toBe('127.0.0.1');
    expect(c.REDIS_URL).toBeUndefined();
    expect(c.MEDIASOUP_WORKERS).toBeGreaterThanOrEqual(1);
  });

  it('coerces numbers from the environment', () => {
    expect(loadConfig({ PORT: '8080', RTC_PORT: '0', MEDIASOUP_WORKERS: '3' })).toMatchObject({ PORT: 8080, RTC_PORT: 0, MEDIASOUP_WORKERS: 3 });
  });

  it('refuses bad values and names every bad variable', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', REDIS_URL: 'not a url', LOG_LEVEL: 'chatty' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain('PORT');
    expect(msg).toContain('REDIS_URL');
    expect(msg).toContain('LOG_LEVEL');
  });
});

describe('config: Redis Sentinel settings', () => {
  it('parses REDIS_SENTINELS into host/port pairs (IPv6 in brackets) and passes them on with the name and passwords', async () => {
    const { clientOptions, redisSettings } = await import('../../sfu/src/store/redis');
    const c = loadConfig({
      REDIS_SENTINELS: '10.0.0.1:26379, [::1]:26380,sentinel-3.local:26381',
      REDIS_SENTINEL_NAME: 'xw-master',
      REDIS_PASSWORD: 'data-secret',
      REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
    });
    expect(c.REDIS_SENTINELS).toEqual([
      { host: '10.0.0.1', port: 26379 },
      { host: '::1', port: 26380 },
      { host: 'sentinel-3.local', port: 26381 },
    ]);
    const o = clientOptions(redisSettings(c));
    expect(o).toMatchObject({ sentinels: c.REDIS_SENTINELS, name: 'xw-master', password: 'data-secret', sentinelPassword: 'sentinel-secret', enableOfflineQueue: true, failoverDetector: true });
    // Reconnection never gives up, with a capped backoff.
    expect([1, 2, 3, 4, 50].map((n) => o.retryStrategy!(n))).toEqual([100, 200, 400, 500, 500]);
    expect(o.sentinelRetryStrategy!(1000)).toBeTypeOf('number');
    // Without Sentinel: no sentinel options.
    expect(clientOptions(redisSettings(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' })))).not.toHaveProperty('sentinels');
  });

  it('refuses a bad sentinel list, a name without sentinels (and the reverse), and Sentinel together with REDIS_URL', () => {
    const fails = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
      }
      throw new Error(`accepted ${JSON.stringify(env)}`);
    };
    expect(fails({ REDIS_SENTINELS: '10.0.0.1', REDIS_SENTINEL_NAME: 'xw' })).toContain('REDIS_SENTINELS');
    expect(fails({ REDIS_SENTINELS: '10.0.0.1:99999', REDIS_SENTINEL_NAME: 'xw' })).toContain('REDIS_SENTINELS');
    expect(fails({ REDIS_SENTINELS: '10.0.0.1:26379' })).toContain('REDIS_SENTINEL_NAME');
    expect(fails({ REDIS_SENTINEL_NAME: 'xw' })).toContain('REDIS_SENTINELS');
    expect(fails({ REDIS_SENTINELS: '10.0.0.1:26379', REDIS_SENTINEL_NAME: 'xw', REDIS_URL: 'redis://127.0.0.1:6379' })).toContain('REDIS_URL');
    expect(fails({ REDIS_SENTINELS: '10.0.0.1:26379', REDIS_SENTINEL_NAME: 'bad name' })).toContain('REDIS_SENTINEL_NAME');
  });

  it('never puts a password into the address it logs', async () => {
    const { openRedis } = await import('../../sfu/src/store/redis');
    // Nothing listens there: the error names the address, without the password.
    const err = await openRedis({ url: 'redis://:hunter2-secret@127.0.0.1:1', dataDir: '/nonexistent', log: (await import('pino')).default({ level: 'silent' }), firstConnectWaitMs: 300 }).catch((e: Error) => e);
    expect((err as Error).message).toContain('redis://***@127.0.0.1:1');
    expect((err as Error).message).not.toContain('hunter2');
  });
});
