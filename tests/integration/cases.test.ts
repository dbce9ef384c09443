/**
 * Cases (办件) on a real Redis: numbering across nodes, the state machine with
 * material verdicts, 容缺受理 and 告知承诺, ownership without revealing other
 * booths' cases, masking per role, the append-only audit trail, the rate
 * limited progress look-up, and concurrent edits from two nodes.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, type Identity } from '@xiaowu/shared';
import { SEED_CATALOG, findMatter, type Matter } from '@xiaowu/shared/catalog';
import type { Principal } from '../../sfu/src/auth/tokens';
import { CaseStore, addWorkingDays, type Case } from '../../sfu/src/cases/case-store';
import { startTestRedis } from '../support/redis';
import { DEMO_IDENTITY } from '../../booth-client/src/devices/id-card-reader';

const bj = (iso: string) => Date.parse(`${iso}+08:00`);
const endOfDay = (date: string) => bj(`${date}T23:59:59.999`);
const START = bj('2026-11-25T09:05:00'); // a Wednesday

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** The booth's demo ID card: the same fixture the booth and the e2e tests use. */
const APPLICANT: Identity = DEMO_IDENTITY;

const booth1: Principal = { role: 'booth', userId: 'b1', name: '和平里晓屋' };
const booth2: Principal = { role: 'booth', userId: 'b2', name: '安贞晓屋' };
const agent1: Principal = { role: 'agent', userId: 'a1', name: '王芳' };
const agent2: Principal = { role: 'agent', userId: 'a2', name: '李强' };
const supervisor: Principal = { role: 'supervisor', userId: 's1', name: '赵班长' };
const interpreter: Principal = { role: 'interpreter', userId: 'i1', name: '手语老师' };

/** idcard, shebaoka, shenqingbiao, shitong-jiaofei (容缺); 10 promised days; electronic / mail; no 告知承诺. */
const PENSION = findMatter(SEED_CATALOG, 'shebao-retire-pension')!;
/** juzhuzheng, idcard, zhuzhi-zhengming (告知承诺), jiuye-zhengming (容缺); 3 promised days; electronic / pickup. */
const ENDORSE = findMatter(SEED_CATALOG, 'gongan-residence-permit-endorse')!;

describe('cases on a real Redis', () => {
  let env: Awaited<ReturnType<typeof startTestRedis>>;
  let clock = START;
  let store: CaseStore;

  beforeAll(async () => {
    env = await startTestRedis();
  });
  afterAll(async () => env.close());
  beforeEach(async () => {
    await env.redis.flushall();
    clock = START;
    store = new CaseStore(env.redis, { now: () => clock });
  });

  const create = (matter: Matter = PENSION, by: Principal = booth1, extra: { phone?: string } = { phone: '13812340000' }) =>
    store.create({ matter, catalogVersion: 1, boothId: 'b1', agentId: 'a1', sessionId: 's-1', applicant: APPLICANT, ...extra }, by);

  /** A case under review with a file on every material except those in `skip`. */
  async function underReview(matter: Matter = PENSION, skip: string[] = []): Promise<Case> {
    const c = await create(matter);
    for (const m of c.materials) if (!skip.includes(m.materialId)) await store.attachFile(c.caseNo, m.materialId, sha(`${c.caseNo}/${m.materialId}`), booth1);
    await store.setDelivery(c.caseNo, { mode: 'electronic' }, booth1);
    await store.submit(c.caseNo, booth1);
    return store.startReview(c.caseNo, agent1);
  }

  it('numbers cases YYYYMMDD + district + 5-digit daily sequence, unique under 50 concurrent creates on two nodes', async () => {
    const secondConnection = env.redis.duplicate();
    const other = new CaseStore(secondConnection, { now: () => clock });
    const made = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? other : store).create({ matter: PENSION, catalogVersion: 1, boothId: 'b1', applicant: APPLICANT }, booth1)),
    );
    const numbers = made.map((c) => c.caseNo);
    expect(new Set(numbers).size).toBe(50);
    for (const n of numbers) expect(n).toMatch(/^20261125110105\d{5}$/);
    expect(numbers.map((n) => Number(n.slice(-5))).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(await env.redis.ttl('{xw}:case:seq:110105:20261125')).toBeGreaterThan(86_400);
    // A new Beijing day starts again at 1 (16:30 UTC is already the next day in Beijing).
    clock = Date.parse('2026-11-25T16:30:00Z');
    expect((await create()).caseNo).toBe('2026112611010500001');
    // Another district's numbers carry its code.
    const daxing = new CaseStore(env.redis, { districtCode: '110115', now: () => clock });
    expect((await daxing.create({ matter: PENSION, catalogVersion: 1, boothId: 'b1', applicant: APPLICANT }, booth1)).caseNo).toBe('2026112611011500001');
    expect((await store.listForBooth('b1', 100)).length).toBe(52);
    await secondConnection.quit();
  });

  it('goes draft → submitted → under review → accepted → completed with material verdicts', async () => {
    const c = await create();
    expect(c.state).toBe('draft');
    expect(c.materials.map((m) => [m.materialId, m.verdict, m.mayBeMissing, m.files.length])).toEqual([
      ['idcard', 'pending', false, 0],
      ['shebaoka', 'pending', false, 0],
      ['shenqingbiao', 'pending', false, 0],
      ['shitong-jiaofei', 'pending', true, 0],
    ]);
    for (const m of c.materials) await store.attachFile(c.caseNo, m.materialId, sha(m.materialId), m.materialId === 'shenqingbiao' ? agent1 : booth1);
    await expect(store.attachFile(c.caseNo, 'idcard', 'not-a-hash', booth1)).rejects.toMatchObject({ code: ErrorCode.BadRequest });
    await expect(store.attachFile(c.caseNo, 'nope', sha('x'), booth1)).rejects.toMatchObject({ code: ErrorCode.BadRequest });

    await expect(store.submit(c.caseNo, booth1)).rejects.toMatchObject({ code: ErrorCode.InvalidState, message: expect.stringContaining('delivery') });
    await expect(store.setDelivery(c.caseNo, { mode: 'mail' }, booth1)).rejects.toMatchObject({ code: ErrorCode.BadRequest });
    await expect(store.setDelivery(c.caseNo, { mode: 'pickup' }, booth1)).rejects.toMatchObject({ code: ErrorCode.BadRequest }); // not offered for this matter
    await store.setDelivery(c.caseNo, { mode: 'mail', address: '北京市朝阳区和平里街道示例社区 1 号' }, booth1);
    expect((await store.submit(c.caseNo, booth1)).state).toBe('submitted');
    await expect(store.submit(c.caseNo, booth1)).rejects.toMatchObject({ code: ErrorCode.InvalidState });

    await expect(store.review(c.caseNo, 'idcard', 'accepted', undefined, agent1)).rejects.toMatchObject({ code: ErrorCode.InvalidState }); // not under review yet
    await expect(store.startReview(c.caseNo, booth1)).rejects.toMatchObject({ code: ErrorCode.Forbidden });
    await expect(store.startReview(c.caseNo, agent2)).rejects.toMatchObject({ code: ErrorCode.NotFound });
    expect((await store.startReview(c.caseNo, agent1)).state).toBe('under_review');

    await expect(store.review(c.caseNo, 'idcard', 'rescan', undefined, agent1)).rejects.toMatchObject({ code: ErrorCode.BadRequest });
    await expect(store.review(c.caseNo, 'idcard', 'rescan', 'x'.repeat(201), agent1)).rejects.toMatchObject({ code: ErrorCode.BadRequest });
    await expect(store.review(c.caseNo, 'idcard', 'accepted', undefined, booth1)).rejects.toMatchObject({ code: ErrorCode.Forbidden });
    let r = await store.review(c.caseNo, 'idcard', 'rescan', '反光，号码看不清', agent1);
    expect(r.materials[0]).toMatchObject({ verdict: 'rescan', reason: '反光，号码看不清', reviewedBy: 'agent:a1', reviewedAt: START });
    for (const id of ['shebaoka', 'shenqingbiao', 'shitong-jiaofei']) await store.review(c.caseNo, id, 'accepted', undefined, agent1);
    await expect(store.accept(c.caseNo, agent1)).rejects.toMatchObject({ code: ErrorCode.InvalidState, message: expect.stringContaining('居民身份证') });

    // The rescan replaces the unreadable file and goes back to review.
    r = await store.attachFile(c.caseNo, 'idcard', sha('idcard-2'), booth1);
    expect(r.materials[0]).toEqual(expect.objectContaining({ verdict: 'pending', files: [sha('idcard-2')] }));
    expect(r.materials[0]!.reason).toBeUndefined();
    await store.review(c.caseNo, 'idcard', 'accepted', undefined, agent1);

    const accepted = await store.accept(c.caseNo, agent1);
    expect(accepted.state).toBe('accepted');
    expect(accepted.acceptedAt).toBe(START);
    // 10 working days from Wednesday 2026-11-25, weekends skipped → Wednesday 2026-12-09.
    expect(accepted.promisedBy).toBe(endOfDay('2026-12-09'));
    expect(accepted.pendingDeadline).toBeUndefined();

    await expect(store.complete(c.caseNo, booth1)).rejects.toMatchObject({ code: ErrorCode.Forbidden });
    const done = await store.complete(c.caseNo, agent1);
    expect(done.state).toBe('completed');
    await expect(store.withdraw(c.caseNo, booth1)).rejects.toMatchObject({ code: ErrorCode.InvalidState });
    expect((await store.get(c.caseNo, supervisor)).state).toBe('completed');
  });

  it('counts promised days in working days with holidays and 调休 working weekends', async () => {
    // Friday 2026-10-30 + 1 → Monday 11-02; + 3 with Monday a holiday → Thursday 11-05; a working Saturday counts.
    const fri = bj('2026-10-30T15:00:00');
    expect(addWorkingDays(fri, 1)).toBe(endOfDay('2026-11-02'));
    expect(addWorkingDays(fri, 3, { holidays: ['2026-11-02'] })).toBe(endOfDay('2026-11-05'));
    expect(addWorkingDays(fri, 1, { workdays: ['2026-10-31'] })).toBe(endOfDay('2026-10-31'));
    expect(addWorkingDays(fri, 0)).toBe(endOfDay('2026-10-30'));
    const holidayStore = new CaseStore(env.redis, { now: () => clock, calendar: { holidays: ['2026-12-01'] } });
    const c = await underReview();
    for (const m of c.materials) await holidayStore.review(c.caseNo, m.materialId, 'accepted', undefined, agent1);
    expect((await holidayStore.accept(c.caseNo, agent1)).promisedBy).toBe(endOfDay('2026-12-10'));
  });

  it('容缺受理: accepts without the 容缺 material, sets a deadline, and becomes accepted once it is supplied', async () => {
    const c = await underReview(PENSION, ['shitong-jiaofei']);
    for (const id of ['idcard', 'shebaoka', 'shenqingbiao']) await store.review(c.caseNo, id, 'accepted', undefined, agent1);
    await store.review(c.caseNo, 'shitong-jiaofei', 'missing', '退伍证暂时没找到', agent1);
    const pending = await store.accept(c.caseNo, agent1);
    expect(pending.state).toBe('pending_materials');
    expect(pending.pendingDeadline).toBe(endOfDay('2026-12-02')); // 5 working days
    expect(pending.promisedBy).toBeUndefined();
    expect(await env.redis.zscore('{xw}:cases:pending-due', c.caseNo)).toBe(String(endOfDay('2026-12-02')));

    await expect(store.supplyMissing(c.caseNo, agent1)).rejects.toMatchObject({ code: ErrorCode.InvalidState, message: expect.stringContaining('视同缴费年限证明材料') });
    await expect(store.attachFile(c.caseNo, 'idcard', sha('again'), booth1)).rejects.toMatchObject({ code: ErrorCode.InvalidState });
    await expect(store.review(c.caseNo, 'idcard', 'rescan', '重拍', agent1)).rejects.toMatchObject({ code: ErrorCode.InvalidState });

    clock = bj('2026-11-30T10:00:00'); // the resident comes back on Monday
    await expect(store.attachFile(c.caseNo, 'shitong-jiaofei', sha('tuiwuzheng'), booth2)).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await store.attachFile(c.caseNo, 'shitong-jiaofei', sha('tuiwuzheng'), booth1);
    await store.review(c.caseNo, 'shitong-jiaofei', 'accepted', undefined, agent1);
    const accepted = await store.supplyMissing(c.caseNo, agent1);
    expect(accepted.state).toBe('accepted');
    expect(accepted.acceptedAt).toBe(START);
    expect(accepted.promisedBy).toBe(endOfDay('2026-12-14')); // 10 working days from the day the materials were complete
    expect(await env.redis.zscore('{xw}:cases:pending-due', c.caseNo)).toBeNull();
  });

  it('rejects 容缺 cases whose deadline passed, listing what was never supplied', async () => {
    const c = await underReview(PENSION, ['shitong-jiaofei']);
    for (const id of ['idcard', 'shebaoka', 'shenqingbiao']) await store.review(c.caseNo, id, 'accepted', undefined, agent1);
    await store.accept(c.caseNo, agent1);
    expect(await store.expireOverdue(endOfDay('2026-12-02'))).toEqual([]);
    const [expired] = await store.expireOverdue(endOfDay('2026-12-02') + 1);
    expect(expired).toMatchObject({ caseNo: c.caseNo, state: 'rejected' });
    expect(expired!.rejection!.reasons).toEqual(['视同缴费年限证明材料：容缺材料未在期限内补交', '容缺材料未在承诺期限内补齐']);
    expect((await store.audit(c.caseNo, supervisor)).at(-1)).toMatchObject({ who: 'system:deadline', action: 'expire' });
  });

  it('refuses to accept while a required (not 容缺) material is missing, and rejects listing everything at once', async () => {
    const c = await underReview(PENSION, ['shebaoka']);
    await store.review(c.caseNo, 'idcard', 'rescan', '照片一角被手指挡住', agent1);
    await store.review(c.caseNo, 'shebaoka', 'missing', '社保卡未带', agent1);
    await store.review(c.caseNo, 'shenqingbiao', 'accepted', undefined, agent1);
    await store.review(c.caseNo, 'shitong-jiaofei', 'accepted', undefined, agent1);
    const err = await store.accept(c.caseNo, agent1).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.InvalidState });
    expect((err as Error).message).toContain('居民身份证');
    expect((err as Error).message).toContain('社会保障卡');
    expect((await store.get(c.caseNo, agent1)).state).toBe('under_review');

    await expect(store.reject(c.caseNo, ['   '], agent1)).resolves.toBeTruthy(); // material reasons are enough
    const rejected = await store.get(c.caseNo, agent1);
    expect(rejected.state).toBe('rejected');
    expect(rejected.rejection!.reasons).toEqual(['居民身份证：照片一角被手指挡住', '社会保障卡：社保卡未带']);

    const d = await underReview();
    for (const m of d.materials) await store.review(d.caseNo, m.materialId, 'accepted', undefined, agent1);
    await expect(store.reject(d.caseNo, [], agent1)).rejects.toMatchObject({ code: ErrorCode.BadRequest });
    const r2 = await store.reject(d.caseNo, ['申请人尚未达到退休年龄'], agent1);
    expect(r2.rejection!.reasons).toEqual(['申请人尚未达到退休年龄']);
  });

  it('告知承诺: only for allowed materials, and acceptance needs the signed letter', async () => {
    const p = await create(PENSION);
    await expect(store.signCommitment(p.caseNo, 'shitong-jiaofei', booth1)).rejects.toMatchObject({ code: ErrorCode.InvalidState });

    const c = await underReview(ENDORSE, ['zhuzhi-zhengming']);
    await expect(store.signCommitment(c.caseNo, 'idcard', booth1)).rejects.toMatchObject({ code: ErrorCode.InvalidState });
    const signed = await store.signCommitment(c.caseNo, 'zhuzhi-zhengming', booth1);
    expect(signed.materials.find((m) => m.materialId === 'zhuzhi-zhengming')!.verdict).toBe('committed');
    expect(signed.commitment).toMatchObject({ signedAt: START, materialIds: ['zhuzhi-zhengming'], text: expect.stringContaining('居住地证明') });
    await expect(store.attachFile(c.caseNo, 'zhuzhi-zhengming', sha('lease'), booth1)).rejects.toMatchObject({ code: ErrorCode.InvalidState });
    for (const id of ['juzhuzheng', 'idcard', 'jiuye-zhengming']) await store.review(c.caseNo, id, 'accepted', undefined, agent1);
    await expect(store.accept(c.caseNo, agent1)).rejects.toMatchObject({ code: ErrorCode.InvalidState, message: expect.stringContaining('告知承诺书') });
    await expect(store.addSignature(c.caseNo, { purpose: 'commitment', sha256: 'x', documentSha256: sha('letter') }, booth1)).rejects.toMatchObject({ code: ErrorCode.BadRequest });
    const withSig = await store.addSignature(c.caseNo, { purpose: 'commitment', sha256: sha('sig.png'), documentSha256: sha('letter.pdf') }, booth1);
    expect(withSig.signatures).toEqual([{ purpose: 'commitment', sha256: sha('sig.png'), documentSha256: sha('letter.pdf'), at: START, by: 'booth:b1' }]);
    const accepted = await store.accept(c.caseNo, agent1);
    expect(accepted.state).toBe('accepted');
    expect(accepted.promisedBy).toBe(endOfDay('2026-11-30')); // 3 working days: Thu, Fri, Mon
  });

  it("gives NOT_FOUND (never FORBIDDEN) for another booth's or agent's case", async () => {
    const c = await create();
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['get', () => store.get(c.caseNo, booth2)],
      ['audit', () => store.audit(c.caseNo, booth2)],
      ['attach', () => store.attachFile(c.caseNo, 'idcard', sha('x'), booth2)],
      ['delivery', () => store.setDelivery(c.caseNo, { mode: 'electronic' }, booth2)],
      ['submit', () => store.submit(c.caseNo, booth2)],
      ['withdraw', () => store.withdraw(c.caseNo, booth2)],
      ['review', () => store.review(c.caseNo, 'idcard', 'accepted', undefined, booth2)], // wrong role AND not its case: still NOT_FOUND
      ['agent', () => store.get(c.caseNo, agent2)],
      ['interpreter', () => store.get(c.caseNo, interpreter)],
      ['unknown', () => store.get('2026112511010599999', booth1)],
      ['garbage', () => store.get('../../etc', booth1)],
    ];
    for (const [, call] of calls) await expect(call()).rejects.toMatchObject({ code: ErrorCode.NotFound, message: 'no such case' });
    expect(await store.listForBooth('b2')).toEqual([]);
    expect((await store.listForBooth('b1')).map((x) => x.caseNo)).toEqual([c.caseNo]);
    expect((await store.listForAgent('a1')).map((x) => x.caseNo)).toEqual([c.caseNo]);
    // The booth's own case, an operation its role may not do: FORBIDDEN.
    await expect(store.review(c.caseNo, 'idcard', 'accepted', undefined, booth1)).rejects.toMatchObject({ code: ErrorCode.Forbidden });
    // Listed interpreters reach it; a transfer moves the agent's reach and index.
    await store.assign(c.caseNo, { interpreterIds: ['i1'] }, booth1);
    expect((await store.get(c.caseNo, interpreter)).caseNo).toBe(c.caseNo);
    await store.assign(c.caseNo, { agentId: 'a2' }, agent1);
    await expect(store.get(c.caseNo, agent1)).rejects.toMatchObject({ code: ErrorCode.NotFound });
    expect((await store.get(c.caseNo, agent2)).agentId).toBe('a2');
    expect(await store.listForAgent('a1')).toEqual([]);
    expect((await store.listForAgent('a2')).map((x) => x.caseNo)).toEqual([c.caseNo]);
  });

  it('masks the identity for all but the assigned agent and supervisors, and the phone for all but staff', async () => {
    const c = await create();
    await store.setDelivery(c.caseNo, { mode: 'mail', address: '北京市朝阳区和平里街道示例社区 1 号' }, booth1);
    const full = await store.get(c.caseNo, supervisor);

    const forBooth = store.view(full, booth1);
    expect(forBooth.masked).toBe(true);
    expect(forBooth.applicant).toEqual({ name: '张**', idNumber: '110105********002X', sex: '男', ethnicity: '汉' });
    expect(forBooth.phone).toBe('138****0000');
    expect(forBooth.delivery).toEqual({ mode: 'mail', address: '北京市朝阳区****' });
    expect(JSON.stringify(forBooth)).not.toContain('19491231');
    expect(JSON.stringify(forBooth)).not.toContain('和平里街道');

    const forAgent = store.view(full, agent1);
    expect(forAgent.masked).toBe(false);
    expect(forAgent.applicant).toEqual(APPLICANT);
    expect(forAgent.phone).toBe('13812340000');
    expect(forAgent.delivery!.address).toBe('北京市朝阳区和平里街道示例社区 1 号');

    const forOtherAgent = store.view(full, agent2);
    expect(forOtherAgent.applicant.idNumber).toBe('110105********002X');
    expect(forOtherAgent.phone).toBe('13812340000');

    expect(store.view(full, supervisor).applicant.idNumber).toBe(APPLICANT.idNumber);
    const forInterpreter = store.view(full, interpreter);
    expect([forInterpreter.applicant.name, forInterpreter.phone]).toEqual(['张**', '138****0000']);
    // The stored record is untouched by viewing.
    expect(full.applicant.idNumber).toBe(APPLICANT.idNumber);
  });

  it('keeps an append-only audit trail with one entry per change and no personal data', async () => {
    const c = await underReview();
    const before = await store.audit(c.caseNo, booth1);
    for (const m of c.materials) await store.review(c.caseNo, m.materialId, 'accepted', undefined, agent1);
    await store.accept(c.caseNo, agent1);
    const after = await store.audit(c.caseNo, agent1);
    const final = await store.get(c.caseNo, agent1);

    expect(after.slice(0, before.length)).toEqual(before); // earlier entries never change
    expect(after.length).toBe(final.version); // every saved version has exactly one entry
    expect(after.map((e) => e.action)).toEqual(['create', 'attach', 'attach', 'attach', 'attach', 'delivery', 'submit', 'start_review', 'review', 'review', 'review', 'review', 'accept']);
    expect(after.map((e) => e.who)).toEqual([...Array(7).fill('booth:b1'), ...Array(6).fill('agent:a1')]);
    const ids = after.map((e) => e.id.split('-').map(Number) as [number, number]);
    for (let i = 1; i < ids.length; i++) expect(ids[i]![0] > ids[i - 1]![0] || (ids[i]![0] === ids[i - 1]![0] && ids[i]![1] > ids[i - 1]![1])).toBe(true);
    expect(after[1]).toMatchObject({ at: START, detail: { materialId: 'idcard', sha256: sha(`${c.caseNo}/idcard`), previousVerdict: 'pending' } });
    expect(after.at(-1)).toMatchObject({ action: 'accept', detail: { from: 'under_review', to: 'accepted', promisedBy: endOfDay('2026-12-09') } });
    const text = JSON.stringify(after);
    expect(text).not.toContain(APPLICANT.idNumber);
    expect(text).not.toContain(APPLICANT.name);
    expect(text).not.toContain('13812340000');
    await expect(store.audit(c.caseNo, booth2)).rejects.toMatchObject({ code: ErrorCode.NotFound });
  });

  it('looks up progress by case number and the ID number’s last 4, rate limited per case and per caller', async () => {
    const c = await underReview();
    for (const m of c.materials) await store.review(c.caseNo, m.materialId, 'accepted', undefined, agent1);
    await store.accept(c.caseNo, agent1);

    const ok = await store.lookup(c.caseNo, '002x', 'booth:b7');
    expect(ok).toEqual({
      caseNo: c.caseNo,
      matterName: PENSION.name,
      state: 'accepted',
      stateLabel: '已受理',
      promisedBy: endOfDay('2026-12-09'),
      history: ['填写中', '已提交', '审核中', '已受理'].map((label) => ({ at: START, label })),
    });
    expect(JSON.stringify(ok)).not.toMatch(/张|1101051949|002X|b1|a1/);

    // 5 wrong tries on this case number, then even the right answer is refused for 10 minutes, from any booth.
    for (let i = 0; i < 5; i++) await expect(store.lookup(c.caseNo, '1234', 'booth:b7')).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await expect(store.lookup(c.caseNo, '002X', 'booth:b7')).rejects.toMatchObject({ code: ErrorCode.RateLimited });
    await expect(store.lookup(c.caseNo, '002X', 'ip:10.1.2.3')).rejects.toMatchObject({ code: ErrorCode.RateLimited });
    const pttl = await env.redis.pttl(`{xw}:case:lookup:case:${c.caseNo}`);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(10 * 60_000);

    // 20 wrong tries from one caller over many case numbers (unknown ones look the same as wrong ones), then it is stopped.
    const d = await create();
    for (let i = 0; i < 20; i++) {
      await expect(store.lookup(`20261125110105${String(90000 + i)}`, '0000', 'ip:10.9.9.9')).rejects.toMatchObject({ code: ErrorCode.NotFound });
    }
    await expect(store.lookup(d.caseNo, '002X', 'ip:10.9.9.9')).rejects.toMatchObject({ code: ErrorCode.RateLimited });
    expect((await store.lookup(d.caseNo, '002X', 'ip:10.9.9.8')).stateLabel).toBe('填写中');
    // Right answers do not use up the allowance.
    for (let i = 0; i < 8; i++) await store.lookup(d.caseNo, '002X', 'ip:10.9.9.7');
    await expect(store.lookup(d.caseNo, '002X', 'ip:10.9.9.7')).resolves.toMatchObject({ caseNo: d.caseNo });
  });

  it('keeps both of two concurrent reviews made on two nodes, and every one of many concurrent attachments', async () => {
    const connB = env.redis.duplicate();
    const nodeB = new CaseStore(connB, { now: () => clock });
    const c = await underReview();
    const [a, b] = await Promise.all([
      store.review(c.caseNo, 'idcard', 'accepted', undefined, agent1),
      nodeB.review(c.caseNo, 'shebaoka', 'rescan', '卡号反光', agent1),
    ]);
    expect(Math.abs(a.version - b.version)).toBe(1);
    const now = await store.get(c.caseNo, agent1);
    expect(now.materials.map((m) => m.verdict)).toEqual(['accepted', 'rescan', 'pending', 'pending']);
    expect(now.version).toBe(c.version + 2);

    // 24 attachments at once, alternating nodes, onto two materials: none is lost.
    const files = Array.from({ length: 24 }, (_, i) => sha(`page-${i}`));
    await Promise.all(files.map((f, i) => (i % 2 ? nodeB : store).attachFile(c.caseNo, i % 3 ? 'shenqingbiao' : 'shitong-jiaofei', f, booth1)));
    const after = await nodeB.get(c.caseNo, booth1);
    const stored = [...after.materials[2]!.files, ...after.materials[3]!.files];
    expect(stored.sort()).toEqual([...files, ...now.materials[2]!.files, ...now.materials[3]!.files].sort());
    expect(after.version).toBe(now.version + 24);
    expect((await store.audit(c.caseNo, agent1)).length).toBe(after.version);
    await connB.quit();
  });
});
