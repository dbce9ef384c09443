/**
 * The booth's ID-card reader (身份证阅读器) behind a small interface, so the
 * case flow does not care which hardware is fitted.
 *
 * Real adapter: the common readers (e.g. 华视电子 CVR-100, 神思 SS628, 精伦 iDR210)
 * come with a vendor service running on the kiosk that exposes the card over
 * local HTTP/WebSocket; `LocalServiceIdCardReader` calls such a service at a
 * configured loopback URL and maps its answer through `mapVendorFields`. The
 * vendor field names differ per SDK: each deployment configures the mapping
 * (see README "Booth hardware"). It has not been run against real hardware here.
 *
 * Test adapter: `FixedIdCardReader` returns one fixed identity (demos, tests).
 */
import { Identity, type Identity as IdentityT } from '@xiaowu/shared';

export class IdCardError extends Error {
  constructor(
    readonly reason: 'no-card' | 'reader-offline' | 'bad-card',
    message: string,
  ) {
    super(message);
    this.name = 'IdCardError';
  }
}

/** ready: the reader (its service) answers; offline: it does not. Says nothing about a card being on it. */
export type IdCardReaderState = 'ready' | 'offline';

export interface IdCardReader {
  /** Waits up to `timeoutMs` for a card on the reader and returns what it holds. */
  read(timeoutMs?: number): Promise<IdentityT>;
  /** Whether the reader is there, without reading a card (device health, devices/health.ts). */
  status?(timeoutMs?: number): Promise<IdCardReaderState>;
}

export class FixedIdCardReader implements IdCardReader {
  constructor(private readonly identity: IdentityT) {}
  async read(): Promise<IdentityT> {
    return this.identity;
  }
  async status(): Promise<IdCardReaderState> {
    return 'ready';
  }
}

/** Maps a vendor service's JSON answer onto our Identity fields. */
export type VendorFieldMap = Record<keyof IdentityT, string>;

export class LocalServiceIdCardReader implements IdCardReader {
  constructor(
    private readonly url: string,
    private readonly fields: VendorFieldMap,
  ) {
    if (!/^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(url)) throw new Error('the ID-card service must be on this kiosk (loopback URL)');
  }

  async read(timeoutMs = 15_000): Promise<IdentityT> {
    let res: Response;
    try {
      res = await fetch(this.url, { signal: AbortSignal.timeout(timeoutMs) });
    } catch {
      throw new IdCardError('reader-offline', 'ID-card reader service not reachable');
    }
    if (!res.ok) throw new IdCardError('no-card', `reader answered ${res.status}`);
    const raw = (await res.json()) as Record<string, unknown>;
    const mapped = Object.fromEntries(Object.entries(this.fields).map(([ours, theirs]) => [ours, String(raw[theirs] ?? '').trim()]));
    const parsed = Identity.safeParse(mapped);
    if (!parsed.success) throw new IdCardError('bad-card', 'the card could not be read completely; place it again');
    return parsed.data;
  }

  /**
   * Is the vendor service up? A HEAD request to its URL: any HTTP answer
   * counts (the body, if any, is never read, so no card data is taken).
   */
  async status(timeoutMs = 3_000): Promise<IdCardReaderState> {
    try {
      const res = await fetch(this.url, { method: 'HEAD', signal: AbortSignal.timeout(timeoutMs) });
      void res.body?.cancel().catch(() => undefined);
      return 'ready';
    } catch {
      return 'offline';
    }
  }
}

/** The demo identity (a made-up person; the ID number has a valid check digit). */
export const DEMO_IDENTITY: IdentityT = {
  name: '张建国',
  idNumber: '11010519491231002X',
  sex: '男',
  ethnicity: '汉',
  birthDate: '1949-12-31',
  address: '北京市朝阳区和平里街道示例社区 1 号',
  issuer: '北京市公安局朝阳分局',
  validFrom: '2015-01-01',
  validTo: '长期',
};
