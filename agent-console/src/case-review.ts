/**
 * The case (办件) of the running call, as the agent reviews it: tracked from
 * the server's 'case:updated' pushes (GET /api/cases/:no on every change,
 * older versions ignored), the review actions (送达方式, 开始审核, per-material
 * verdicts, 受理 / 补齐受理 / 不予受理), the remote shutter (远程拍照), the
 * marks drawn on a material (shown live on the booth), the pointer, and the
 * guide pushed to the resident's screen. Stored material files are fetched
 * with the bearer token into blob URLs (FileCache). Read via useSyncExternalStore.
 */
import { CasesApi, fetchBlob, type CaseAction, type SignalingClient } from '@xiaowu/shared/client';
import type { Annotation, CaseMaterial, CaseState, CaseView, GuideItem, ReviewVerdict, ServerToClientEvents } from '@xiaowu/shared';
import type { DeliveryMode } from '@xiaowu/shared/catalog';
import { errorKey, type MessageKey } from '@xiaowu/shared/i18n';

type CaseUpdated = Parameters<ServerToClientEvents['case:updated']>[0];

/** What a failed action was, so the view can put the alert next to it. */
export type ReviewOp = 'load' | 'delivery' | 'start' | 'verdict' | 'commit' | 'accept' | 'supply' | 'reject' | 'capture' | 'annotate' | 'guide' | 'pdf';

export interface ReviewError {
  op: ReviewOp;
  key: MessageKey;
  /** The ErrorCode, when there is one. */
  code?: string;
  /** The server's own words (e.g. the materials blocking 受理). */
  detail?: string;
  materialId?: string;
}

export interface CaptureWait {
  requestedAt: number;
  /** Files the material had when the capture was asked for: any other one is the new capture. */
  known: string[];
}

export type SyncState = 'sending' | 'synced' | 'failed';

export interface CaseReviewState {
  /** The call whose cases are tracked (kept after it ends, for wrap-up). */
  sessionId?: string;
  /** The call ended: the cases stay visible, read-only. */
  ended: boolean;
  /** Cases of this call by number (the agent's unmasked view). */
  cases: Record<string, CaseView>;
  /** Case numbers in order of arrival. */
  order: string[];
  /** The case on screen. */
  currentNo?: string;
  /** A case mutation on its way: 'start', 'accept', `verdict:${materialId}`, `commit:${materialId}`, … */
  busy?: string;
  /** Why the last action failed. */
  error?: ReviewError;
  /** Materials whose remote capture was asked for and has not arrived yet. */
  captures: Record<string, CaptureWait>;
  /** The file open in the viewer; `seq` counts every opening (the view scrolls to it). */
  viewing?: { sha256: string; materialId: string; seq: number };
  /** The marks the agent drew, per file (the full set, as last sent). */
  annotations: Record<string, Annotation[]>;
  /** Whether the marks of a file reached the booth. */
  annotationSync: Record<string, SyncState>;
  /** A short confirmation (guide pushed …). */
  notice?: { key: MessageKey; params?: Record<string, string> };
}

/** Materials that stand in the way of 受理, as the server counts them (sfu/src/cases/case-store.ts accept()). */
export function acceptBlockers(c: CaseView): CaseMaterial[] {
  return c.materials.filter((m) => !isDone(m) && !m.mayBeMissing);
}

export function isDone(m: CaseMaterial): boolean {
  return m.verdict === 'accepted' || m.verdict === 'committed';
}

/** A commitment is in use but its letter has no signature yet (blocks 受理). */
export function commitmentUnsigned(c: CaseView): boolean {
  return c.materials.some((m) => m.verdict === 'committed') && !c.signatures.some((s) => s.purpose === 'commitment');
}

/** 告知承诺 can replace this material now (sfu/src/cases/case-store.ts signCommitment()). */
export function canCommit(c: CaseView, m: CaseMaterial): boolean {
  return c.terms.allowsCommitment && m.commitmentAllowed && m.verdict !== 'committed' && COMMIT_STATES.includes(c.state);
}

/** What the server lists by itself in a refusal notice (sfu/src/cases/case-model.ts blockingMaterials). */
export function noticeMaterials(c: CaseView): Array<Pick<CaseMaterial, 'materialId' | 'name' | 'reason' | 'verdict' | 'mayBeMissing'>> {
  return c.materials
    .filter(
      (m) =>
        m.verdict === 'rescan' ||
        m.verdict === 'missing' ||
        (m.verdict === 'pending' && m.files.length === 0 && (!m.mayBeMissing || c.state === 'pending_materials')),
    )
    .map((m) => ({ materialId: m.materialId, name: m.name, reason: m.reason, verdict: m.verdict, mayBeMissing: m.mayBeMissing }));
}

export const REVIEWABLE: readonly CaseState[] = ['under_review', 'pending_materials'];
export const DELIVERY_EDITABLE: readonly CaseState[] = ['draft', 'submitted', 'under_review'];
/** A material can be turned into a 告知承诺 in these states. */
export const COMMIT_STATES: readonly CaseState[] = ['draft', 'submitted', 'under_review'];
/** Material files can be added (remote capture) in these states. */
export const CAPTURE_STATES: readonly CaseState[] = ['draft', 'submitted', 'under_review', 'pending_materials'];

export const REASON_MAX = 200;
export const MAX_ANNOTATIONS = 50;

const DETAIL_CODES = new Set(['INVALID_STATE', 'BAD_REQUEST', 'FORBIDDEN', 'NOT_FOUND']);
const OWN_ERROR_TEXTS = new Set(['BAD_REQUEST', 'FORBIDDEN', 'NOT_FOUND', 'NOT_IN_SESSION', 'INVALID_STATE', 'TIMEOUT', 'INTERNAL', 'RATE_LIMITED']);

function reviewError(op: ReviewOp, err: unknown, materialId?: string): ReviewError {
  const code = (err as { code?: unknown } | null)?.code;
  const key: MessageKey = typeof code === 'string' && OWN_ERROR_TEXTS.has(code) ? (`agentReview.errors.codes.${code}` as MessageKey) : errorKey(err);
  const message = err instanceof Error ? err.message : undefined;
  const out: ReviewError = { op, key };
  if (typeof code === 'string') out.code = code;
  if (typeof code === 'string' && DETAIL_CODES.has(code) && message) out.detail = message;
  if (materialId) out.materialId = materialId;
  return out;
}

const noop = (): void => undefined;

// ── stored files (GET /api/files/:sha256 behind the token) ─────────────────────

export interface FileSnapshot {
  sha256?: string;
  status: 'loading' | 'ready' | 'error';
  url?: string;
  mime?: string;
  error?: MessageKey;
}

interface FileEntry {
  snap: FileSnapshot;
  refs: number;
  listeners: Set<(s: FileSnapshot) => void>;
  revokeTimer?: ReturnType<typeof setTimeout>;
}

/** Kept a little after the last user lets go, so switching files or re-rendering does not download again. */
const FILE_LINGER_MS = 60_000;

/** Stored material files as blob URLs, shared by thumbnails and the viewer; revoked when nobody shows them. */
export class FileCache {
  private readonly entries = new Map<string, FileEntry>();

  constructor(private readonly token: () => string) {}

  /** Starts (or joins) the download of a file; returns the release function. */
  acquire(sha256: string, listener: (s: FileSnapshot) => void): () => void {
    let e = this.entries.get(sha256);
    if (!e) {
      e = { snap: { sha256, status: 'loading' }, refs: 0, listeners: new Set() };
      this.entries.set(sha256, e);
      this.load(sha256, e);
    }
    const entry = e;
    if (entry.revokeTimer !== undefined) clearTimeout(entry.revokeTimer);
    entry.revokeTimer = undefined;
    entry.refs++;
    entry.listeners.add(listener);
    listener(entry.snap);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      entry.listeners.delete(listener);
      entry.refs--;
      if (entry.refs <= 0) entry.revokeTimer = setTimeout(() => this.drop(sha256, entry), FILE_LINGER_MS);
    };
  }

  peek(sha256: string | undefined): FileSnapshot {
    return (sha256 && this.entries.get(sha256)?.snap) || { sha256, status: 'loading' };
  }

  /** Revokes every URL (end of the desk). */
  clear(): void {
    for (const [sha, e] of this.entries) this.drop(sha, e);
  }

  private load(sha256: string, e: FileEntry): void {
    fetchBlob(`/api/files/${sha256}`, this.token()).then(
      (blob) => {
        if (this.entries.get(sha256) !== e) return;
        this.update(e, { sha256, status: 'ready', url: URL.createObjectURL(blob), mime: blob.type });
      },
      (err) => {
        console.warn('material file unavailable', sha256, err);
        if (this.entries.get(sha256) !== e) return;
        this.update(e, { sha256, status: 'error', error: reviewError('load', err).key });
        // A failed download is tried again the next time someone shows the file.
        if (e.refs <= 0) this.entries.delete(sha256);
      },
    );
  }

  private update(e: FileEntry, snap: FileSnapshot): void {
    e.snap = snap;
    for (const l of e.listeners) l(snap);
  }

  private drop(sha256: string, e: FileEntry): void {
    if (e.revokeTimer !== undefined) clearTimeout(e.revokeTimer);
    if (e.snap.url) URL.revokeObjectURL(e.snap.url);
    if (this.entries.get(sha256) === e) this.entries.delete(sha256);
  }
}

// ── the store ─────────────────────────────────────────────────────────────────

type Phase = 'idle' | 'answering' | 'in-call';

function emptyState(): CaseReviewState {
  return { ended: false, cases: {}, order: [], captures: {}, annotations: {}, annotationSync: {} };
}

export class CaseReview {
  private state: CaseReviewState = emptyState();
  private readonly listeners = new Set<() => void>();
  readonly api: CasesApi;
  readonly files: FileCache;
  private phase: Phase = 'idle';
  /** Bumped when a call begins: answers for an earlier call are dropped. */
  private gen = 0;
  /** case:updated that came while answering (before the session id is known). */
  private buffered: CaseUpdated[] = [];
  /** Highest version announced per case, and the fetches running. */
  private readonly announced = new Map<string, number>();
  private readonly fetching = new Set<string>();
  private noticeTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly offs: Array<() => void> = [];
  private closed = false;

  constructor(
    private readonly sig: SignalingClient,
    token: () => string,
  ) {
    this.api = new CasesApi(token);
    this.files = new FileCache(token);
    this.offs.push(
      sig.on('case:updated', (ev) => this.onCaseUpdated(ev)),
      sig.on('doc:uploaded', (ev) => this.onUploaded(ev)),
    );
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getState = (): CaseReviewState => this.state;

  /** The case on screen. */
  get current(): CaseView | undefined {
    const no = this.state.currentNo;
    return no ? this.state.cases[no] : undefined;
  }

  private set(patch: Partial<CaseReviewState>): void {
    if (this.closed) return;
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  // ── the call (driven by AgentDesk) ───────────────────────────────────────────

  /** 「接听」 pressed: the last call's cases go, events are kept until the session id is known. */
  beginCall(): void {
    this.gen++;
    this.phase = 'answering';
    this.buffered = [];
    this.announced.clear();
    this.clearNotice();
    this.state = emptyState();
    this.set({});
  }

  /** The answer's ack: the session is known. */
  startCall(sessionId: string): void {
    this.phase = 'in-call';
    this.set({ sessionId, ended: false });
    const early = this.buffered;
    this.buffered = [];
    for (const ev of early) this.onCaseUpdated(ev);
  }

  /** The answer failed: nothing to track. */
  cancelCall(): void {
    this.gen++;
    this.phase = 'idle';
    this.buffered = [];
    this.state = emptyState();
    this.set({});
  }

  /** The call ended: keep the cases for wrap-up, read-only. */
  endCall(): void {
    this.phase = 'idle';
    this.buffered = [];
    this.set({ ended: true, busy: undefined, captures: {}, viewing: undefined, error: undefined, notice: undefined });
  }

  close(): void {
    if (this.closed) return;
    this.clearNotice();
    for (const off of this.offs) off();
    this.files.clear();
    this.closed = true;
    this.listeners.clear();
  }

  selectCase(caseNo: string): void {
    if (this.state.cases[caseNo]) this.set({ currentNo: caseNo, viewing: undefined, error: undefined });
  }

  dismissError(): void {
    if (this.state.error) this.set({ error: undefined });
  }

  // ── tracking ─────────────────────────────────────────────────────────────────

  private onCaseUpdated(ev: CaseUpdated): void {
    const known = this.state.cases[ev.caseNo] !== undefined || this.announced.has(ev.caseNo);
    if (this.phase === 'answering') {
      this.buffered.push(ev);
      return;
    }
    if (this.phase === 'idle') {
      // Wrap-up: the last call's cases stay current (e.g. the receipt signed a moment later).
      if (known) this.announce(ev);
      return;
    }
    // In a call: this call's cases, and cases given to this agent without a call of their own.
    const ours = ev.sessionId === undefined || ev.sessionId === this.state.sessionId;
    if (known || ours) this.announce(ev);
  }

  private announce(ev: CaseUpdated): void {
    const have = this.state.cases[ev.caseNo];
    if (have && have.version >= ev.version) return; // an older (or our own, already applied) change
    if ((this.announced.get(ev.caseNo) ?? 0) < ev.version) this.announced.set(ev.caseNo, ev.version);
    void this.refresh(ev.caseNo);
  }

  /** GET the case; again if a newer version was announced meanwhile. */
  private async refresh(caseNo: string): Promise<void> {
    const gen = this.gen;
    const key = `${gen}:${caseNo}`;
    if (this.fetching.has(key)) return; // the running fetch looks again when it ends
    this.fetching.add(key);
    try {
      for (let round = 0; round < 5; round++) {
        const want = this.announced.get(caseNo) ?? 0;
        let view: CaseView;
        try {
          view = await this.api.get(caseNo);
        } catch (err) {
          // NOT_FOUND: not (or no longer) this agent's case; nothing to show.
          console.warn('case unavailable', caseNo, err);
          return;
        }
        if (this.closed || gen !== this.gen) return; // another call began meanwhile
        this.apply(view);
        if ((this.announced.get(caseNo) ?? 0) <= Math.max(view.version, want)) return;
      }
    } finally {
      this.fetching.delete(key);
    }
  }

  /** Takes a case view (GET or an action's answer) unless an equal or newer one is shown already. */
  private apply(view: CaseView): void {
    const have = this.state.cases[view.caseNo];
    if (have && have.version >= view.version) return;
    if (this.phase === 'idle' && !have) return; // arrived after the call's cases were dropped
    const cases = { ...this.state.cases, [view.caseNo]: view };
    const order = this.state.order.includes(view.caseNo) ? this.state.order : [...this.state.order, view.caseNo];
    const patch: Partial<CaseReviewState> = { cases, order };
    if (!this.state.currentNo) patch.currentNo = view.caseNo;

    // A remote capture that arrived by the case (the booth attached the new file).
    const captures = { ...this.state.captures };
    let changed = false;
    for (const m of view.materials) {
      const wait = captures[m.materialId];
      if (!wait) continue;
      const fresh = m.files.filter((f) => !wait.known.includes(f));
      if (fresh.length === 0) continue;
      delete captures[m.materialId];
      changed = true;
      if (view.caseNo === (patch.currentNo ?? this.state.currentNo)) patch.viewing = this.viewingOf(fresh[fresh.length - 1]!, m.materialId);
    }
    if (changed) patch.captures = captures;

    // The file on screen was replaced (a rescan from the booth): show its successor.
    const viewing = patch.viewing ?? this.state.viewing;
    if (viewing && !patch.viewing && view.caseNo === (patch.currentNo ?? this.state.currentNo)) {
      const m = view.materials.find((x) => x.materialId === viewing.materialId);
      const before = have?.materials.find((x) => x.materialId === viewing.materialId);
      if (m && before?.files.includes(viewing.sha256) && !m.files.includes(viewing.sha256) && m.files.length > 0) {
        patch.viewing = { sha256: m.files[m.files.length - 1]!, materialId: m.materialId, seq: viewing.seq };
      }
    }
    this.set(patch);
  }

  private onUploaded(ev: { sessionId: string; materialId: string; sha256: string }): void {
    if (this.phase !== 'in-call' || ev.sessionId !== this.state.sessionId) return;
    const wait = this.state.captures[ev.materialId];
    if (!wait || wait.known.includes(ev.sha256)) return;
    const captures = { ...this.state.captures };
    delete captures[ev.materialId];
    // The new photo opens at once (the case:updated with it may come a moment later).
    this.set({ captures, viewing: this.viewingOf(ev.sha256, ev.materialId) });
  }

  // ── case actions ─────────────────────────────────────────────────────────────

  /** Runs one case mutation: busy while it runs, the answer applied, the refusal kept as the error. */
  private async mutate(busy: string, op: ReviewOp, run: (c: CaseView) => Promise<CaseView | void>, materialId?: string): Promise<boolean> {
    const c = this.current;
    if (!c || this.state.busy || this.state.ended) return false;
    const gen = this.gen;
    this.set({ busy, error: undefined });
    try {
      const view = await run(c);
      if (view && gen === this.gen) this.apply(view);
      return true;
    } catch (err) {
      console.warn(`case ${op} failed`, err);
      this.set({ error: reviewError(op, err, materialId) });
      // The case may have moved on meanwhile (e.g. the booth changed it): show the latest.
      void this.refreshNow(c.caseNo);
      return false;
    } finally {
      this.set({ busy: undefined });
    }
  }

  private async refreshNow(caseNo: string): Promise<void> {
    const gen = this.gen;
    try {
      const view = await this.api.get(caseNo);
      if (gen === this.gen) this.apply(view);
    } catch {
      /* the refusal is shown already */
    }
  }

  setDelivery(mode: DeliveryMode, address?: string): Promise<boolean> {
    return this.mutate('delivery', 'delivery', (c) => this.api.setDelivery(c.caseNo, mode, mode === 'mail' ? address?.trim() : undefined));
  }

  /** 「开始审核」: the delivery if not set (or changed), 提交 from draft, then 开始审核. */
  startReview(mode: DeliveryMode, address?: string): Promise<boolean> {
    const gen = this.gen;
    const show = (v: CaseView) => gen === this.gen && this.apply(v);
    return this.mutate('start', 'start', async (c) => {
      let view = c;
      const addr = mode === 'mail' ? address?.trim() : undefined;
      const same = c.delivery && c.delivery.mode === mode && (mode !== 'mail' || !addr || c.delivery.address === addr);
      if (!same && DELIVERY_EDITABLE.includes(c.state)) {
        view = await this.api.setDelivery(c.caseNo, mode, addr);
        show(view);
      }
      if (view.state === 'draft') {
        view = await this.api.act(c.caseNo, 'submit');
        show(view);
      }
      if (view.state === 'submitted') view = await this.api.act(c.caseNo, 'start-review');
      return view;
    });
  }

  verdict(materialId: string, verdict: ReviewVerdict, reason?: string): Promise<boolean> {
    const why = reason?.trim().slice(0, REASON_MAX);
    return this.mutate(`verdict:${materialId}`, 'verdict', (c) => this.api.review(c.caseNo, materialId, verdict, verdict === 'accepted' ? undefined : why), materialId);
  }

  /** 「改为告知承诺」: the resident will sign a 告知承诺书 at the booth instead of handing in the material. */
  commit(materialId: string): Promise<boolean> {
    return this.mutate(`commit:${materialId}`, 'commit', (c) => this.api.signCommitment(c.caseNo, materialId), materialId);
  }

  act(action: Extract<CaseAction, 'accept' | 'supply-missing'>): Promise<boolean> {
    return this.mutate(action === 'accept' ? 'accept' : 'supply', action === 'accept' ? 'accept' : 'supply', (c) => this.api.act(c.caseNo, action));
  }

  reject(reasons: string[]): Promise<boolean> {
    return this.mutate('reject', 'reject', (c) => this.api.reject(c.caseNo, reasons));
  }

  /** One of the case's PDFs as a blob (undefined when it failed: the error is shown). */
  async pdf(kind: 'receipt' | 'rejection' | 'commitment' | 'dossier'): Promise<Blob | undefined> {
    const c = this.current;
    if (!c) return undefined;
    try {
      return await this.api.pdf(c.caseNo, kind);
    } catch (err) {
      console.warn(`case ${kind}.pdf failed`, err);
      this.set({ error: reviewError('pdf', err) });
      return undefined;
    }
  }

  // ── in-call document work (socket requests) ─────────────────────────────────

  private get liveSession(): string | undefined {
    return this.phase === 'in-call' && !this.state.ended ? this.state.sessionId : undefined;
  }

  /** 「远程拍照」: the booth takes a full-resolution still of the material and attaches it. */
  async requestCapture(materialId: string): Promise<void> {
    const sessionId = this.liveSession;
    const m = this.current?.materials.find((x) => x.materialId === materialId);
    if (!sessionId || !m) return;
    const captures = { ...this.state.captures, [materialId]: { requestedAt: Date.now(), known: [...m.files] } };
    this.set({ captures, error: this.state.error?.op === 'capture' ? undefined : this.state.error });
    try {
      await this.sig.request('doc:requestCapture', { sessionId, materialId });
    } catch (err) {
      console.warn('doc:requestCapture failed', err);
      const rest = { ...this.state.captures };
      delete rest[materialId];
      this.set({ captures: rest, error: reviewError('capture', err, materialId) });
    }
  }

  open(sha256: string, materialId: string): void {
    this.set({ viewing: this.viewingOf(sha256, materialId) });
  }

  private viewingOf(sha256: string, materialId: string): CaseReviewState['viewing'] {
    return { sha256, materialId, seq: (this.state.viewing?.seq ?? 0) + 1 };
  }

  closeViewer(): void {
    this.set({ viewing: undefined });
  }

  /** The full set of marks on a file: kept, and sent to the booth (shown live there). */
  async setAnnotations(fileSha256: string, annotations: Annotation[]): Promise<void> {
    const list = annotations.slice(0, MAX_ANNOTATIONS);
    this.set({ annotations: { ...this.state.annotations, [fileSha256]: list }, annotationSync: { ...this.state.annotationSync, [fileSha256]: 'sending' } });
    const sessionId = this.liveSession;
    if (!sessionId) return;
    try {
      await this.sig.request('doc:annotate', { sessionId, fileSha256, annotations: list });
      if (this.state.annotations[fileSha256] === list) this.set({ annotationSync: { ...this.state.annotationSync, [fileSha256]: 'synced' } });
    } catch (err) {
      console.warn('doc:annotate failed', err);
      if (this.state.annotations[fileSha256] === list) this.set({ annotationSync: { ...this.state.annotationSync, [fileSha256]: 'failed' } });
    }
  }

  /** Where the agent points on a file (fractions), or null to hide it; best effort. */
  pointer(fileSha256: string, at: { x: number; y: number } | null): void {
    const sessionId = this.liveSession;
    if (!sessionId) return;
    this.sig.request('doc:pointer', { sessionId, fileSha256, at }).catch(noop);
  }

  /** A guide item on the resident's screen; false when it could not be sent. */
  async pushGuide(item: GuideItem, notice?: { key: MessageKey; params?: Record<string, string> }): Promise<boolean> {
    const sessionId = this.liveSession;
    if (!sessionId) return false;
    try {
      await this.sig.request('guide:push', { sessionId, item });
      if (notice) this.showNotice(notice);
      return true;
    } catch (err) {
      console.warn('guide:push failed', err);
      this.set({ error: reviewError('guide', err) });
      return false;
    }
  }

  private showNotice(notice: { key: MessageKey; params?: Record<string, string> }): void {
    this.clearNotice();
    this.set({ notice });
    this.noticeTimer = setTimeout(() => this.set({ notice: undefined }), 5000);
  }

  private clearNotice(): void {
    if (this.noticeTimer !== undefined) clearTimeout(this.noticeTimer);
    this.noticeTimer = undefined;
  }
}
