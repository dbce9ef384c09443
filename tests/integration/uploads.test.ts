/**
 * Uploads of scanned materials against the real server: resumable, checked by
 * content and checksum, and every abusive file refused with nothing stored.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@xiaowu/shared';
import { startTestServer, type TestServer } from '../support/server';
import { api } from '../support/api';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('uploads', () => {
  let srv: TestServer;
  let booth: string;
  let otherBooth: string;
  let agent: string;
  beforeAll(async () => {
    srv = await startTestServer({ UPLOAD_MAX_MB: '20' });
    booth = (await srv.booth('booth-up')).token;
    otherBooth = (await srv.booth('booth-other')).token;
    agent = await srv.staff({ username: 'agent-up' });
  });
  afterAll(async () => srv?.close());

  const call = (method: string, p: string, token: string, body?: unknown, raw?: Buffer) => api(srv, method, p, { token, body, raw });

  /** Uploads a buffer in chunks; returns the final answer. */
  async function upload(buf: Buffer, fileName = 'scan.jpg', chunk = 256 * 1024) {
    const created = await call('POST', '/uploads', booth, { fileName, size: buf.length, sha256: sha(buf) });
    if (!created.body.ok) return created;
    const id = created.body.data.uploadId as string;
    let last = created;
    for (let off = 0; off < buf.length; off += chunk) {
      last = await call('PUT', `/uploads/${id}?offset=${off}`, booth, undefined, buf.subarray(off, off + chunk));
      if (!last.body.ok) return last;
    }
    return last;
  }

  const storedFiles = () => {
    const root = path.join(srv.dataDir, 'files');
    return fs.existsSync(root) ? fs.readdirSync(root, { recursive: true }).filter((f) => /[a-f0-9]{64}$/.test(String(f))).length : 0;
  };

  it('takes a scan in chunks, resumes after a drop, verifies it end to end and serves it to staff', async () => {
    const jpeg = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#f4f1e8' } })
      .composite([{ input: Buffer.from('<svg width="1600" height="1200"><text x="100" y="300" font-size="120">居民身份证</text></svg>'), top: 0, left: 0 }])
      .jpeg({ quality: 90 })
      .toBuffer();
    const created = await call('POST', '/uploads', booth, { fileName: '身份证正面.jpg', size: jpeg.length, sha256: sha(jpeg) });
    const id = created.body.data.uploadId as string;
    const half = Math.floor(jpeg.length / 2);
    expect((await call('PUT', `/uploads/${id}?offset=0`, booth, undefined, jpeg.subarray(0, half))).body.data.received).toBe(half);
    // The network drops; the booth asks where it stands and resumes there.
    expect((await call('GET', `/uploads/${id}`, booth)).body.data).toEqual({ received: half, size: jpeg.length });
    expect((await call('PUT', `/uploads/${id}?offset=0`, booth, undefined, jpeg.subarray(0, 10))).status).toBe(409);
    // Another booth cannot see or touch it.
    expect((await call('GET', `/uploads/${id}`, otherBooth)).status).toBe(404);
    expect((await call('PUT', `/uploads/${id}?offset=${half}`, otherBooth, undefined, jpeg.subarray(half))).status).toBe(404);
    const done = await call('PUT', `/uploads/${id}?offset=${half}`, booth, undefined, jpeg.subarray(half));
    expect(done.body.data.file).toMatchObject({ sha256: sha(jpeg), mime: 'image/jpeg', width: 1600, height: 1200 });

    const got = await fetch(`${srv.url}/api/files/${sha(jpeg)}`, { headers: { authorization: `Bearer ${agent}` } });
    expect(got.headers.get('content-type')).toBe('image/jpeg');
    expect(sha(Buffer.from(await got.arrayBuffer()))).toBe(sha(jpeg));
    expect((await fetch(`${srv.url}/api/files/${sha(jpeg)}`, { headers: { authorization: `Bearer ${booth}` } })).status).toBe(403);
  });

  it('refuses a 200 MB file before a byte is sent', async () => {
    const r = await call('POST', '/uploads', booth, { fileName: 'huge.pdf', size: 200 * 1024 * 1024, sha256: 'a'.repeat(64) });
    expect(r.status).toBe(400);
    expect(r.body.error?.message).toMatch(/200\.0 MB; at most 20 MB/);
  });

  it('refuses a path in the file name', async () => {
    for (const fileName of ['../../etc/passwd.jpg', 'C:\\\\Windows\\\\x.jpg', '.htaccess', 'a/b.png']) {
      const r = await call('POST', '/uploads', booth, { fileName, size: 10, sha256: 'a'.repeat(64) });
      expect(r.body.error?.code, fileName).toBe(ErrorCode.BadRequest);
    }
  });

  it('refuses disguised, truncated, bomb and damaged files, and stores nothing', async () => {
    const before = storedFiles();
    const pe = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), Buffer.alloc(4000, 7)]);
    const peRes = await upload(pe, 'photo.jpg');
    expect(peRes.body.error?.code).toBe(ErrorCode.BadRequest);
    expect(peRes.body.error?.message).toMatch(/Windows program/);

    const png = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#fff' } }).png({ compressionLevel: 0 }).toBuffer();
    const truncated = await upload(png.subarray(0, Math.floor(png.length / 2)), 'scan.png');
    expect(truncated.body.error?.message).toMatch(/damaged or incomplete/);

    const bomb = await PDFDocument.create();
    bomb.addPage();
    bomb.context.register(bomb.context.stream(zlib.deflateSync(Buffer.alloc(256 * 1024 * 1024)), { Filter: 'FlateDecode' }));
    const bombBytes = Buffer.from(await bomb.save({ useObjectStreams: false }));
    expect(bombBytes.length).toBeLessThan(2 * 1024 * 1024);
    const bombRes = await upload(bombBytes, 'materials.pdf');
    expect(bombRes.body.error?.message).toMatch(/compression bomb/);

    const tiny = await upload(await sharp({ create: { width: 40, height: 40, channels: 3, background: '#000' } }).jpeg().toBuffer(), 'thumb.jpg');
    expect(tiny.body.error?.message).toMatch(/too small/);

    // Declared checksum does not match what arrived.
    const good = await sharp({ create: { width: 600, height: 600, channels: 3, background: '#abc' } }).jpeg().toBuffer();
    const created = await call('POST', '/uploads', booth, { fileName: 'x.jpg', size: good.length, sha256: sha(Buffer.from('something else')) });
    const mismatch = await call('PUT', `/uploads/${created.body.data.uploadId}?offset=0`, booth, undefined, good);
    expect(mismatch.body.error?.message).toMatch(/SHA-256 mismatch/);

    expect(storedFiles()).toBe(before);
    expect(fs.readdirSync(path.join(srv.dataDir, 'uploads'))).toEqual([]);
  });
});
