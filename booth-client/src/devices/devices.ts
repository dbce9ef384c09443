/**
 * Which hardware this kiosk has, and the adapters for it. Set per kiosk by
 * the installer in localStorage (`xiaowu.booth.devices`, JSON, checked here);
 * nothing set = the demo set-up: the demo ID card, the browser's print path,
 * and a document camera found by its label.
 *
 * { "docCamera": { "kind": "label", "label": "HD Document" },
 *   "printer":   { "kind": "service", "url": "http://127.0.0.1:9100/print" },
 *   "idCard":    { "kind": "service", "url": "http://127.0.0.1:19196/readcard", "fields": { "name": "partyName", … } } }
 */
import { z } from 'zod';
import { type DocCameraChoice } from './doc-camera';
import { BrowserPrinter, LocalServicePrinter, type ReceiptPrinter } from './printer';
import { DEMO_IDENTITY, FixedIdCardReader, LocalServiceIdCardReader, type IdCardReader, type VendorFieldMap } from './id-card-reader';

export const DEVICES_KEY = 'xiaowu.booth.devices';

const loopback = z.string().regex(/^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//, 'a loopback URL on this kiosk');

const DeviceConfig = z
  .object({
    docCamera: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('auto') }),
        z.object({ kind: z.literal('label'), label: z.string().min(1).max(100) }),
        z.object({ kind: z.literal('same') }),
        z.object({ kind: z.literal('none') }),
      ])
      .default({ kind: 'auto' }),
    printer: z.discriminatedUnion('kind', [z.object({ kind: z.literal('service'), url: loopback }), z.object({ kind: z.literal('browser') })]).default({ kind: 'browser' }),
    idCard: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('demo') }),
        z.object({ kind: z.literal('service'), url: loopback, fields: z.record(z.string(), z.string()) }),
      ])
      .default({ kind: 'demo' }),
  })
  .strict();
export type DeviceConfig = z.infer<typeof DeviceConfig>;

export interface BoothDevices {
  docCamera: DocCameraChoice;
  printer: ReceiptPrinter;
  idCard: IdCardReader;
}

export function devicesFrom(config: DeviceConfig): BoothDevices {
  return {
    docCamera: config.docCamera,
    printer: config.printer.kind === 'service' ? new LocalServicePrinter(config.printer.url) : new BrowserPrinter(),
    idCard: config.idCard.kind === 'service' ? new LocalServiceIdCardReader(config.idCard.url, config.idCard.fields as VendorFieldMap) : new FixedIdCardReader(DEMO_IDENTITY),
  };
}

/** The kiosk's configured devices; a broken setting is logged and the defaults are used. */
export function loadBoothDevices(): BoothDevices {
  let raw: unknown = {};
  try {
    raw = JSON.parse(localStorage.getItem(DEVICES_KEY) ?? '{}');
  } catch (err) {
    console.error(`${DEVICES_KEY} is not JSON; using the default devices`, err);
  }
  const parsed = DeviceConfig.safeParse(raw);
  if (!parsed.success) console.error(`${DEVICES_KEY} is not valid; using the default devices`, parsed.error.issues);
  return devicesFrom(parsed.success ? parsed.data : DeviceConfig.parse({}));
}
