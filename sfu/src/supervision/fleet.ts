/**
 * The booth fleet as supervisors see it: each booth's last heartbeat (server
 * clock), what it shows and its device checks, kept in Redis so every node
 * answers alike. A booth is online while its last heartbeat is younger than
 * BOOTH_OFFLINE_AFTER_MS; a socket connect counts as a heartbeat.
 */
import type { Redis } from 'ioredis';
import { BOOTH_OFFLINE_AFTER_MS, type BoothHealth, type BoothHeartbeat, type LiveBooth } from '@xiaowu/shared';
import type { BoothDevice } from '../auth/accounts';

interface Beat {
  at: number;
  screen?: string;
  appVersion?: string;
  health?: BoothHealth;
}

export class Fleet {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = '{xw}:',
  ) {}

  private key(boothId: string) {
    return `${this.prefix}hb:${boothId}`;
  }

  /**
   * Stores a heartbeat. Answers whether supervisors should hear of it now:
   * the booth was offline (or never seen), or its screen or a device status changed.
   */
  async beat(boothId: string, hb: BoothHeartbeat, now = Date.now()): Promise<boolean> {
    const prev = await this.last(boothId);
    const next: Beat = { at: now, screen: hb.screen ?? prev?.screen, appVersion: hb.appVersion ?? prev?.appVersion, health: hb.health ?? prev?.health };
    // Kept a week after the last beat (a booth gone longer is "never seen" again).
    await this.redis.set(this.key(boothId), JSON.stringify(next), 'EX', 7 * 86_400);
    if (!prev || now - prev.at > BOOTH_OFFLINE_AFTER_MS) return true;
    return prev.screen !== next.screen || statusLine(prev.health) !== statusLine(next.health);
  }

  async last(boothId: string): Promise<Beat | undefined> {
    const raw = await this.redis.get(this.key(boothId));
    return raw ? (JSON.parse(raw) as Beat) : undefined;
  }

  /** The fleet: every registered booth with its online state and devices. */
  async live(booths: BoothDevice[], inCall: ReadonlySet<string>, now = Date.now()): Promise<LiveBooth[]> {
    if (booths.length === 0) return [];
    const raws = await this.redis.mget(...booths.map((b) => this.key(b.boothId)));
    return booths.map((b, i) => {
      const beat = raws[i] ? (JSON.parse(raws[i]!) as Beat) : undefined;
      return {
        boothId: b.boothId,
        name: b.name,
        community: b.community,
        address: b.address,
        online: !!beat && now - beat.at <= BOOTH_OFFLINE_AFTER_MS,
        lastSeen: beat?.at ?? null,
        ...(beat?.health ? { health: beat.health } : {}),
        ...(beat?.screen ? { screen: beat.screen } : {}),
        inCall: inCall.has(b.boothId),
      };
    });
  }
}

/** What a supervisor would notice: the status of each device (not the microphone level or check time). */
function statusLine(h: BoothHealth | undefined): string {
  if (!h) return '';
  return [h.camera.status, h.microphone.status, h.docCamera.status, h.printer.status, h.idReader?.status ?? '-'].join(',');
}
