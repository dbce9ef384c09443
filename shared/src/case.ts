/**
 * The case (办件) record as it travels: what a case holds, the verdicts and
 * signatures, the audit entries, and the masked view that booths and
 * interpreters receive. Shared by the sfu (which persists and masks) and the
 * apps (which show it). The rules live in sfu/src/cases/case-model.ts.
 */
import type { CaseState } from './case-state';
import type { Identity } from './identity';
import type { DeliveryMode, MaterialForm } from './catalog/schema';

export const Verdicts = ['pending', 'accepted', 'rescan', 'missing', 'committed'] as const;
export type Verdict = (typeof Verdicts)[number];
/** What an agent may decide for one material (committed comes from signCommitment). */
export const ReviewVerdicts = ['accepted', 'rescan', 'missing'] as const;
export type ReviewVerdict = (typeof ReviewVerdicts)[number];

export const VERDICT_LABELS: Record<Verdict, string> = {
  pending: '待审核',
  accepted: '已收取',
  rescan: '需重新扫描',
  missing: '缺少',
  committed: '告知承诺',
};

export const SignaturePurposes = ['application', 'commitment', 'receipt'] as const;
export type SignaturePurpose = (typeof SignaturePurposes)[number];

export const SIGNATURE_LABELS: Record<SignaturePurpose, string> = {
  application: '申请表签名',
  commitment: '告知承诺书签名',
  receipt: '受理回执签收',
};

export interface CaseMaterial {
  materialId: string;
  name: string;
  form: MaterialForm;
  count: number;
  /** 容缺: the case may be accepted without it (→ pending_materials). */
  mayBeMissing: boolean;
  /** 告知承诺: a signed commitment may replace it (when the matter allows it). */
  commitmentAllowed: boolean;
  /** SHA-256 of the stored files (FileStore, content-addressed), in the order attached. */
  files: string[];
  verdict: Verdict;
  /** Why rescan / missing (≤ 200 characters), shown to the resident. */
  reason?: string;
  /** `${role}:${userId}` of the reviewing agent. */
  reviewedBy?: string;
  reviewedAt?: number;
}

export interface CaseDelivery {
  mode: DeliveryMode;
  /** Required for 'mail'. */
  address?: string;
}

export interface CaseSignature {
  purpose: SignaturePurpose;
  /** SHA-256 of the signature PNG (a stored file). */
  sha256: string;
  /** SHA-256 of the document (PDF) the resident signed. */
  documentSha256: string;
  at: number;
  /** `${role}:${userId}` that recorded it (the booth, usually). */
  by: string;
}

export interface CaseRejection {
  /** Everything, one line each: material lines first, then the agent's free text. */
  reasons: string[];
  /** The materials among them, with their reason (for the notice). */
  materials: Array<{ materialId: string; name: string; reason: string }>;
  /** The agent's free-text reasons. */
  notes: string[];
  at: number;
}

/** The matter's terms at the catalog version the case started with. */
export interface CaseTerms {
  legalDays: number;
  promisedDays: number;
  delivery: DeliveryMode[];
  allowsCommitment: boolean;
}

export interface Case {
  /** `${YYYYMMDD}${districtCode}${sequence:5}`, e.g. 2026112511010500042. */
  caseNo: string;
  /** Bumped by every saved change (optimistic concurrency). */
  version: number;
  state: CaseState;
  matterId: string;
  matterCode: string;
  matterName: string;
  catalogVersion: number;
  skill: string;
  terms: CaseTerms;
  boothId: string;
  agentId?: string;
  sessionId?: string;
  interpreterIds?: string[];
  /** Full identity as read from the ID card; never shown unmasked except to the assigned agent and supervisors. */
  applicant: Identity;
  phone?: string;
  materials: CaseMaterial[];
  delivery?: CaseDelivery;
  signatures: CaseSignature[];
  /** 告知承诺书 text covering every committed material. */
  commitment?: { text: string; signedAt: number; materialIds: string[] };
  /** When the case was accepted (受理), also for 容缺受理. */
  acceptedAt?: number;
  /** pending_materials: end of the last working day to supply the missing materials. */
  pendingDeadline?: number;
  /** accepted: end of the promised completion day (promisedDays working days after full acceptance). */
  promisedBy?: number;
  rejection?: CaseRejection;
  completedAt?: number;
  withdrawnAt?: number;
  createdAt: number;
  updatedAt: number;
}

/** One audit record (append-only Redis Stream per case). */
export interface AuditEntry {
  /** Stream entry id (monotonic). */
  id: string;
  at: number;
  /** `${role}:${userId}`, or `system:<job>`. */
  who: string;
  action: string;
  detail: Record<string, unknown>;
}

export const ACTION_LABELS: Record<string, string> = {
  create: '创建办件',
  assign: '分配人员',
  attach: '上传材料',
  review: '审核材料',
  delivery: '选择送达方式',
  signature: '电子签名',
  commitment: '签署告知承诺',
  submit: '提交申请',
  start_review: '开始审核',
  accept: '受理',
  accept_pending: '容缺受理',
  supply_missing: '补齐容缺材料',
  reject: '不予受理',
  expire: '容缺材料逾期',
  complete: '办结',
  withdraw: '撤回',
  interpreter_joined: '手语翻译加入',
};

/** Applicant as shown to a viewer: full identity, or masked name and ID number with the other card fields dropped. */
export type ApplicantView = Pick<Identity, 'name' | 'idNumber' | 'sex' | 'ethnicity'> & Partial<Omit<Identity, 'name' | 'idNumber' | 'sex' | 'ethnicity'>>;

export interface CaseView extends Omit<Case, 'applicant' | 'phone'> {
  applicant: ApplicantView;
  phone?: string;
  /** True when the applicant's identity is masked in this view. */
  masked: boolean;
}
