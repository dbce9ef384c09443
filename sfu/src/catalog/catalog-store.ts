/**
 * The service catalog in Redis, versioned: every edit makes a new version and
 * an open case keeps the version it started with. The seed catalog is loaded
 * at first start.
 */
import type { Redis } from 'ioredis';
import { pinyin } from 'pinyin-pro';
import { Catalog, SEED_CATALOG, findMatter, searchMatters, type Matter } from '@xiaowu/shared/catalog';
import { AppError, ErrorCode } from '@xiaowu/shared';

/** Pinyin initials of a Chinese text, e.g. 退休金 → 'txj' (letters and digits are kept). */
export function initialsOf(text: string): string {
  return pinyin(text, { pattern: 'first', toneType: 'none', type: 'array', nonZh: 'consecutive' })
    .join('')
    .replace(/[^a-z0-9]/gi, '')
    .toLowerCase();
}

export class CatalogStore {
  private cache?: { version: number; catalog: Catalog };

  constructor(
    private readonly redis: Redis,
    private readonly prefix = '{xw}:',
  ) {}

  private key(...parts: string[]) {
    return this.prefix + ['catalog', ...parts].join(':');
  }

  /** Loads the seed catalog as version 1 when Redis has none. */
  async init(): Promise<void> {
    const seed = Catalog.parse({ ...SEED_CATALOG, version: 1 });
    const created = await this.redis.set(this.key('v', '1'), JSON.stringify(seed), 'NX');
    if (created === 'OK') await this.redis.set(this.key('current'), '1', 'NX');
  }

  async current(): Promise<Catalog> {
    const version = Number(await this.redis.get(this.key('current')));
    if (!version) throw new AppError(ErrorCode.Internal, 'catalog not initialised');
    if (this.cache?.version === version) return this.cache.catalog;
    const catalog = await this.version(version);
    this.cache = { version, catalog };
    return catalog;
  }

  async version(version: number): Promise<Catalog> {
    const raw = await this.redis.get(this.key('v', String(version)));
    if (!raw) throw new AppError(ErrorCode.NotFound, `no catalog version ${version}`);
    return JSON.parse(raw) as Catalog;
  }

  async matter(id: string, version?: number): Promise<Matter> {
    const catalog = version ? await this.version(version) : await this.current();
    const m = findMatter(catalog, id);
    if (!m) throw new AppError(ErrorCode.NotFound, `no matter ${id}`);
    return m;
  }

  async search(query: string): Promise<Matter[]> {
    return searchMatters(await this.current(), query, initialsOf);
  }

  /** Validates and stores an edited catalog as the next version. */
  async publish(input: unknown): Promise<Catalog> {
    const parsed = Catalog.safeParse(input);
    if (!parsed.success) throw new AppError(ErrorCode.BadRequest, parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    // WATCH makes two concurrent publishers end with two distinct versions.
    for (;;) {
      await this.redis.watch(this.key('current'));
      const version = Number(await this.redis.get(this.key('current'))) + 1;
      const catalog = { ...parsed.data, version };
      const ok = await this.redis.multi().set(this.key('v', String(version)), JSON.stringify(catalog)).set(this.key('current'), String(version)).exec();
      if (ok) return catalog;
    }
  }
}
