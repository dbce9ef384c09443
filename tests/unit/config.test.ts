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
