/**
 * The client's media recovery ladder (shared/src/client/call-media.ts): an
 * ICE restart first; still not connected after rejoinDelay → the media is
 * opened anew (rejoin), each further rejoin waiting twice as long (capped,
 * jittered); a connection in between stops the ladder; nothing happens while
 * the socket is down (the resume after it restarts ICE).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ICE_DISCONNECTED_MS, IceRecovery, REJOIN_AFTER_MS, REJOIN_MAX_MS, rejoinDelay, type MediaConnectionState } from '@xiaowu/shared/client';

function fakeMedia() {
  const m = { connectionState: 'disconnected' as MediaConnectionState | 'new', restarts: 0, restartIce: async () => void m.restarts++ };
  return m;
}

describe('IceRecovery', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('restarts ICE on failure, then rejoins when the restart did not help', () => {
    const media = fakeMedia();
    const rejoins: number[] = [];
    const ice = new IceRecovery(media as never, () => true, (n) => rejoins.push(n));
    ice.onState('failed');
    expect(media.restarts).toBe(1);
    vi.advanceTimersByTime(REJOIN_AFTER_MS - 1);
    expect(rejoins).toEqual([]);
    vi.advanceTimersByTime(1001);
    expect(rejoins).toEqual([1]);
    // A rejoin disposes this recovery: no more restarts from it.
    ice.onState('failed');
    expect(media.restarts).toBe(1);
  });

  it('a disconnection lasting ICE_DISCONNECTED_MS counts as a failure; connecting in time stops the ladder', () => {
    const media = fakeMedia();
    const rejoins: number[] = [];
    const ice = new IceRecovery(media as never, () => true, (n) => rejoins.push(n));
    ice.onState('disconnected');
    vi.advanceTimersByTime(ICE_DISCONNECTED_MS - 1);
    expect(media.restarts).toBe(0);
    vi.advanceTimersByTime(1);
    expect(media.restarts).toBe(1);
    media.connectionState = 'connected';
    ice.onState('connected');
    vi.advanceTimersByTime(REJOIN_MAX_MS + 1000);
    expect(rejoins).toEqual([]);
    // A new episode restarts again.
    ice.onState('failed');
    expect(media.restarts).toBe(2);
  });

  it('waits for the socket before rejoining; later attempts wait longer', () => {
    const media = fakeMedia();
    let socketUp = false;
    const rejoins: number[] = [];
    const ice = new IceRecovery(media as never, () => socketUp, (n) => rejoins.push(n), 2);
    ice.onState('failed');
    expect(media.restarts).toBe(0); // socket down: the resume will restart ICE
    socketUp = true;
    ice.afterResume();
    expect(media.restarts).toBe(1);
    vi.advanceTimersByTime(Math.min(REJOIN_MAX_MS, REJOIN_AFTER_MS * 4) - 1);
    expect(rejoins).toEqual([]);
    socketUp = false;
    vi.advanceTimersByTime(1001);
    expect(rejoins).toEqual([]); // socket down again: wait for it
    socketUp = true;
    vi.advanceTimersByTime(1000);
    expect(rejoins).toEqual([3]);
    ice.dispose();
  });

  it('rejoin delays double from REJOIN_AFTER_MS up to REJOIN_MAX_MS, plus up to 1 s of jitter', () => {
    expect([0, 1, 2, 3, 10].map((n) => rejoinDelay(n, () => 0))).toEqual([REJOIN_AFTER_MS, REJOIN_AFTER_MS * 2, REJOIN_AFTER_MS * 4, REJOIN_MAX_MS, REJOIN_MAX_MS]);
    expect(rejoinDelay(0, () => 0.999)).toBe(REJOIN_AFTER_MS + 999);
  });
});
