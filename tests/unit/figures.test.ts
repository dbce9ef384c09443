import { describe, expect, it } from 'vitest';
import type { Case, CaseState, FiguresQuery, FiguresRow, VisitRecord } from '@xiaowu/shared';
import { bucketOf, computeFigures, figuresCsv, type FigureInput, type RatingFact } from '../../sfu/src/stats/figures';

/** A Beijing local time as an instant (UTC+8). */
const bj = (iso: string) => Date.parse(`${iso}+08:00`);
// 2026-11-25 is a Wednesday; 2026-11-29 a Sunday, 2026-11-30 a Monday.

let seq = 0;

function served(boothId: string, requested: string, answered: string, segments: Array<[agentId: string, from: string, to: string]>, extra: Partial<VisitRecord> = {}): VisitRecord {
  const segs = segments.map(([agentId, from, to]) => ({ agentId, from: bj(from), to: bj(to) }));
  return {
    visitId: `v${++seq}`,
    boothId,
    matterId: 'm1',
    departmentId: 'd1',
    requestedAt: bj(requested),
    answeredAt: bj(answered),
    endedAt: segs.length ? segs[segs.length - 1]!.to : bj(answered),
    outcome: 'served',
    segments: segs,
    ...extra,
  };
}

function abandoned(boothId: string, requested: string, ended: string, extra: Partial<VisitRecord> = {}): VisitRecord {
  return { visitId: `v${++seq}`, boothId, matterId: 'm1', departmentId: 'd1', requestedAt: bj(requested), endedAt: bj(ended), outcome: 'abandoned', segments: [], ...extra };
}

function kase(state: CaseState, created: string, extra: Partial<Case> = {}): Case {
  return {
    caseNo: `2026112511010500${String(++seq).padStart(3, '0')}`,
    version: 1,
    state,
    matterId: 'm1',
    matterCode: 'M-1',
    matterName: '事项一',
    catalogVersion: 1,
    skill: 'shebao',
    terms: { legalDays: 20, promisedDays: 5, delivery: ['window'], allowsCommitment: false },
    boothId: 'b1',
    agentId: 'a1',
    applicant: { name: '张三', idNumber: '11010519491231002X', sex: '男', ethnicity: '汉', birthDate: '1949-12-31', address: '北京市', issuer: '公安局', validFrom: '2020.01.01', validTo: '长期' },
    materials: [],
    signatures: [],
    createdAt: bj(created),
    updatedAt: bj(created),
    ...extra,
  } as Case;
}

function rating(level: RatingFact['level'], ended: string, rated: string, extra: Partial<RatingFact> = {}): RatingFact {
  return { sessionId: `s${++seq}`, boothId: 'b1', agentId: 'a1', matterId: 'm1', level, at: bj(rated), endedAt: bj(ended), ...extra };
}

function input(p: Partial<FigureInput>): FigureInput {
  return {
    visits: [],
    cases: [],
    ratings: [],
    departmentOfMatter: new Map([['m1', 'd1'], ['m2', 'd2']]),
    names: {
      booth: new Map([['b1', '和平里社区'], ['b2', '安贞社区'], ['b3', '空闲社区']]),
      agent: new Map([['a1', '李一'], ['a2', '王二']]),
      department: new Map([['d1', '人社局']]),
      matter: new Map([['m1', '退休审批']]),
    },
    travelMinutes: new Map([['b1', 40]]),
    defaultTravelMinutes: 30,
    ...p,
  };
}

const q = (p: Partial<FiguresQuery> = {}): FiguresQuery => ({ period: 'day', group: 'all', from: bj('2026-11-01T00:00:00'), to: bj('2027-01-01T00:00:00'), ...p });

/** A row with every counter 0 and every rate / average null. */
const empty = (bucket: string, key: string, name: string): FiguresRow => ({
  bucket, key, name,
  visits: 0, served: 0, abandoned: 0, abandonmentRate: null,
  casesAccepted: 0, casesRejected: 0, casesPending: 0, casesWithdrawn: 0,
  completed: 0, completedOnTime: 0, onTimeRate: null,
  rated: 0, satisfied: 0, satisfactionRate: null,
  avgWaitSec: null, avgHandleSec: null, travelSavedMin: 0,
});

describe('supervisor figures: visits', () => {
  it('counts a plain day: served, abandoned, rate, mean wait / handling, travel saved', () => {
    const visits = [
      // wait 30 s, handling 600 s, booth b1 (40 min)
      served('b1', '2026-11-25T10:00:00', '2026-11-25T10:00:30', [['a1', '2026-11-25T10:00:30', '2026-11-25T10:10:30']]),
      // wait 60.1 s, handling 299.9 s, booth b2 (default 30 min)
      served('b2', '2026-11-25T11:00:00', '2026-11-25T11:01:00.100', [['a2', '2026-11-25T11:01:00.100', '2026-11-25T11:06:00']]),
      abandoned('b1', '2026-11-25T12:00:00', '2026-11-25T12:02:00'),
    ];
    const rows = computeFigures(input({ visits }), q());
    expect(rows).toHaveLength(1);
    expect(rows[0]!.abandonmentRate).toBeCloseTo(0.33333, 5);
    // wait (30 + 60.1) / 2 = 45.05 → 45.1; handling (600 + 299.9) / 2 = 449.95 → 450 (one decimal)
    expect(rows[0]).toEqual({ ...empty('2026-11-25', '', '全部'), visits: 3, served: 2, abandoned: 1, abandonmentRate: expect.closeTo(0.33333, 5), avgWaitSec: 45.1, avgHandleSec: 450, travelSavedMin: 70 });
  });

  it('counts a session across midnight (Beijing) on the day it started, with its whole handling time', () => {
    const visits = [
      // 23:50 → 00:20 CST: handling 23:51 → 00:20 = 1740 s, all on the 25th
      served('b1', '2026-11-25T23:50:00', '2026-11-25T23:51:00', [['a1', '2026-11-25T23:51:00', '2026-11-26T00:20:00']]),
      // 07:30 CST on the 26th is still the 25th in UTC: must land on the 26th
      abandoned('b1', '2026-11-26T07:30:00', '2026-11-26T07:31:00'),
    ];
    const rows = computeFigures(input({ visits }), q());
    expect(rows.map((r) => [r.bucket, r.visits, r.served, r.abandoned, r.avgWaitSec, r.avgHandleSec])).toEqual([
      ['2026-11-25', 1, 1, 0, 60, 1740],
      ['2026-11-26', 1, 0, 1, null, null],
    ]);
  });

  describe('a transfer', () => {
    const visits = [
      // a1 240 s, then a2 600 s; wait 60 s; booth b1 (40 min)
      served('b1', '2026-11-25T10:00:00', '2026-11-25T10:01:00', [
        ['a1', '2026-11-25T10:01:00', '2026-11-25T10:05:00'],
        ['a2', '2026-11-25T10:05:00', '2026-11-25T10:15:00'],
      ]),
      // a2 alone: wait 20 s, handling 120 s; booth b2 (30 min)
      served('b2', '2026-11-25T11:00:00', '2026-11-25T11:00:20', [['a2', '2026-11-25T11:00:20', '2026-11-25T11:02:20']]),
      abandoned('b1', '2026-11-25T12:00:00', '2026-11-25T12:05:00'),
    ];

    it('counts once per booth (and for all), with the whole visit as handling time', () => {
      const byBooth = computeFigures(input({ visits }), q({ group: 'booth' }));
      expect(byBooth).toEqual([
        { ...empty('2026-11-25', 'b1', '和平里社区'), visits: 2, served: 1, abandoned: 1, abandonmentRate: 0.5, avgWaitSec: 60, avgHandleSec: 840, travelSavedMin: 40 },
        { ...empty('2026-11-25', 'b2', '安贞社区'), visits: 1, served: 1, abandoned: 0, abandonmentRate: 0, avgWaitSec: 20, avgHandleSec: 120, travelSavedMin: 30 },
      ]);
      const all = computeFigures(input({ visits }), q());
      expect(all.map((r) => [r.visits, r.served, r.abandoned, r.travelSavedMin])).toEqual([[3, 2, 1, 70]]);
    });

    it('counts for both agents with their own segments; wait and travel only for the first agent; no abandoned visits', () => {
      const byAgent = computeFigures(input({ visits }), q({ group: 'agent' }));
      expect(byAgent).toEqual([
        { ...empty('2026-11-25', 'a1', '李一'), visits: 1, served: 1, abandonmentRate: 0, avgWaitSec: 60, avgHandleSec: 240, travelSavedMin: 40 },
        // handling (600 + 120) / 2 = 360; wait only from its own first-segment visit (20 s); travel only b2's 30
        { ...empty('2026-11-25', 'a2', '王二'), visits: 2, served: 2, abandonmentRate: 0, avgWaitSec: 20, avgHandleSec: 360, travelSavedMin: 30 },
      ]);
    });
  });
});

describe('supervisor figures: cases and completions', () => {
  it('classifies cases by state on their creation day; a withdrawn case is neither pending nor accepted', () => {
    const cases = [
      kase('accepted', '2026-11-25T09:00:00', { acceptedAt: bj('2026-11-25T09:30:00') }),
      kase('pending_materials', '2026-11-25T09:10:00', { acceptedAt: bj('2026-11-25T09:40:00') }),
      kase('completed', '2026-11-25T09:20:00', { acceptedAt: bj('2026-11-25T09:50:00'), promisedBy: bj('2026-12-02T23:59:59.999'), completedAt: bj('2026-11-27T15:00:00') }),
      kase('rejected', '2026-11-25T10:00:00'),
      // withdrawn after acceptance (acceptedAt set) and withdrawn before review
      kase('withdrawn', '2026-11-25T10:10:00', { acceptedAt: bj('2026-11-25T10:30:00'), withdrawnAt: bj('2026-11-25T11:00:00') }),
      kase('withdrawn', '2026-11-25T10:20:00', { withdrawnAt: bj('2026-11-25T10:25:00') }),
      kase('draft', '2026-11-25T11:00:00'),
      kase('submitted', '2026-11-25T11:10:00'),
      kase('under_review', '2026-11-25T11:20:00'),
      kase('under_review', '2026-11-25T11:30:00'),
    ];
    const rows = computeFigures(input({ cases }), q());
    expect(rows).toEqual([
      { ...empty('2026-11-25', '', '全部'), casesAccepted: 3, casesRejected: 1, casesPending: 4, casesWithdrawn: 2 },
      { ...empty('2026-11-27', '', '全部'), completed: 1, completedOnTime: 1, onTimeRate: 1 },
    ]);
  });

  it('counts completions on the completion day: on time (≤ promisedBy, the boundary included), late, and without promisedBy (not on time)', () => {
    const cases = [
      kase('completed', '2026-11-20T10:00:00', { promisedBy: bj('2026-11-27T23:59:59.999'), completedAt: bj('2026-11-27T23:59:59.999') }),
      kase('completed', '2026-11-20T10:00:00', { promisedBy: bj('2026-11-27T23:59:59.999'), completedAt: bj('2026-11-27T09:00:00') }),
      kase('completed', '2026-11-20T10:00:00', { promisedBy: bj('2026-11-26T23:59:59.999'), completedAt: bj('2026-11-27T10:00:00') }),
      kase('completed', '2026-11-20T10:00:00', { completedAt: bj('2026-11-27T11:00:00') }),
    ];
    const rows = computeFigures(input({ cases }), q({ from: bj('2026-11-25T00:00:00') }));
    // creation days are before `from`: only the completions count
    expect(rows).toEqual([{ ...empty('2026-11-27', '', '全部'), completed: 4, completedOnTime: 2, onTimeRate: 0.5 }]);
  });
});

describe('supervisor figures: ratings', () => {
  it('counts ratings on the service day; unrated sessions do not lower the rate; level 4 and 5 are satisfied', () => {
    const visits = [1, 2, 3, 4, 5, 6].map((i) =>
      served('b1', `2026-11-25T1${i}:00:00`, `2026-11-25T1${i}:00:10`, [['a1', `2026-11-25T1${i}:00:10`, `2026-11-25T1${i}:00:20`]]),
    );
    const ratings = [
      rating(5, '2026-11-25T11:00:20', '2026-11-25T11:01:00'),
      rating(4, '2026-11-25T12:00:20', '2026-11-25T12:01:00'),
      rating(3, '2026-11-25T13:00:20', '2026-11-25T13:01:00'),
      // ended late on the 25th, rated after midnight: still the 25th
      rating(1, '2026-11-25T23:55:00', '2026-11-26T00:05:00'),
    ];
    const rows = computeFigures(input({ visits, ratings }), q());
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ bucket: '2026-11-25', served: 6, rated: 4, satisfied: 2, satisfactionRate: 0.5 });
  });
});

describe('supervisor figures: buckets', () => {
  it('weeks start on Monday (Beijing time); a Sunday and the next Monday are in different weeks', () => {
    expect(bucketOf(bj('2026-11-29T23:59:59'), 'week')).toBe('2026-11-23');
    expect(bucketOf(bj('2026-11-30T00:30:00'), 'week')).toBe('2026-11-30'); // Sunday 16:30 in UTC
    expect(bucketOf(bj('2026-11-25T12:00:00'), 'week')).toBe('2026-11-23');
    expect(bucketOf(bj('2026-11-01T10:00:00'), 'week')).toBe('2026-10-26'); // a Sunday: the week began in October
    const visits = [
      abandoned('b1', '2026-11-25T10:00:00', '2026-11-25T10:01:00'),
      abandoned('b1', '2026-11-29T23:00:00', '2026-11-29T23:01:00'),
      abandoned('b1', '2026-11-30T00:30:00', '2026-11-30T00:31:00'),
    ];
    expect(computeFigures(input({ visits }), q({ period: 'week' })).map((r) => [r.bucket, r.visits])).toEqual([
      ['2026-11-23', 2],
      ['2026-11-30', 1],
    ]);
  });

  it('months start on the 1st (Beijing time); days are Beijing days', () => {
    expect(bucketOf(bj('2026-11-30T23:59:59'), 'month')).toBe('2026-11-01');
    expect(bucketOf(bj('2026-12-01T00:10:00'), 'month')).toBe('2026-12-01'); // still Nov 30 in UTC
    expect(bucketOf(bj('2026-12-01T00:10:00'), 'day')).toBe('2026-12-01');
    const visits = [
      abandoned('b1', '2026-11-02T10:00:00', '2026-11-02T10:01:00'),
      abandoned('b1', '2026-11-30T23:00:00', '2026-11-30T23:01:00'),
      abandoned('b1', '2026-12-01T00:10:00', '2026-12-01T00:11:00'),
    ];
    expect(computeFigures(input({ visits }), q({ period: 'month' })).map((r) => [r.bucket, r.visits])).toEqual([
      ['2026-11-01', 2],
      ['2026-12-01', 1],
    ]);
  });

  it('counts facts in [from, to): the start included, the end excluded', () => {
    const from = bj('2026-11-25T00:00:00');
    const to = bj('2026-11-26T00:00:00');
    const at = (ms: number): Partial<VisitRecord> => ({ requestedAt: ms, endedAt: ms + 60_000 });
    const visits = [
      abandoned('b1', '2026-11-25T10:00:00', '2026-11-25T10:01:00', at(from - 1)),
      abandoned('b1', '2026-11-25T10:00:00', '2026-11-25T10:01:00', at(from)),
      abandoned('b1', '2026-11-25T10:00:00', '2026-11-25T10:01:00', at(to - 1)),
      abandoned('b1', '2026-11-25T10:00:00', '2026-11-25T10:01:00', at(to)),
    ];
    const cases = [
      kase('draft', '2026-11-25T00:00:00', { createdAt: from }),
      kase('draft', '2026-11-26T00:00:00', { createdAt: to }),
      kase('completed', '2026-11-20T10:00:00', { completedAt: to, promisedBy: to + 1 }),
    ];
    const ratings = [rating(5, '2026-11-25T23:59:59.999', '2026-11-26T00:01:00'), rating(5, '2026-11-26T00:00:00', '2026-11-26T00:01:00')];
    expect(computeFigures(input({ visits, cases, ratings }), q({ from, to }))).toEqual([
      { ...empty('2026-11-25', '', '全部'), visits: 2, abandoned: 2, abandonmentRate: 1, casesPending: 1, rated: 1, satisfied: 1, satisfactionRate: 1 },
    ]);
  });
});

describe('supervisor figures: groups', () => {
  it('makes no row for a group with nothing; sorts by bucket then key; names fall back to the key', () => {
    const visits = [
      abandoned('b9', '2026-11-25T10:00:00', '2026-11-25T10:01:00'),
      abandoned('b2', '2026-11-25T11:00:00', '2026-11-25T11:01:00'),
      abandoned('b1', '2026-11-26T10:00:00', '2026-11-26T10:01:00'),
      abandoned('b1', '2026-11-25T12:00:00', '2026-11-25T12:01:00'),
    ];
    // b3 has a name but no fact: no row
    expect(computeFigures(input({ visits }), q({ group: 'booth' })).map((r) => [r.bucket, r.key, r.name])).toEqual([
      ['2026-11-25', 'b1', '和平里社区'],
      ['2026-11-25', 'b2', '安贞社区'],
      ['2026-11-25', 'b9', 'b9'],
      ['2026-11-26', 'b1', '和平里社区'],
    ]);
    expect(computeFigures(input({}), q({ group: 'booth' }))).toEqual([]);
  });

  it('groups by department (visits directly, cases and ratings via the matter; unknown matter skipped) and skips cases without agent under agent', () => {
    const visits = [abandoned('b1', '2026-11-25T10:00:00', '2026-11-25T10:01:00', { matterId: 'm2', departmentId: 'd2' })];
    const cases = [
      kase('draft', '2026-11-25T10:00:00', { matterId: 'm1' }),
      kase('draft', '2026-11-25T10:00:00', { matterId: 'm-unknown' }),
      kase('rejected', '2026-11-25T10:00:00', { matterId: 'm2', agentId: undefined }),
    ];
    const ratings = [rating(4, '2026-11-25T10:00:00', '2026-11-25T10:01:00', { matterId: 'm2' })];
    expect(computeFigures(input({ visits, cases, ratings }), q({ group: 'department' }))).toEqual([
      { ...empty('2026-11-25', 'd1', '人社局'), casesPending: 1 },
      { ...empty('2026-11-25', 'd2', 'd2'), visits: 1, abandoned: 1, abandonmentRate: 1, casesRejected: 1, rated: 1, satisfied: 1, satisfactionRate: 1 },
    ]);
    expect(computeFigures(input({ cases }), q({ group: 'agent' }))).toEqual([{ ...empty('2026-11-25', 'a1', '李一'), casesPending: 2 }]);
    expect(computeFigures(input({ cases }), q({ group: 'matter' })).map((r) => [r.key, r.name])).toEqual([
      ['m-unknown', 'm-unknown'],
      ['m1', '退休审批'],
      ['m2', 'm2'],
    ]);
  });
});

describe('supervisor figures: CSV', () => {
  const row = (p: Partial<FiguresRow>): FiguresRow => ({ ...empty('2026-11-25', 'b1', '和平里社区'), ...p });

  it('starts with a BOM, uses CRLF, titles in Chinese, rates as percentages, empty cells for null', () => {
    const csv = figuresCsv([row({ visits: 3, served: 2, abandoned: 1, abandonmentRate: 1 / 3, avgWaitSec: 45.1, avgHandleSec: 450, travelSavedMin: 70 })], 'zh-CN');
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(csv.slice(1)).toBe(
      '时段,分组,名称,来访量,已服务,放弃,放弃率,受理,不予受理,办理中,撤回,办结,按时办结,按时办结率,评价数,满意数,满意率,平均等待(秒),平均办理(秒),节省路途(分钟)\r\n' +
        '2026-11-25,b1,和平里社区,3,2,1,33.3%,0,0,0,0,0,0,,0,0,,45.1,450,70\r\n',
    );
    expect(csv.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });

  it('writes English titles and names the all-group "All"', () => {
    const csv = figuresCsv([row({ key: '', name: '全部', completed: 4, completedOnTime: 2, onTimeRate: 0.5 })], 'en');
    const [header, line] = csv.slice(1).split('\r\n');
    expect(header).toBe('Period,Group key,Name,Visits,Served,Abandoned,Abandonment rate,Cases accepted,Cases rejected,Cases pending,Cases withdrawn,Completed,Completed on time,On-time rate,Ratings,Satisfied,Satisfaction rate,Avg wait (s),Avg handling (s),Travel saved (min)');
    expect(line).toBe('2026-11-25,,All,0,0,0,,0,0,0,0,4,2,50.0%,0,0,,,,0');
  });

  it('quotes commas, quotes and line breaks (RFC 4180) and defuses formulas', () => {
    const csv = figuresCsv(
      [
        row({ key: 'b1', name: '张家,"老"王社区' }),
        row({ key: 'b2', name: '=HYPERLINK("http://x","点我")' }),
        row({ key: 'b3', name: '+1' }),
        row({ key: '-b4', name: '@SUM(A1)' }),
        row({ key: 'b5', name: '第一行\n第二行' }),
      ],
      'zh-CN',
    );
    const lines = csv.slice(1).split('\r\n');
    const firstCells = (l: string) => l.slice(0, l.indexOf(',0,0,0,'));
    expect(lines.slice(1, 6).map(firstCells)).toEqual([
      '2026-11-25,b1,"张家,""老""王社区"',
      `2026-11-25,b2,"'=HYPERLINK(""http://x"",""点我"")"`,
      "2026-11-25,b3,'+1",
      "2026-11-25,'-b4,'@SUM(A1)",
      '2026-11-25,b5,"第一行\n第二行"',
    ]);
  });
});
