/**
 * The case (办件) REST API from the apps: one small typed wrapper per route of
 * sfu/src/http/case-api.ts. Every answer is the case as the caller may see it
 * (masked for booths and interpreters).
 */
import type { CaseView, ReviewVerdict, SignaturePurpose, AuditEntry } from '../case';
import type { CaseState } from '../case-state';
import type { Identity } from '../identity';
import type { DeliveryMode } from '../catalog/schema';
import { AppError, ErrorCode } from '../errors';
import { apiRequest } from './http';

export interface ProgressView {
  caseNo: string;
  matterName: string;
  state: CaseState;
  stateLabel: string;
  history: Array<{ at: number; label: string }>;
  pendingDeadline?: number;
  promisedBy?: number;
}

export type CaseAction = 'submit' | 'start-review' | 'accept' | 'supply-missing' | 'complete' | 'withdraw';

export class CasesApi {
  constructor(
    private readonly token: () => string,
    private readonly base = '',
  ) {}

  private req<T>(path: string, body?: unknown): Promise<T> {
    return apiRequest<T>(`/api/cases${path}`, { token: this.token(), body }, this.base);
  }

  create(input: { matterId: string; applicant: Identity; phone?: string; boothId?: string }): Promise<CaseView> {
    return this.req('', input);
  }

  get(caseNo: string): Promise<CaseView> {
    return this.req(`/${caseNo}`);
  }

  audit(caseNo: string): Promise<AuditEntry[]> {
    return this.req(`/${caseNo}/audit`);
  }

  attachFile(caseNo: string, materialId: string, sha256: string): Promise<CaseView> {
    return this.req(`/${caseNo}/materials/${encodeURIComponent(materialId)}/files`, { sha256 });
  }

  review(caseNo: string, materialId: string, verdict: ReviewVerdict, reason?: string): Promise<CaseView> {
    return this.req(`/${caseNo}/materials/${encodeURIComponent(materialId)}/review`, reason ? { verdict, reason } : { verdict });
  }

  signCommitment(caseNo: string, materialId: string): Promise<CaseView> {
    return this.req(`/${caseNo}/materials/${encodeURIComponent(materialId)}/commitment`, {});
  }

  setDelivery(caseNo: string, mode: DeliveryMode, address?: string): Promise<CaseView> {
    return this.req(`/${caseNo}/delivery`, address ? { mode, address } : { mode });
  }

  addSignature(caseNo: string, purpose: SignaturePurpose, sha256: string, documentSha256: string): Promise<CaseView> {
    return this.req(`/${caseNo}/signatures`, { purpose, sha256, documentSha256 });
  }

  act(caseNo: string, action: CaseAction): Promise<CaseView> {
    return this.req(`/${caseNo}/${action}`, {});
  }

  reject(caseNo: string, reasons: string[]): Promise<CaseView> {
    return this.req(`/${caseNo}/reject`, { reasons });
  }

  /** One of the case's PDFs, as bytes (receipt / rejection / commitment / dossier). */
  async pdf(caseNo: string, kind: 'receipt' | 'rejection' | 'commitment' | 'dossier'): Promise<Blob> {
    return fetchBlob(`${this.base}/api/cases/${caseNo}/${kind}.pdf`, this.token());
  }

  /** Residents' progress lookup (no login): case number + last 4 characters of the ID number. */
  static progress(caseNo: string, idLast4: string, base = ''): Promise<ProgressView> {
    return apiRequest<ProgressView>('/api/progress', { body: { caseNo, idLast4 } }, base);
  }
}

/** A binary resource behind the bearer token (a stored material, a PDF); typed errors like apiRequest. */
export async function fetchBlob(url: string, token: string): Promise<Blob> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  } catch (err) {
    throw new AppError(ErrorCode.Timeout, `GET ${url}: ${(err as Error).message}`);
  }
  if (res.ok) return res.blob();
  const answer = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
  const code = answer?.error?.code;
  throw new AppError(
    code && (Object.values(ErrorCode) as string[]).includes(code) ? (code as ErrorCode) : res.status === 404 ? ErrorCode.NotFound : ErrorCode.Internal,
    answer?.error?.message ?? `GET ${url}: HTTP ${res.status}`,
  );
}
