/**
 * Service-path figures: upload throughput of document scans through the real
 * HTTP path (chunks, SHA-256, full decode), and the time and peak memory of a
 * receipt PDF and of a 50-page case dossier.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import pino from 'pino';
import { Redis } from 'ioredis';
import { SEED_CATALOG, findMatter } from '@xiaowu/shared/catalog';
import { loadConfig, startServer } from '../sfu/src/index';
import { startEmbeddedRedis } from '../sfu/src/store/redis';
import { CaseStore } from '../sfu/src/cases/case-store';
import { renderDossier, renderReceipt } from '../sfu/src/pdf/case-pdfs';
import { DEMO_IDENTITY } from '../booth-client/src/devices/id-card-reader';

export interface ServiceResult {
  uploadMBps: number;
  uploadFileMB: number;
  receiptColdMs: number;
  /** median of 5 after the first */
  receiptMs: number;
  dossierPages: number;
  dossierMs: number;
  dossierPeakRssMB: number;
}

const noisyScan = (w: number, h: number, q: number) =>
  sharp(Buffer.from(Array.from({ length: w * h * 3 }, (_, i) => (i * 2654435761) >>> 24)), { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: q }).toBuffer();

export async function benchService(quick: boolean): Promise<ServiceResult> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xw-bench-svc-'));
  const server = await startServer(loadConfig({ PORT: '0', DATA_DIR: dataDir, MEDIASOUP_WORKERS: '1', RTC_PORT: '0', LOG_LEVEL: 'silent', DEMO_ACCOUNTS: 'false', RECORDING: 'off' }));
  let uploadMBps = 0;
  let uploadFileMB = 0;
  try {
    await server.accounts.provisionBooth({ boothId: 'bench', name: 'bench', community: '', address: '' });
    const token = (await server.tokens.issue({ role: 'booth', userId: 'bench', name: 'bench' })).token;
    const scans = await Promise.all(Array.from({ length: quick ? 2 : 5 }, (_, i) => noisyScan(2480 + i, 3508, 92)));
    const t0 = performance.now();
    let bytes = 0;
    for (const scan of scans) {
      const sha256 = createHash('sha256').update(scan).digest('hex');
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const created = (await (await fetch(`${server.url}/api/uploads`, { method: 'POST', headers, body: JSON.stringify({ fileName: 'scan.jpg', size: scan.length, sha256 }) })).json()) as { data: { uploadId: string; chunkBytes: number } };
      for (let off = 0; off < scan.length; off += created.data.chunkBytes) {
        const res = await fetch(`${server.url}/api/uploads/${created.data.uploadId}?offset=${off}`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
          body: scan.subarray(off, off + created.data.chunkBytes),
        });
        if (!res.ok) throw new Error(`upload failed: ${await res.text()}`);
      }
      bytes += scan.length;
    }
    uploadMBps = bytes / 1048576 / ((performance.now() - t0) / 1000);
    uploadFileMB = bytes / scans.length / 1048576;
  } finally {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  // PDFs on a real Redis-backed case.
  const rdir = fs.mkdtempSync(path.join(os.tmpdir(), 'xw-bench-pdf-'));
  const rs = await startEmbeddedRedis(rdir, pino({ level: 'silent' }));
  const redis = new Redis({ path: rs.socket });
  try {
    const store = new CaseStore(redis);
    const matter = findMatter(SEED_CATALOG, 'shebao-card-reissue')!;
    const booth = { role: 'booth' as const, userId: 'b', name: 'b' };
    const agent = { role: 'agent' as const, userId: 'a', name: 'a' };
    let c = await store.create({ matter, catalogVersion: 1, boothId: 'b', agentId: 'a', applicant: DEMO_IDENTITY }, booth);
    const pages = quick ? 10 : 50;
    const files: Array<{ sha256: string; mime: string; bytes: Uint8Array }> = [];
    for (let i = 0; i < pages; i++) {
      const img = await noisyScan(1240, 1754, 80); // A4 at 150 dpi
      const marker = Buffer.concat([img, Buffer.from([i])]); // distinct hashes, still a valid JPEG
      const sha256 = createHash('sha256').update(marker).digest('hex');
      files.push({ sha256, mime: 'image/jpeg', bytes: marker });
      c = await store.attachFile(c.caseNo, matter.materials[i % matter.materials.length]!.id, sha256, booth);
    }
    await store.setDelivery(c.caseNo, { mode: 'pickup' }, booth);
    await store.submit(c.caseNo, booth);
    await store.startReview(c.caseNo, agent);
    for (const m of matter.materials) await store.review(c.caseNo, m.id, 'accepted', undefined, agent);
    c = await store.accept(c.caseNo, agent);
    // The first document of a process parses the CJK font collection; later ones reuse it.
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r0 = performance.now();
      await renderReceipt(c, { matter, agentName: '坐席', progressUrl: 'https://example/x' });
      times.push(performance.now() - r0);
    }
    const receiptColdMs = times[0]!;
    const receiptMs = times.slice(1).sort((a, b) => a - b)[2]!;
    const audit = await store.audit(c.caseNo, agent);
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const d0 = performance.now();
    await renderDossier(c, { matter, files, audit });
    const dossierMs = performance.now() - d0;
    clearInterval(sampler);
    return { uploadMBps, uploadFileMB, receiptColdMs, receiptMs, dossierPages: pages, dossierMs, dossierPeakRssMB: peak / 1048576 };
  } finally {
    redis.disconnect();
    await rs.stop();
    fs.rmSync(rdir, { recursive: true, force: true });
  }
}
