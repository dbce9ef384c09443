/**
 * Cases (办件) in Redis, shared by every sfu node.
 *
 * Storage (all keys under the `{xw}:` hash tag, so scripts stay on one slot):
 *   case:<caseNo>            hash { v: version, json: Case }
 *   case:<caseNo>:audit      stream, one entry per change { at, who, action, detail(JSON) } — append-only
 *   case:seq:<district>:<YYYYMMDD>  daily sequence of case numbers (INCR, expires after 3 days)
 *   cases:booth:<boothId>    zset caseNo by createdAt
 *   cases:agent:<agentId>    zset caseNo by createdAt (the assigned agent)
 *   cases:pending-due        zset caseNo by pendingDeadline (pending_materials only)
 *   case:lookup:case:<no> / case:lookup:key:<key>   progress look-up attempt counters (10-minute windows)
 *
 * Every change is read → checked → mutated in memory → saved by one Lua
 * script that compares the version, writes the JSON, appends the audit entry
 * and updates the indexes atomically. A version mismatch (another node saved
 * first) re-reads and re-applies the change, so concurrent edits of different
 * materials are all kept and a rule is always checked against the latest state.
 *
 * Ownership: a booth reaches only its own cases, an agent only cases assigned
 * to it, an interpreter only cases listing it, supervisors every case. A case
 * out of reach is NOT_FOUND (never FORBIDDEN, which would reveal it exists);
 * a reachable case with an operation the role may not do is FORBIDDEN.
 *
 * Methods return the full Case (the PDFs need it); callers send
 * `view(case, principal)` over the wire.
 */
import type { Redis } from 'ioredis';
import { AppError, ErrorCode, Identity, assertCaseTransition, isFinal, type CaseState, type Role } from '@xiaowu/shared';
import { DeliveryModes, type Matter } from '@xiaowu/shared/catalog';
import type { Principal } from '../auth/tokens';
import {
  CASE_NO,
  ReviewVerdicts,
  SHA256_HEX,
  SignaturePurposes,
  VERDICT_LABELS,
  addWorkingDays,
  beijingDateCompact,
  blockingMaterials,
  commitmentText,
  isDone,
  stateLabel,
  viewCase,
  type AuditEntry,
  type Case,
  type CaseDelivery,
  type CaseMaterial,
  type CaseView,
  type ReviewVerdict,
  type SignaturePurpose,
  type WorkCalendar,
} from './case-model';

export * from './case-model';

export interface CaseStoreOptions {
  prefix?: string;
  /** 6-digit administrative division code in case numbers (朝阳区 110105). */
  districtCode?: string;
  /** Working days for 容缺 materials to be supplied, unless accept() says otherwise. */
  pendingDays?: number;
  /** Holidays / adjusted working days for deadlines. */
  calendar?: WorkCalendar;
  /** When given, attachFile and addSignature refuse hashes that are not stored files (pass `Uploads`). */
  files?: { fileInfo(sha256: string): Promise<unknown> };
  /** Clock (tests). */
  now?: () => number;
  /** After every saved change (creation included): e.g. tell the case's booth and agent to refresh. */
  onSaved?: (c: Case, action: string) => void;
}

export interface CreateCaseInput {
  matter: Matter;
  catalogVersion: number;
  boothId: string;
  agentId?: string;
  sessionId?: string;
  applicant: Identity;
  phone?: string;
}

export interface ProgressLookup {
  caseNo: string;
  matterName: string;
  state: CaseState;
  stateLabel: string;
  /** State changes, oldest first; no personal data. */
  history: Array<{ at: number; label: string }>;
  /** completed, not yet rated at completion: the 6-digit code to rate it (一事多评). */
  rateCode?: string;
  /** pending_materials: last day to supply the missing materials. */
  pendingDeadline?: number;
  /** accepted / completed: promised completion day. */
  promisedBy?: number;
}

export const LOOKUP_LIMITS = { perCase: 5, perKey: 20, windowMs: 10 * 60_000 };

const MAX_FILES_PER_MATERIAL = 30;
const MAX_SIGNATURES = 30;
const MAX_RETRIES = 25;
const ID = /^[A-Za-z0-9_.:@-]{1,64}$/;
const PHONE = /^1\d{10}$/;

/**
 * KEYS: case hash, audit stream, then one key per index op.
 * ARGV: expected version ('' = must not exist), new version, json, at, who, action, detail, n ops, then (op, score, member) × n.
 */
const SAVE = `
local v = redis.call('HGET', KEYS[1], 'v') or ''
if v ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'json', ARGV[3])
redis.call('XADD', KEYS[2], '*', 'at', ARGV[4], 'who', ARGV[5], 'action', ARGV[6], 'detail', ARGV[7])
local n = tonumber(ARGV[8])
for i = 0, n - 1 do
  local op, score, member = ARGV[9 + i * 3], ARGV[10 + i * 3], ARGV[11 + i * 3]
  if op == 'add' then redis.call('ZADD', KEYS[3 + i], score, member) else redis.call('ZREM', KEYS[3 + i], member) end
end
return 1`;

/** Counts one look-up attempt in both windows; returns both counts. */
const COUNT_ATTEMPT = `
local a = redis.call('INCR', KEYS[1])
if a == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local b = redis.call('INCR', KEYS[2])
if b == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[1]) end
return {a, b}`;

interface Actor {
  who: string;
  principal?: Principal;
}

type Mutation = (c: Case, now: number) => { action: string; detail: Record<string, unknown> };

const bad = (msg: string) => new AppError(ErrorCode.BadRequest, msg);
const invalid = (msg: string) => new AppError(ErrorCode.InvalidState, msg);
const notFound = () => new AppError(ErrorCode.NotFound, 'no such case');

export class CaseStore {
  private readonly prefix: string;
  private readonly districtCode: string;
  private readonly pendingDays: number;
  private readonly calendar: WorkCalendar;
  private readonly files?: CaseStoreOptions['files'];
  private readonly now: () => number;
  private readonly onSaved?: CaseStoreOptions['onSaved'];

  constructor(
    private readonly redis: Redis,
    opts: CaseStoreOptions = {},
  ) {
    this.prefix = opts.prefix ?? '{xw}:';
    this.districtCode = opts.districtCode ?? '110105';
    if (!/^\d{6}$/.test(this.districtCode)) throw new Error('districtCode must be 6 digits');
    this.pendingDays = opts.pendingDays ?? 5;
    this.calendar = opts.calendar ?? {};
    this.files = opts.files;
    this.now = opts.now ?? Date.now;
    this.onSaved = opts.onSaved;
  }

  private k(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }

  private caseKey(caseNo: string) {
    return this.k('case', caseNo);
  }

  private auditKey(caseNo: string) {
    return this.k('case', caseNo, 'audit');
  }

  // ------------------------------------------------------------- creating

  /** A new case in 'draft', one material entry per material of the matter (catalog version kept). */
  async create(input: CreateCaseInput, by: Principal): Promise<Case> {
    const { matter } = input;
    if (!ID.test(input.boothId)) throw bad('bad booth id');
    if (input.agentId !== undefined && !ID.test(input.agentId)) throw bad('bad agent id');
    if (input.sessionId !== undefined && !ID.test(input.sessionId)) throw bad('bad session id');
    if (!Number.isInteger(input.catalogVersion) || input.catalogVersion < 1) throw bad('bad catalog version');
    const applicant = Identity.safeParse(input.applicant);
    if (!applicant.success) throw bad(`applicant: ${applicant.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    if (input.phone !== undefined && !PHONE.test(input.phone)) throw bad('phone: 11 digits starting with 1');
    let agentId = input.agentId;
    switch (by.role) {
      case 'booth':
        if (input.boothId !== by.userId) throw new AppError(ErrorCode.Forbidden, 'a booth creates cases for itself only');
        break;
      case 'agent':
        agentId ??= by.userId;
        if (agentId !== by.userId) throw new AppError(ErrorCode.Forbidden, 'an agent creates cases assigned to itself only');
        break;
      case 'supervisor':
        break;
      default:
        throw new AppError(ErrorCode.Forbidden, `${by.role} cannot create cases`);
    }

    for (let attempt = 0; attempt < 3; attempt++) {
      const now = this.now();
      const caseNo = await this.nextCaseNo(now);
      const c: Case = {
        caseNo,
        version: 1,
        state: 'draft',
        matterId: matter.id,
        matterCode: matter.code,
        matterName: matter.name,
        catalogVersion: input.catalogVersion,
        skill: matter.skill,
        terms: { legalDays: matter.legalDays, promisedDays: matter.promisedDays, delivery: [...matter.delivery], allowsCommitment: matter.allowsCommitment },
        boothId: input.boothId,
        applicant: applicant.data,
        materials: matter.materials.map(
          (m): CaseMaterial => ({
            materialId: m.id,
            name: m.name,
            form: m.form,
            count: m.count,
            mayBeMissing: m.mayBeMissing,
            commitmentAllowed: m.commitmentAllowed && matter.allowsCommitment,
            files: [],
            verdict: 'pending',
          }),
        ),
        signatures: [],
        createdAt: now,
        updatedAt: now,
      };
      if (agentId !== undefined) c.agentId = agentId;
      if (input.sessionId !== undefined) c.sessionId = input.sessionId;
      if (input.phone !== undefined) c.phone = input.phone;
      const detail = { to: 'draft', matterId: matter.id, catalogVersion: input.catalogVersion, boothId: c.boothId, agentId: c.agentId ?? null };
      if (await this.save(undefined, c, { at: now, who: whoOf(by), action: 'create', detail })) return c;
    }
    throw new AppError(ErrorCode.Internal, 'could not allocate a case number');
  }

  /** `${YYYYMMDD}${district}${seq:5}`: the sequence is one INCR per Beijing day, shared by every node. */
  private async nextCaseNo(now: number): Promise<string> {
    const day = beijingDateCompact(now);
    const key = this.k('case', 'seq', this.districtCode, day);
    const res = await this.redis.multi().incr(key).expire(key, 3 * 86_400).exec();
    const seq = Number(res?.[0]?.[1]);
    if (!Number.isInteger(seq) || seq < 1) throw new AppError(ErrorCode.Internal, 'case sequence failed');
    if (seq > 99_999) throw new AppError(ErrorCode.Internal, 'more than 99999 cases today');
    return `${day}${this.districtCode}${String(seq).padStart(5, '0')}`;
  }

  // -------------------------------------------------------------- reading

  private async load(caseNo: string): Promise<Case | undefined> {
    if (typeof caseNo !== 'string' || !CASE_NO.test(caseNo)) return undefined;
    const raw = await this.redis.hget(this.caseKey(caseNo), 'json');
    return raw ? (JSON.parse(raw) as Case) : undefined;
  }

  /** The case if `by` may reach it (see the file comment), else NOT_FOUND. */
  async get(caseNo: string, by: Principal): Promise<Case> {
    const c = await this.load(caseNo);
    if (!c || !reaches(c, by)) throw notFound();
    return c;
  }

  /** What `viewer` may see (masked identity / phone; see viewCase). */
  view(c: Case, viewer: Principal): CaseView {
    return viewCase(c, viewer);
  }

  /** The booth's cases, newest first. The caller passes the booth's own id (from its token). */
  /** The session a case was opened in (no access check: callers have proved their right to the case). */
  async sessionOf(caseNo: string): Promise<string | undefined> {
    return (await this.load(caseNo))?.sessionId;
  }

  /** Every case created in [from, to) (the supervisors' figures), oldest first. */
  async createdBetween(from: number, to: number): Promise<Case[]> {
    const nos = await this.redis.zrangebyscore(this.k('cases', 'all'), from, `(${to}`);
    const out: Case[] = [];
    for (let i = 0; i < nos.length; i += 500) {
      const pipe = this.redis.pipeline();
      for (const no of nos.slice(i, i + 500)) pipe.hget(this.caseKey(no), 'json');
      for (const [, r] of (await pipe.exec()) ?? []) if (typeof r === 'string') out.push(JSON.parse(r) as Case);
    }
    return out;
  }

  async listForBooth(boothId: string, limit = 50): Promise<Case[]> {
    return this.list(this.k('cases', 'booth', boothId), limit);
  }

  /** Cases assigned to an agent, newest first. */
  async listForAgent(agentId: string, limit = 50): Promise<Case[]> {
    return this.list(this.k('cases', 'agent', agentId), limit);
  }

  private async list(key: string, limit: number): Promise<Case[]> {
    const ids = await this.redis.zrevrange(key, 0, Math.max(0, Math.min(limit, 500) - 1));
    const all = await Promise.all(ids.map((id) => this.load(id)));
    return all.filter((c): c is Case => !!c);
  }

  /** The audit trail, oldest first. */
  async audit(caseNo: string, by: Principal): Promise<AuditEntry[]> {
    await this.get(caseNo, by);
    return this.readAudit(caseNo);
  }

  private async readAudit(caseNo: string): Promise<AuditEntry[]> {
    const entries = await this.redis.xrange(this.auditKey(caseNo), '-', '+');
    return entries.map(([id, fields]) => {
      const f: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
      return { id, at: Number(f.at), who: f.who ?? '', action: f.action ?? '', detail: f.detail ? (JSON.parse(f.detail) as Record<string, unknown>) : {} };
    });
  }

  // ------------------------------------------------------------ changing

  /**
   * Supervisor: any field in any non-final state. Assigned agent: transfer or
   * add a session / interpreters in a non-final state. Owning booth: while the
   * case is draft or submitted (the agent who answered its call).
   */
  async assign(caseNo: string, patch: { agentId?: string; sessionId?: string; interpreterIds?: string[] }, by: Principal): Promise<Case> {
    if (patch.agentId !== undefined && !ID.test(patch.agentId)) throw bad('bad agent id');
    if (patch.sessionId !== undefined && !ID.test(patch.sessionId)) throw bad('bad session id');
    if (patch.interpreterIds !== undefined && (patch.interpreterIds.length > 5 || !patch.interpreterIds.every((i) => ID.test(i)))) throw bad('bad interpreter ids');
    return this.update(caseNo, by, ['supervisor', 'agent', 'booth'], (c) => {
      if (isFinal(c.state)) throw invalid(`the case is ${c.state}`);
      if (by.role === 'booth' && c.state !== 'draft' && c.state !== 'submitted') throw invalid('the booth can assign only before review starts');
      const detail: Record<string, unknown> = {};
      if (patch.agentId !== undefined) {
        detail.agentId = { from: c.agentId ?? null, to: patch.agentId };
        c.agentId = patch.agentId;
      }
      if (patch.sessionId !== undefined) c.sessionId = detail.sessionId = patch.sessionId;
      if (patch.interpreterIds !== undefined) {
        c.interpreterIds = [...new Set(patch.interpreterIds)];
        detail.interpreterIds = c.interpreterIds;
      }
      return { action: 'assign', detail };
    });
  }

  /**
   * A scanned file for a material (booth or agent); the material goes back to
   * 'pending' review. After a 'rescan' verdict the new file replaces the old
   * ones (they stay in the audit trail). In pending_materials only the missing
   * 容缺 materials take files.
   */
  async attachFile(caseNo: string, materialId: string, sha256: string, by: Principal): Promise<Case> {
    if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256)) throw bad('sha256 must be 64 lowercase hex digits');
    if (this.files && !(await this.files.fileInfo(sha256))) throw bad('no stored file with this sha256');
    return this.update(caseNo, by, ['booth', 'agent'], (c) => {
      if (!['draft', 'submitted', 'under_review', 'pending_materials'].includes(c.state)) throw invalid(`no files can be added to a case that is ${c.state}`);
      const m = material(c, materialId);
      if (m.verdict === 'committed') throw invalid(`${m.name} is covered by the signed commitment`);
      if (c.state === 'pending_materials' && (!m.mayBeMissing || isDone(m))) throw invalid(`${m.name} is not a missing material of this case`);
      const replaced = m.verdict === 'rescan' ? m.files : [];
      if (m.verdict === 'rescan') m.files = [];
      if (!m.files.includes(sha256)) {
        if (m.files.length >= MAX_FILES_PER_MATERIAL) throw bad(`at most ${MAX_FILES_PER_MATERIAL} files per material`);
        m.files.push(sha256);
      }
      const previous = m.verdict;
      resetReview(m);
      return { action: 'attach', detail: { materialId, sha256, previousVerdict: previous, ...(replaced.length ? { replaced } : {}) } };
    });
  }

  /** The agent's verdict on one material; rescan / missing need a reason (≤ 200 characters) the resident will read. */
  async review(caseNo: string, materialId: string, verdict: ReviewVerdict, reason: string | undefined, by: Principal): Promise<Case> {
    if (!(ReviewVerdicts as readonly string[]).includes(verdict)) throw bad(`verdict must be one of ${ReviewVerdicts.join(', ')}`);
    const why = reason?.trim() || undefined;
    if (why !== undefined && why.length > 200) throw bad('the reason is at most 200 characters');
    if (verdict !== 'accepted' && !why) throw bad(`a ${verdict} verdict needs a reason for the resident`);
    return this.update(caseNo, by, ['agent'], (c, now) => {
      if (c.state !== 'under_review' && c.state !== 'pending_materials') throw invalid(`materials are reviewed under review or while pending, not when ${c.state}`);
      const m = material(c, materialId);
      if (m.verdict === 'committed') throw invalid(`${m.name} is covered by the signed commitment`);
      if (c.state === 'pending_materials' && !m.mayBeMissing) throw invalid(`${m.name} was already accepted`);
      const previous = m.verdict;
      m.verdict = verdict;
      if (why) m.reason = why;
      else delete m.reason;
      m.reviewedBy = whoOf(by);
      m.reviewedAt = now;
      return { action: 'review', detail: { materialId, verdict, previousVerdict: previous, ...(why ? { reason: why } : {}) } };
    });
  }

  /** How the result reaches the resident: one of the matter's modes; 'mail' needs an address. */
  async setDelivery(caseNo: string, delivery: CaseDelivery, by: Principal): Promise<Case> {
    if (!(DeliveryModes as readonly string[]).includes(delivery?.mode)) throw bad(`delivery mode must be one of ${DeliveryModes.join(', ')}`);
    const address = delivery.address?.trim();
    if (delivery.mode === 'mail' && (!address || address.length < 5 || address.length > 120)) throw bad('mail delivery needs an address (5 to 120 characters)');
    return this.update(caseNo, by, ['booth', 'agent'], (c) => {
      if (!['draft', 'submitted', 'under_review'].includes(c.state)) throw invalid(`delivery cannot change when the case is ${c.state}`);
      if (!c.terms.delivery.includes(delivery.mode)) throw bad(`this matter is delivered by ${c.terms.delivery.join(' / ')}`);
      c.delivery = delivery.mode === 'mail' ? { mode: 'mail', address: address! } : { mode: delivery.mode };
      // The address is personal data: the audit keeps only the mode.
      return { action: 'delivery', detail: { mode: delivery.mode } };
    });
  }

  /** Records a handwritten signature (PNG, stored file) over a document (its SHA-256). */
  async addSignature(caseNo: string, sig: { purpose: SignaturePurpose; sha256: string; documentSha256: string }, by: Principal): Promise<Case> {
    if (!(SignaturePurposes as readonly string[]).includes(sig?.purpose)) throw bad(`purpose must be one of ${SignaturePurposes.join(', ')}`);
    if (!SHA256_HEX.test(sig.sha256) || !SHA256_HEX.test(sig.documentSha256)) throw bad('sha256 and documentSha256 must be 64 lowercase hex digits');
    if (this.files && !(await this.files.fileInfo(sig.sha256))) throw bad('no stored file with this sha256');
    return this.update(caseNo, by, ['booth', 'agent'], (c, now) => {
      if (c.state === 'completed' || c.state === 'withdrawn') throw invalid(`nothing can be signed on a case that is ${c.state}`);
      if (c.signatures.length >= MAX_SIGNATURES) throw bad('too many signatures');
      c.signatures.push({ purpose: sig.purpose, sha256: sig.sha256, documentSha256: sig.documentSha256, at: now, by: whoOf(by) });
      return { action: 'signature', detail: { purpose: sig.purpose, sha256: sig.sha256, documentSha256: sig.documentSha256 } };
    });
  }

  /**
   * 告知承诺: the resident commits instead of supplying the material (only for
   * commitmentAllowed materials of a matter that allows it). The material
   * becomes 'committed'; the case's commitment text covers every committed
   * material. The signed letter itself is recorded with addSignature('commitment').
   */
  async signCommitment(caseNo: string, materialId: string, by: Principal): Promise<Case> {
    return this.update(caseNo, by, ['booth', 'agent'], (c, now) => {
      if (!['draft', 'submitted', 'under_review'].includes(c.state)) throw invalid(`no commitment can be signed when the case is ${c.state}`);
      const m = material(c, materialId);
      if (!c.terms.allowsCommitment) throw invalid('this matter does not accept 告知承诺');
      if (!m.commitmentAllowed) throw invalid(`${m.name} cannot be replaced by a commitment`);
      const previous = m.verdict;
      m.verdict = 'committed';
      delete m.reason;
      delete m.reviewedBy;
      delete m.reviewedAt;
      const committed = c.materials.filter((x) => x.verdict === 'committed');
      c.commitment = { text: commitmentText(c.matterName, committed.map((x) => x.name)), signedAt: now, materialIds: committed.map((x) => x.materialId) };
      return { action: 'commitment', detail: { materialId, previousVerdict: previous } };
    });
  }

  /** draft → submitted: needs the applicant's identity and a delivery mode. */
  async submit(caseNo: string, by: Principal): Promise<Case> {
    return this.update(caseNo, by, ['booth', 'agent'], (c) => {
      assertCaseTransition(c.state, 'submitted');
      const lacks: string[] = [];
      if (!Identity.safeParse(c.applicant).success) lacks.push('申请人身份信息 (applicant)');
      if (!c.delivery) lacks.push('送达方式 (delivery)');
      if (lacks.length) throw invalid(`cannot submit: missing ${lacks.join(', ')}`);
      return transition(c, 'submitted', 'submit');
    });
  }

  /** submitted → under_review (the assigned agent). */
  async startReview(caseNo: string, by: Principal): Promise<Case> {
    return this.update(caseNo, by, ['agent'], (c) => {
      assertCaseTransition(c.state, 'under_review');
      return transition(c, 'under_review', 'start_review');
    });
  }

  /**
   * 受理. Every material accepted or committed → 'accepted' with promisedBy
   * (promisedDays working days). Only 容缺 (mayBeMissing) materials left →
   * 'pending_materials' with pendingDeadline (pendingDays working days,
   * default 5); the promised date is set once they are supplied. Anything
   * else → INVALID_STATE naming every blocking material. Committed materials
   * need a recorded 'commitment' signature.
   */
  async accept(caseNo: string, by: Principal, opts: { pendingDays?: number } = {}): Promise<Case> {
    const pendingDays = opts.pendingDays ?? this.pendingDays;
    if (!Number.isInteger(pendingDays) || pendingDays < 1 || pendingDays > 60) throw bad('pendingDays: 1 to 60 working days');
    return this.update(caseNo, by, ['agent'], (c, now) => {
      if (c.state !== 'under_review') {
        assertCaseTransition(c.state, 'accepted');
        throw invalid('a pending case is accepted with supplyMissing once the missing materials are in');
      }
      const blockers = c.materials.filter((m) => !isDone(m) && !m.mayBeMissing);
      const lacks = blockers.map((m) => `${m.name} (${m.materialId}): ${VERDICT_LABELS[m.verdict]}${m.reason ? ` — ${m.reason}` : ''}`);
      // The signature must cover the letter as it stands: committing another material afterwards needs a new one.
      if (c.materials.some((m) => m.verdict === 'committed') && !c.signatures.some((s) => s.purpose === 'commitment' && s.at >= (c.commitment?.signedAt ?? 0))) {
        lacks.push('告知承诺书 not signed since its last change (no commitment signature)');
      }
      if (lacks.length) throw invalid(`cannot accept: ${lacks.join('; ')}`);
      const missing = c.materials.filter((m) => !isDone(m));
      c.acceptedAt = now;
      if (missing.length) {
        c.pendingDeadline = addWorkingDays(now, pendingDays, this.calendar);
        const d = transition(c, 'pending_materials', 'accept_pending');
        return { ...d, detail: { ...d.detail, missing: missing.map((m) => m.materialId), pendingDeadline: c.pendingDeadline } };
      }
      c.promisedBy = addWorkingDays(now, c.terms.promisedDays, this.calendar);
      const d = transition(c, 'accepted', 'accept');
      return { ...d, detail: { ...d.detail, promisedBy: c.promisedBy } };
    });
  }

  /** pending_materials → accepted once every 容缺 material is accepted; the promised date counts from now. */
  async supplyMissing(caseNo: string, by: Principal): Promise<Case> {
    return this.update(caseNo, by, ['agent'], (c, now) => {
      if (c.state !== 'pending_materials') throw invalid(`the case is ${c.state}, not waiting for materials`);
      const still = c.materials.filter((m) => !isDone(m));
      if (still.length) throw invalid(`still missing: ${still.map((m) => `${m.name} (${m.materialId}): ${VERDICT_LABELS[m.verdict]}`).join('; ')}`);
      c.promisedBy = addWorkingDays(now, c.terms.promisedDays, this.calendar);
      const d = transition(c, 'accepted', 'supply_missing');
      return { ...d, detail: { ...d.detail, promisedBy: c.promisedBy } };
    });
  }

  /**
   * 不予受理 / 补正: the reasons list every blocking material (rescan / missing
   * with the agent's reason, required materials never supplied) followed by
   * the agent's free-text reasons; together they must not be empty.
   */
  async reject(caseNo: string, reasons: string[], by: Principal): Promise<Case> {
    if (!Array.isArray(reasons) || reasons.length > 20) throw bad('reasons: at most 20');
    const notes = reasons.map((r) => (typeof r === 'string' ? r.trim() : '')).filter((r) => r.length > 0);
    if (notes.some((r) => r.length > 500)) throw bad('a reason is at most 500 characters');
    return this.update(caseNo, by, ['agent'], (c, now) => rejectCase(c, notes, now, 'reject'));
  }

  /** accepted → completed (the assigned agent or a supervisor). */
  async complete(caseNo: string, by: Principal): Promise<Case> {
    return this.update(caseNo, by, ['agent', 'supervisor'], (c, now) => {
      assertCaseTransition(c.state, 'completed');
      c.completedAt = now;
      return transition(c, 'completed', 'complete');
    });
  }

  /** Any non-final state → withdrawn, at the resident's request (booth) or by the agent. */
  async withdraw(caseNo: string, by: Principal, reason?: string): Promise<Case> {
    const why = reason?.trim() || undefined;
    if (why && why.length > 200) throw bad('the reason is at most 200 characters');
    return this.update(caseNo, by, ['booth', 'agent', 'supervisor'], (c, now) => {
      assertCaseTransition(c.state, 'withdrawn');
      c.withdrawnAt = now;
      const d = transition(c, 'withdrawn', 'withdraw');
      return why ? { ...d, detail: { ...d.detail, reason: why } } : d;
    });
  }

  /** pending_materials past their deadline → rejected, listing what was never supplied. Run periodically. */
  /**
   * An interpreter joined the session of the booth's open cases (system, from
   * the call service): the case notes who was present (audited). Returns the
   * case numbers changed. Final cases are left as they are.
   */
  async noteInterpreter(boothId: string, sessionId: string, interpreterId: string): Promise<string[]> {
    if (!ID.test(interpreterId)) throw bad('bad interpreter id');
    const changed: string[] = [];
    for (const c of await this.listForBooth(boothId, 10)) {
      if (c.sessionId !== sessionId || isFinal(c.state) || c.interpreterIds?.includes(interpreterId)) continue;
      await this.apply(c.caseNo, { who: 'system:call' }, (x) => {
        x.interpreterIds = [...new Set([...(x.interpreterIds ?? []), interpreterId])].slice(-5);
        return { action: 'interpreter_joined', detail: { interpreterId, sessionId } };
      });
      changed.push(c.caseNo);
    }
    return changed;
  }

  async expireOverdue(now = this.now()): Promise<Case[]> {
    // The deadline is the last millisecond of its day: overdue strictly after it.
    const due = await this.redis.zrangebyscore(this.k('cases', 'pending-due'), 0, `(${now}`);
    const out: Case[] = [];
    for (const caseNo of due) {
      try {
        out.push(
          await this.apply(caseNo, { who: 'system:deadline' }, (c, at) => {
            if (c.state !== 'pending_materials' || (c.pendingDeadline ?? Infinity) >= now) throw invalid('not overdue');
            return rejectCase(c, ['容缺材料未在承诺期限内补齐'], at, 'expire');
          }),
        );
      } catch (err) {
        if (!(err instanceof AppError) || (err.code !== ErrorCode.InvalidState && err.code !== ErrorCode.NotFound)) throw err;
      }
    }
    return out;
  }

  // -------------------------------------------------------------- look-up

  /**
   * Progress for a resident at any booth: the case number and the last 4
   * characters of the applicant's ID number. Wrong or unknown → NOT_FOUND
   * (the same answer). Every attempt counts in two 10-minute windows — per
   * case number (5) and per caller key (booth id or IP, 20); a correct answer
   * is refunded. Over either limit → RATE_LIMITED, right or wrong.
   */
  async lookup(caseNo: string, idLast4: string, rateKey: string): Promise<ProgressLookup> {
    if (typeof rateKey !== 'string' || rateKey.length < 1 || rateKey.length > 128) throw bad('a rate-limit key is required');
    const no = typeof caseNo === 'string' && CASE_NO.test(caseNo) ? caseNo : 'invalid';
    const keys = [this.k('case', 'lookup', 'case', no), this.k('case', 'lookup', 'key', rateKey)];
    const [perCase, perKey] = (await this.redis.eval(COUNT_ATTEMPT, 2, ...keys, LOOKUP_LIMITS.windowMs)) as [number, number];
    if (perCase > LOOKUP_LIMITS.perCase || perKey > LOOKUP_LIMITS.perKey) throw new AppError(ErrorCode.RateLimited, 'too many tries; please wait 10 minutes');
    const c = no === 'invalid' ? undefined : await this.load(no);
    const last4 = typeof idLast4 === 'string' ? idLast4.trim().toUpperCase() : '';
    if (!c || !/^[0-9X]{4}$/.test(last4) || c.applicant.idNumber.slice(-4) !== last4) throw notFound();
    await this.redis.multi().decr(keys[0]!).decr(keys[1]!).exec();
    const history = (await this.readAudit(c.caseNo))
      .filter((e) => typeof e.detail.to === 'string')
      .map((e) => ({ at: e.at, label: stateLabel(e.detail.to as CaseState) }));
    const out: ProgressLookup = { caseNo: c.caseNo, matterName: c.matterName, state: c.state, stateLabel: stateLabel(c.state), history };
    if (c.state === 'pending_materials' && c.pendingDeadline) out.pendingDeadline = c.pendingDeadline;
    if ((c.state === 'accepted' || c.state === 'completed') && c.promisedBy) out.promisedBy = c.promisedBy;
    return out;
  }

  // ------------------------------------------------------------ machinery

  private update(caseNo: string, by: Principal, roles: Role[], mutate: Mutation): Promise<Case> {
    return this.apply(caseNo, { who: whoOf(by), principal: by }, (c, now) => {
      if (!roles.includes(by.role)) throw new AppError(ErrorCode.Forbidden, `${by.role} cannot do this`);
      return mutate(c, now);
    });
  }

  /** Read, check reach, mutate a copy, compare-and-save; on a lost race read again and redo. */
  private async apply(caseNo: string, actor: Actor, mutate: Mutation): Promise<Case> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.load(caseNo);
      if (!current || (actor.principal && !reaches(current, actor.principal))) throw notFound();
      const next = structuredClone(current);
      const now = this.now();
      const { action, detail } = mutate(next, now);
      next.version = current.version + 1;
      next.updatedAt = now;
      if (await this.save(current, next, { at: now, who: actor.who, action, detail })) return next;
      if (attempt >= MAX_RETRIES) throw new AppError(ErrorCode.Internal, 'the case is being changed elsewhere; try again');
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 ** attempt)));
    }
  }

  private async save(prev: Case | undefined, next: Case, entry: { at: number; who: string; action: string; detail: Record<string, unknown> }): Promise<boolean> {
    const ops: Array<{ key: string; op: 'add' | 'rem'; score: number }> = [];
    if (!prev) ops.push({ key: this.k('cases', 'booth', next.boothId), op: 'add', score: next.createdAt }, { key: this.k('cases', 'all'), op: 'add', score: next.createdAt });
    if (prev?.agentId && prev.agentId !== next.agentId) ops.push({ key: this.k('cases', 'agent', prev.agentId), op: 'rem', score: 0 });
    if (next.agentId && prev?.agentId !== next.agentId) ops.push({ key: this.k('cases', 'agent', next.agentId), op: 'add', score: next.createdAt });
    const due = this.k('cases', 'pending-due');
    if (next.state === 'pending_materials' && next.pendingDeadline) ops.push({ key: due, op: 'add', score: next.pendingDeadline });
    else if (prev?.state === 'pending_materials') ops.push({ key: due, op: 'rem', score: 0 });
    const res = await this.redis.eval(
      SAVE,
      2 + ops.length,
      this.caseKey(next.caseNo),
      this.auditKey(next.caseNo),
      ...ops.map((o) => o.key),
      prev ? String(prev.version) : '',
      String(next.version),
      JSON.stringify(next),
      String(entry.at),
      entry.who,
      entry.action,
      JSON.stringify(entry.detail),
      String(ops.length),
      ...ops.flatMap((o) => [o.op, String(o.score), next.caseNo]),
    );
    if (res !== 1) return false;
    try {
      this.onSaved?.(next, entry.action);
    } catch {
      // a listener's failure never undoes a saved change
    }
    return true;
  }
}

// ---------------------------------------------------------------- helpers

function whoOf(p: Principal): string {
  return `${p.role}:${p.userId}`;
}

function reaches(c: Case, p: Principal): boolean {
  switch (p.role) {
    case 'supervisor':
      return true;
    case 'booth':
      return c.boothId === p.userId;
    case 'agent':
      return c.agentId === p.userId;
    case 'interpreter':
      return !!c.interpreterIds?.includes(p.userId);
    default:
      return false;
  }
}

function material(c: Case, materialId: string): CaseMaterial {
  const m = c.materials.find((x) => x.materialId === materialId);
  if (!m) throw bad(`this case has no material ${String(materialId).slice(0, 64)}`);
  return m;
}

function resetReview(m: CaseMaterial): void {
  m.verdict = 'pending';
  delete m.reason;
  delete m.reviewedBy;
  delete m.reviewedAt;
}

function transition(c: Case, to: CaseState, action: string): { action: string; detail: Record<string, unknown> } {
  const from = c.state;
  c.state = to;
  return { action, detail: { from, to } };
}

function rejectCase(c: Case, notes: string[], now: number, action: string): { action: string; detail: Record<string, unknown> } {
  assertCaseTransition(c.state, 'rejected');
  const materials = blockingMaterials(c);
  const reasons = [...materials.map((m) => `${m.name}：${m.reason}`), ...notes];
  if (reasons.length === 0) throw bad('a rejection needs at least one reason');
  c.rejection = { reasons, materials, notes, at: now };
  const d = transition(c, 'rejected', action);
  return { action, detail: { ...d.detail, reasons } };
}

