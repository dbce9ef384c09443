/** Debian's Chromium through playwright-core, with a fake camera and microphone. */
import { chromium, type Browser, type Page } from 'playwright-core';

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

/**
 * Keeps every RTCPeerConnection a page creates, so the test can read the
 * real `inbound-rtp` stats without any hook in the product's code.
 */
const capturePeerConnections = () => {
  const Native = window.RTCPeerConnection;
  const pcs: RTCPeerConnection[] = [];
  (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs = pcs;
  window.RTCPeerConnection = class extends Native {
    constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
      super(...args);
      pcs.push(this);
    }
  } as typeof RTCPeerConnection;
};

/** The booth's touch screen. */
export const KIOSK = { width: 1920, height: 1080 };

export async function newPage(browser: Browser, url: string, viewport = { width: 1280, height: 800 }): Promise<Page> {
  const ctx = await browser.newContext({ viewport });
  const page = await ctx.newPage();
  await page.addInitScript(capturePeerConnections);
  page.on('pageerror', (e) => console.error(`[page error] ${url}: ${e.message}`));
  await page.goto(url);
  return page;
}

export interface InboundFigures {
  videoFramesDecoded: number;
  videoFrameWidth: number;
  audioBytesReceived: number;
  videoStreams: number;
}

/** Sums inbound-rtp figures over all of the page's peer connections. */
export async function inboundFigures(page: Page): Promise<InboundFigures> {
  return page.evaluate(async () => {
    const out = { videoFramesDecoded: 0, videoFrameWidth: 0, audioBytesReceived: 0, videoStreams: 0 };
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      const report = await pc.getStats();
      report.forEach((s: Record<string, unknown>) => {
        if (s.type !== 'inbound-rtp') return;
        if (s.kind === 'video') {
          out.videoStreams++;
          out.videoFramesDecoded += Number(s.framesDecoded ?? 0);
          out.videoFrameWidth = Math.max(out.videoFrameWidth, Number(s.frameWidth ?? 0));
        } else if (s.kind === 'audio') out.audioBytesReceived += Number(s.bytesReceived ?? 0);
      });
    }
    return out;
  });
}

/** Peer connections the page made so far (open or closed). */
export const pcCount = (page: Page): Promise<number> => page.evaluate(() => (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.length);

/** Resolves when the page decodes video on a peer connection made after `pcsBefore`, frames growing (media opened anew). */
export async function videoBack(page: Page, pcsBefore: number, limitMs: number): Promise<void> {
  const t0 = Date.now();
  let last = -1;
  while (Date.now() - t0 < limitMs) {
    const [pcs, f] = await Promise.all([pcCount(page), inboundFigures(page)]);
    if (pcs > pcsBefore && f.videoFramesDecoded > 0 && last >= 0 && f.videoFramesDecoded > last) return;
    if (pcs > pcsBefore && f.videoFramesDecoded > 0) last = f.videoFramesDecoded;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`video not back within ${limitMs} ms`);
}
