/**
 * What the document tests share: the document camera's picture (a y4m of a
 * printed page for Chromium's file capture), a booth browser that films it,
 * the kiosk's print service on loopback, a booth page with its device
 * settings, a handwritten signature on the pad, and the images in a PDF.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { KIOSK } from './browser';
import type { TestServer } from './server';

const FONT = '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc';

/** A printed page as the document camera sees it: black Chinese text on white, 1280×720, 5 fps. */
export function makeDocumentVideo(dir: string): string {
  const file = path.join(dir, 'document.y4m');
  const text = (t: string, size: number, y: number) => `drawtext=fontfile=${FONT}:text='${t}':fontsize=${size}:x=120:y=${y}:fontcolor=black`;
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'color=c=white:s=1280x720:r=5:d=2',
    // Light sensor noise, different in every frame: two stills of the page are never byte-identical (as with a real camera).
    '-vf', [text('居民身份证复印件', 96, 160), text('姓名 张建国', 72, 360), text('公民身份号码 11010519491231002X', 56, 520), 'noise=alls=10:allf=t'].join(','),
    '-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', file,
  ]);
  return file;
}

/** The booth's browser: its cameras show `video` (file capture replaces the fake pattern). */
export function launchBoothBrowser(video: string): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--no-first-run', '--disable-quic', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
      '--autoplay-policy=no-user-gesture-required', `--use-file-for-fake-video-capture=${video}`,
    ],
  });
}

export interface PrintJob {
  title: string;
  pdf: Uint8Array;
}

export interface PrintService {
  url: string;
  jobs: PrintJob[];
  close(): Promise<void>;
}

/** The kiosk's print service, on loopback: keeps every job it is sent. */
export async function startPrintService(): Promise<PrintService> {
  const jobs: PrintJob[] = [];
  const server = http.createServer((req, res) => {
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('access-control-allow-headers', 'content-type, x-print-title');
    res.setHeader('access-control-allow-methods', 'GET, POST');
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    if (req.method === 'GET' && req.url?.endsWith('/status')) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"state":"ready"}');
    if (req.method !== 'POST') return void res.writeHead(405).end();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      jobs.push({ title: decodeURIComponent(String(req.headers['x-print-title'] ?? '')), pdf: new Uint8Array(Buffer.concat(chunks)) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/print`, jobs, close: () => new Promise((r) => server.close(() => r())) };
}

/** A booth page with its kiosk device settings in place before the app starts. */
export async function openConfiguredBooth(browser: Browser, srv: TestServer, boothId: string, devices: unknown): Promise<Page> {
  const { secret } = await srv.booth(boothId, `${boothId} 晓屋`);
  const ctx = await browser.newContext({ viewport: KIOSK });
  await ctx.addInitScript((cfg) => localStorage.setItem('xiaowu.booth.devices', cfg), JSON.stringify(devices));
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error(`[page error] booth: ${e.message}`));
  await page.goto(`${srv.url}/booth/#enroll=${boothId}.${secret}`);
  return page;
}

/** Two strokes on the signature pad, as a finger would write them. */
export async function drawSignature(page: Page): Promise<void> {
  const box = (await page.getByTestId('signature-pad').boundingBox())!;
  const at = (fx: number, fy: number) => [box.x + box.width * fx, box.y + box.height * fy] as const;
  await page.mouse.move(...at(0.2, 0.6));
  await page.mouse.down();
  for (let i = 1; i <= 20; i++) await page.mouse.move(...at(0.2 + i * 0.03, 0.6 - Math.sin(i / 3) * 0.25), { steps: 2 });
  await page.mouse.up();
  await page.mouse.move(...at(0.5, 0.3));
  await page.mouse.down();
  await page.mouse.move(...at(0.55, 0.8), { steps: 8 });
  await page.mouse.up();
}

/** The images in a PDF, one line each of `pdfimages -list` (e.g. a handwritten signature). */
export function pdfImages(pdf: Uint8Array): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xw-pdfimg-'));
  try {
    fs.writeFileSync(path.join(dir, 'a.pdf'), pdf);
    return execFileSync('pdfimages', ['-list', path.join(dir, 'a.pdf')], { encoding: 'utf8' }).trim().split('\n').slice(2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
