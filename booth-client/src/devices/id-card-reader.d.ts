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
import { type Identity as IdentityT } from '@xiaowu/shared';
export declare class IdCardError extends Error {
    readonly reason: 'no-card' | 'reader-offline' | 'bad-card';
    constructor(reason: 'no-card' | 'reader-offline' | 'bad-card', message: string);
}
export interface IdCardReader {
    /** Waits up to `timeoutMs` for a card on the reader and returns what it holds. */
    read(timeoutMs?: number): Promise<IdentityT>;
}
export declare class FixedIdCardReader implements IdCardReader {
    private readonly identity;
    constructor(identity: IdentityT);
    read(): Promise<IdentityT>;
}
/** Maps a vendor service's JSON answer onto our Identity fields. */
export type VendorFieldMap = Record<keyof IdentityT, string>;
export declare class LocalServiceIdCardReader implements IdCardReader {
    private readonly url;
    private readonly fields;
    constructor(url: string, fields: VendorFieldMap);
    read(timeoutMs?: number): Promise<IdentityT>;
}
/** The demo identity (a made-up person; the ID number has a valid check digit). */
export declare const DEMO_IDENTITY: IdentityT;
