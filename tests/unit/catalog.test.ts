import { describe, it, expect } from 'vitest';
import {
  Catalog,
  SEED_CATALOG,
  findMatter,
  mattersByDepartment,
  oneTimeNotice,
  popularMatters,
  searchMatters,
  type Matter,
} from '@xiaowu/shared/catalog';

/** Tiny stand-in for a pinyin library: only the characters the tests need. */
const INITIALS: Record<string, string> = { 退: 't', 休: 'x', 社: 's', 保: 'b', 卡: 'k', 公: 'g', 积: 'j', 金: 'j' };
const initialsOf = (s: string) => [...s].map((c) => INITIALS[c] ?? '').join('');

const clone = (): Catalog => structuredClone(SEED_CATALOG);
const ids = (ms: Matter[]) => ms.map((m) => m.id);
const messages = (c: unknown) => {
  const r = Catalog.safeParse(c);
  return r.success ? [] : r.error.issues.map((i) => i.message);
};

describe('seed catalog', () => {
  it('parses with the Catalog schema', () => {
    const r = Catalog.safeParse(SEED_CATALOG);
    expect(r.success ? [] : r.error.issues).toEqual([]);
  });

  it('has ≥ 8 departments, ≥ 36 matters and ≥ 3 matters per department', () => {
    expect(SEED_CATALOG.departments.length).toBeGreaterThanOrEqual(8);
    expect(SEED_CATALOG.matters.length).toBeGreaterThanOrEqual(36);
    for (const { department, matters } of mattersByDepartment(SEED_CATALOG)) {
      expect(matters.length, department.name).toBeGreaterThanOrEqual(3);
    }
  });

  it('never lets the ID card be missing or replaced by a commitment', () => {
    for (const m of SEED_CATALOG.matters) {
      for (const mat of m.materials.filter((x) => x.id.startsWith('idcard'))) {
        expect(mat.mayBeMissing, `${m.id}/${mat.id}`).toBe(false);
        expect(mat.commitmentAllowed, `${m.id}/${mat.id}`).toBe(false);
      }
    }
  });

  it('has keywords and a one-sentence summary for every matter', () => {
    for (const m of SEED_CATALOG.matters) {
      expect(m.keywords.length, m.id).toBeGreaterThan(0);
      expect(m.summary.endsWith('。'), m.id).toBe(true);
      expect(m.summary.slice(0, -1).includes('。'), m.id).toBe(false);
    }
  });
});

describe('Catalog refinements', () => {
  it('refuses a duplicate matter id', () => {
    const c = clone();
    c.matters[1]!.id = c.matters[0]!.id;
    expect(messages(c).some((m) => m.includes('duplicate matter id'))).toBe(true);
  });

  it('refuses a duplicate matter code', () => {
    const c = clone();
    c.matters[1]!.code = c.matters[0]!.code;
    expect(messages(c).some((m) => m.includes('duplicate matter code'))).toBe(true);
  });

  it('refuses an unknown department or theme', () => {
    const c = clone();
    c.matters[0]!.departmentId = 'nosuchdept';
    c.matters[1]!.themeIds = ['nosuchtheme'];
    const msgs = messages(c);
    expect(msgs.some((m) => m.includes('unknown department nosuchdept'))).toBe(true);
    expect(msgs.some((m) => m.includes('unknown theme nosuchtheme'))).toBe(true);
  });

  it('refuses promisedDays > legalDays', () => {
    const c = clone();
    const m = c.matters[0]!;
    m.promisedDays = m.legalDays + 1;
    expect(messages(c).some((msg) => msg.includes('promisedDays'))).toBe(true);
  });

  it('refuses duplicate material ids within a matter', () => {
    const c = clone();
    const m = c.matters[0]!;
    m.materials[1]!.id = m.materials[0]!.id;
    expect(messages(c).some((msg) => msg.includes('duplicate material id'))).toBe(true);
  });

  it('refuses a commitment material in a matter without 告知承诺, and onSite without a note', () => {
    const c = clone();
    const m = c.matters[0]!;
    m.allowsCommitment = false;
    m.materials[0]!.commitmentAllowed = true;
    m.onSite = true;
    delete m.onSiteNote;
    const msgs = messages(c);
    expect(msgs.some((msg) => msg.includes('allows a commitment'))).toBe(true);
    expect(msgs.some((msg) => msg.includes('onSiteNote'))).toBe(true);
  });

  it('refuses a matter with fewer than 2 materials and a malformed code', () => {
    const c = clone();
    c.matters[0]!.materials = c.matters[0]!.materials.slice(0, 1);
    c.matters[1]!.code = 'ABC';
    const r = Catalog.safeParse(c);
    expect(r.success).toBe(false);
    const paths = r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
    expect(paths).toContain('matters.0.materials');
    expect(paths).toContain('matters.1.code');
  });
});

describe('findMatter / mattersByDepartment / popularMatters', () => {
  it('finds a matter by id, or undefined', () => {
    expect(findMatter(SEED_CATALOG, 'shebao-retire-pension')?.departmentId).toBe('shebao');
    expect(findMatter(SEED_CATALOG, 'nope')).toBeUndefined();
  });

  it('groups every matter under its department, in department order, most used first', () => {
    const groups = mattersByDepartment(SEED_CATALOG);
    expect(groups.map((g) => g.department.order)).toEqual([...groups.map((g) => g.department.order)].sort((a, b) => a - b));
    expect(groups.reduce((n, g) => n + g.matters.length, 0)).toBe(SEED_CATALOG.matters.length);
    for (const g of groups) {
      expect(g.matters.every((m) => m.departmentId === g.department.id)).toBe(true);
      const pops = g.matters.map((m) => m.popular);
      expect(pops).toEqual([...pops].sort((a, b) => b - a));
    }
  });

  it('lists the most used matters', () => {
    const top = popularMatters(SEED_CATALOG, 5);
    expect(top).toHaveLength(5);
    const max = Math.max(...SEED_CATALOG.matters.map((m) => m.popular));
    expect(top[0]!.popular).toBe(max);
  });
});

describe('searchMatters', () => {
  const search = (q: string) => searchMatters(SEED_CATALOG, q, initialsOf);

  it('finds by a Chinese substring of the name', () => {
    const r = ids(search('公积金'));
    expect(r).toEqual(expect.arrayContaining(['gongjijin-rent-withdraw', 'gongjijin-retire-withdraw', 'gongjijin-deposit-certificate']));
  });

  it('finds by a colloquial keyword, also inside a longer sentence', () => {
    expect(ids(search('社保卡丢了'))[0]).toBe('shebao-card-reissue');
    expect(ids(search('我的社保卡丢了怎么办'))).toContain('shebao-card-reissue');
    expect(ids(search('扯证'))).toEqual(['minzheng-marriage-register']);
  });

  it('finds by pinyin initials of the name', () => {
    const r = ids(search('tx'));
    expect(r[0]).toBe('shebao-retire-pension');
    expect(r).toContain('gongjijin-retire-withdraw');
    expect(ids(search('GJJ'))).toContain('gongjijin-rent-withdraw');
  });

  it('finds by the summary', () => {
    expect(ids(search('按住院的比例'))).toEqual(['yibao-special-disease']);
  });

  it('ranks name hits before keyword hits before summary hits, then by popularity', () => {
    const q = '退休';
    const r = search(q);
    const tier = (m: Matter) => (m.name.includes(q) ? 0 : m.keywords.some((k) => k.includes(q) || q.includes(k)) ? 1 : 2);
    const tiers = r.map(tier);
    expect(tiers).toEqual([...tiers].sort((a, b) => a - b));
    expect(tiers).toContain(0);
    expect(tiers).toContain(1);
    for (let i = 1; i < r.length; i++) {
      if (tiers[i] === tiers[i - 1]) expect(r[i - 1]!.popular).toBeGreaterThanOrEqual(r[i]!.popular);
    }
  });

  it('requires every term of a multi-word query', () => {
    expect(ids(search('公积金 退休'))).toEqual(['gongjijin-retire-withdraw']);
  });

  it('returns nothing for an empty query or a miss', () => {
    expect(search('  ')).toEqual([]);
    expect(search('火星移民')).toEqual([]);
  });
});

describe('oneTimeNotice', () => {
  it('lists every material of a matter with its Chinese labels and notes', () => {
    for (const matter of SEED_CATALOG.matters) {
      const n = oneTimeNotice(matter);
      expect(n.title).toBe(matter.name);
      expect(n.conditions).toEqual(matter.conditions);
      expect(n.materials.map((m) => m.name)).toEqual(matter.materials.map((m) => m.name));
      n.materials.forEach((nm, i) => {
        const src = matter.materials[i]!;
        expect(['原件', '复印件', '原件及复印件', '电子件']).toContain(nm.form);
        expect(nm.count).toBe(src.count);
        expect(nm.notes.includes('可容缺后补')).toBe(src.mayBeMissing);
        expect(nm.notes.includes('可告知承诺替代')).toBe(src.commitmentAllowed);
      });
      expect(n.delivery).toHaveLength(matter.delivery.length);
      expect(n.delivery.every((d) => ['现场领取', '邮寄送达', '电子送达'].includes(d))).toBe(true);
      expect(n.legalDays).toBe(matter.legalDays);
      expect(n.promisedDays).toBe(matter.promisedDays);
      expect(n.fee).toBe(matter.fee);
    }
  });

  it('labels a concrete matter as the booth shows it', () => {
    const n = oneTimeNotice(findMatter(SEED_CATALOG, 'gongjijin-rent-withdraw')!);
    expect(n.materials).toEqual([
      expect.objectContaining({ id: 'idcard', name: '居民身份证', form: '原件', count: 1, notes: [] }),
      expect.objectContaining({ id: 'bank', form: '原件', notes: [] }),
      expect.objectContaining({ id: 'zulin-hetong', form: '复印件', notes: ['可告知承诺替代'] }),
    ]);
    expect(n.delivery).toEqual(['电子送达']);
    expect(n.timeLimitText).toBe('承诺 1 个工作日内办结（法定 3 个工作日）');

    const marriage = oneTimeNotice(findMatter(SEED_CATALOG, 'minzheng-marriage-register')!);
    expect(marriage.onSite).toBe(true);
    expect(marriage.onSiteNote).toContain('双方本人');
    expect(marriage.timeLimitText).toBe('当场办结');
    expect(marriage.materials.find((m) => m.id === 'hezhao')?.count).toBe(3);
  });
});
