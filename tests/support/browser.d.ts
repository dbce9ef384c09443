/** Debian's Chromium through playwright-core, with a fake camera and microphone. */
import { type Browser, type Page } from 'playwright-core';
export declare function launchChromium(): Promise<Browser>;
/** The booth's touch screen. */
export declare const KIOSK: {
    width: number;
    height: number;
};
export declare function newPage(browser: Browser, url: string, viewport?: {
    width: number;
    height: number;
}): Promise<Page>;
export interface InboundFigures {
    videoFramesDecoded: number;
    videoFrameWidth: number;
    audioBytesReceived: number;
    videoStreams: number;
}
/** Sums inbound-rtp figures over all of the page's peer connections. */
export declare function inboundFigures(page: Page): Promise<InboundFigures>;
