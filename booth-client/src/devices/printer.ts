/**
 * The booth's receipt printer behind a small interface (like the ID-card
 * reader): the flow hands it a PDF and waits until the job is taken.
 *
 * - `LocalServicePrinter`: kiosk printers (热敏/激光 A4) are driven by a vendor
 *   or kiosk-agent service on the kiosk itself; we POST the PDF to its
 *   loopback URL and read its status from `<url>/status` (JSON {state}).
 *   Not run against real hardware here; the e2e test drives it against a
 *   small loopback print service that keeps the jobs.
 * - `BrowserPrinter`: no print service — the PDF goes to the browser's own
 *   print path (a hidden frame, window.print()); kiosk mode with
 *   --kiosk-printing prints to the default printer without a dialog.
 */
export type PrinterState = 'ready' | 'offline' | 'no-paper' | 'unknown';

export class PrinterError extends Error {
  constructor(
    readonly reason: 'offline' | 'no-paper' | 'failed',
    message: string,
  ) {
    super(message);
    this.name = 'PrinterError';
  }
}

export interface ReceiptPrinter {
  /** Resolves when the printer has taken the job. */
  print(pdf: Blob, title: string): Promise<void>;
  /** Asks the printer how it is, waiting at most `timeoutMs` (default 3 s). */
  status(timeoutMs?: number): Promise<PrinterState>;
}

const LOOPBACK = /^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//;

export class LocalServicePrinter implements ReceiptPrinter {
  constructor(private readonly url: string) {
    if (!LOOPBACK.test(url)) throw new Error('the print service must be on this kiosk (loopback URL)');
  }

  async print(pdf: Blob, title: string): Promise<void> {
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/pdf', 'x-print-title': encodeURIComponent(title) },
        body: pdf,
        signal: AbortSignal.timeout(30_000),
      });
    } catch {
      throw new PrinterError('offline', 'print service not reachable');
    }
    if (res.status === 507 || res.status === 409) throw new PrinterError('no-paper', `printer answered ${res.status}`);
    if (!res.ok) throw new PrinterError('failed', `printer answered ${res.status}`);
  }

  async status(timeoutMs = 3_000): Promise<PrinterState> {
    try {
      const res = await fetch(new URL('status', this.url.endsWith('/') ? this.url : `${this.url}/`), { signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) return 'unknown';
      const { state } = (await res.json()) as { state?: string };
      return state === 'ready' || state === 'offline' || state === 'no-paper' ? state : 'unknown';
    } catch {
      return 'offline';
    }
  }
}

export class BrowserPrinter implements ReceiptPrinter {
  async print(pdf: Blob): Promise<void> {
    const url = URL.createObjectURL(pdf);
    const frame = document.createElement('iframe');
    frame.style.cssText = 'position:fixed;width:0;height:0;border:0;visibility:hidden';
    frame.src = url;
    document.body.appendChild(frame);
    try {
      await new Promise<void>((resolve, reject) => {
        frame.onload = () => resolve();
        frame.onerror = () => reject(new PrinterError('failed', 'the receipt could not be loaded for printing'));
        setTimeout(resolve, 5_000);
      });
      frame.contentWindow?.print();
    } finally {
      setTimeout(() => {
        frame.remove();
        URL.revokeObjectURL(url);
      }, 60_000);
    }
  }

  async status(): Promise<PrinterState> {
    return 'unknown';
  }
}
