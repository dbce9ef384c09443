/**
 * Resumable, checksummed uploads of scanned materials.
 *
 * 1. `create` declares name, size and SHA-256 (limits checked up front);
 * 2. `append` takes chunks at the offset the server has (`status` tells it
 *    after a network drop, so the booth resumes where it stopped);
 * 3. when the last byte arrives the whole file is hashed and compared with the
 *    declared SHA-256, its content checked (content-check.ts), and only then
 *    stored, content-addressed, under DATA_DIR/files. A refused file leaves
 *    nothing behind.
 *
 * Chunks are written to the node that received `create` (its local disk);
 * several nodes need the booth pinned to one node per upload or a shared
 * disk (object storage replaces `FileStore` later behind the same calls).
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { AppError, ErrorCode } from '@xiaowu/shared';
import type { Principal } from '../auth/tokens';
import { checkContent, type ContentInfo } from './content-check';

export interface StoredFile extends ContentInfo {
  sha256: string;
  size: number;
  fileName: string;
  uploadedBy: string;
  at: number;
}

export interface UploadLimits {
  maxBytes: number;
  chunkBytes: number;
}

const SHA256 = /^[a-f0-9]{64}$/;
/** Plain names only: no directories, no control characters, no leading dot. */
const SAFE_NAME = /^(?!\.)[^/\\\u0000-\u001f<>:"|?*]{1,120}$/;

export class FileStore {
  constructor(private readonly root: string) {}

  pathOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw new AppError(ErrorCode.BadRequest, 'bad file id');
    return path.join(this.root, sha256.slice(0, 2), sha256);
  }

  /** Moves a verified temp file into place (same content = same file). */
  adopt(tmp: string, sha256: string): void {
    const dest = this.pathOf(sha256);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    if (fs.existsSync(dest)) fs.rmSync(tmp);
    else fs.renameSync(tmp, dest);
  }
}

export class Uploads {
  private readonly tmpDir: string;
  readonly files: FileStore;
  /** One append at a time per upload on this node. */
  private readonly busy = new Set<string>();

  constructor(
    private readonly redis: Redis,
    dataDir: string,
    readonly limits: UploadLimits,
    private readonly prefix = '{xw}:',
  ) {
    this.tmpDir = path.join(dataDir, 'uploads');
    fs.mkdirSync(this.tmpDir, { recursive: true });
    this.files = new FileStore(path.join(dataDir, 'files'));
  }

  private k(...p: string[]) {
    return this.prefix + p.join(':');
  }

  async create(owner: Principal, input: { fileName: string; size: number; sha256: string }): Promise<{ uploadId: string; chunkBytes: number; received: number }> {
    if (!SAFE_NAME.test(input.fileName)) throw new AppError(ErrorCode.BadRequest, 'the file name must be a plain name (no folders or special characters)');
    if (!SHA256.test(input.sha256)) throw new AppError(ErrorCode.BadRequest, 'sha256 must be 64 lowercase hex digits');
    if (!Number.isInteger(input.size) || input.size < 1) throw new AppError(ErrorCode.BadRequest, 'empty file');
    if (input.size > this.limits.maxBytes) {
      throw new AppError(ErrorCode.BadRequest, `the file is ${(input.size / 1048576).toFixed(1)} MB; at most ${(this.limits.maxBytes / 1048576).toFixed(0)} MB`);
    }
    // At most 60 new uploads a minute per device or user: a stuck client cannot fill the disk.
    const rl = this.k('rl', 'upload', owner.role, owner.userId);
    const n = await this.redis.incr(rl);
    if (n === 1) await this.redis.expire(rl, 60);
    if (n > 60) throw new AppError(ErrorCode.RateLimited, 'too many uploads; wait a minute');
    const uploadId = randomUUID();
    await this.redis
      .multi()
      .hset(this.k('up', uploadId), { owner: `${owner.role}:${owner.userId}`, fileName: input.fileName, size: String(input.size), sha256: input.sha256, received: '0', createdAt: String(Date.now()) })
      .expire(this.k('up', uploadId), 24 * 3600)
      .exec();
    fs.writeFileSync(this.tmp(uploadId), Buffer.alloc(0));
    return { uploadId, chunkBytes: this.limits.chunkBytes, received: 0 };
  }

  async status(owner: Principal, uploadId: string): Promise<{ received: number; size: number }> {
    const u = await this.own(owner, uploadId);
    return { received: Number(u.received), size: Number(u.size) };
  }

  /** Appends a chunk at `offset`; the last chunk completes (verifies, checks, stores) the file. */
  async append(owner: Principal, uploadId: string, offset: number, chunk: Buffer): Promise<{ received: number; file?: StoredFile }> {
    const u = await this.own(owner, uploadId);
    if (this.busy.has(uploadId)) throw new AppError(ErrorCode.InvalidState, 'another chunk of this upload is being written');
    this.busy.add(uploadId);
    try {
      const received = Number(u.received);
      const size = Number(u.size);
      if (offset !== received) throw new AppError(ErrorCode.InvalidState, `expected offset ${received}`);
      if (chunk.length === 0 || chunk.length > this.limits.chunkBytes) throw new AppError(ErrorCode.BadRequest, `chunks are 1 to ${this.limits.chunkBytes} bytes`);
      if (received + chunk.length > size) throw new AppError(ErrorCode.BadRequest, 'more bytes than declared');
      fs.appendFileSync(this.tmp(uploadId), chunk);
      const now = received + chunk.length;
      await this.redis.hset(this.k('up', uploadId), 'received', String(now));
      if (now < size) return { received: now };
      return { received: now, file: await this.complete(owner, uploadId, u) };
    } finally {
      this.busy.delete(uploadId);
    }
  }

  async fileInfo(sha256: string): Promise<StoredFile | undefined> {
    const raw = await this.redis.get(this.k('file', sha256));
    return raw ? (JSON.parse(raw) as StoredFile) : undefined;
  }

  private async complete(owner: Principal, uploadId: string, u: Record<string, string>): Promise<StoredFile> {
    const tmp = this.tmp(uploadId);
    try {
      const buf = fs.readFileSync(tmp);
      const actual = createHash('sha256').update(buf).digest('hex');
      if (actual !== u.sha256) throw new AppError(ErrorCode.BadRequest, 'the file arrived damaged (SHA-256 mismatch); please send it again');
      const info = await checkContent(buf);
      const file: StoredFile = { ...info, sha256: actual, size: buf.length, fileName: u.fileName!, uploadedBy: `${owner.role}:${owner.userId}`, at: Date.now() };
      this.files.adopt(tmp, actual);
      await this.redis.multi().set(this.k('file', actual), JSON.stringify(file)).del(this.k('up', uploadId)).exec();
      return file;
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      await this.redis.del(this.k('up', uploadId));
      throw err;
    }
  }

  private async own(owner: Principal, uploadId: string): Promise<Record<string, string>> {
    const u = await this.redis.hgetall(this.k('up', uploadId));
    // Someone else's upload looks exactly like a missing one.
    if (!u.owner || u.owner !== `${owner.role}:${owner.userId}`) throw new AppError(ErrorCode.NotFound, 'no such upload');
    return u;
  }

  private tmp(uploadId: string): string {
    if (!/^[0-9a-f-]{36}$/.test(uploadId)) throw new AppError(ErrorCode.NotFound, 'no such upload');
    return path.join(this.tmpDir, `${uploadId}.part`);
  }
}
