/**
 * The case (办件) and document side of one booth call, outside React, composed
 * into BoothCall: reading the ID card and opening the case, keeping the newest
 * view of it (case:updated), capturing and uploading materials (the booth's
 * own button, or the agent's remote shutter), the agent's marks, pointer and
 * guide items on the stills this booth took, and the documents the resident
 * signs and keeps: the 告知承诺书 (read and signed before 受理 when the agent
 * lets a commitment replace a certificate, then printed), the acceptance
 * receipt (受理回执, signed and printed after 受理), and the 不予受理 /
 * 补正告知书 (printed at once when the case is refused).
 *
 * One CaseFlow per call. Like BoothCall it publishes immutable snapshots and
 * every async step checks that the flow is still alive (and, where a step can
 * be started over, still the current attempt): after dispose() nothing it
 * started can change state, the document camera is stopped, uploads are
 * aborted and the stills' object URLs are revoked.
 */
import { AppError, ErrorCode, type Annotation, type CaseView, type GuideItem, type Identity, type SessionInfo } from '@xiaowu/shared';
import { CasesApi, sha256Hex, uploadFile, type SignalingClient } from '@xiaowu/shared/client';
import { errorKey, type MessageKey } from '@xiaowu/shared/i18n';
import { fetchMatter } from './catalog-api';
import type { BoothDevices } from './devices/devices';
import { captureStill } from './devices/doc-camera';
import { IdCardError } from './devices/id-card-reader';
import { PrinterError } from './devices/printer';

export type CardProblem = IdCardError['reason'];

/** Opening the case at call start ('none': a consultation, no case). */
export type CaseStep =
  | { kind: 'none' }
  | { kind: 'reading-card' }
  | { kind: 'card-error'; reason: CardProblem }
  | { kind: 'creating' }
  | { kind: 'create-error'; error: MessageKey }
  | { kind: 'ready' };

export type UploadProblem = 'refused' | 'capture' | 'state' | 'network' | 'other';

export interface UploadJob {
  materialId: string;
  name: string;
  /** Started by the agent's remote shutter. */
  remote: boolean;
  stage: 'capturing' | 'uploading' | 'attaching';
  /** 0–100 */
  percent: number;
}

export interface UploadFailure {
  materialId: string;
  name: string;
  problem: UploadProblem;
  /** The server's error code, when it refused. */
  code?: string;
}

/** A file this booth uploaded in this call (the booth cannot download stored files). */
export interface Still {
  sha256: string;
  materialId: string;
  mime: string;
  /** Object URL of the local copy (images only; revoked at call end). */
  url?: string;
}

export type GuideView =
  | { kind: 'step'; title: string; text: string }
  | { kind: 'sample'; materialId: string; name: string; hint?: string }
  | { kind: 'highlight'; fileSha256: string; x: number; y: number; w: number; h: number; text?: string };

/** The documents the resident signs at the booth: the commitment letter before 受理, the receipt after it. */
export type SignPurpose = 'commitment' | 'receipt';
export const SIGN_PURPOSES: readonly SignPurpose[] = ['commitment', 'receipt'];

/** One document to sign: loaded (its SHA-256 is what the signature is bound to), signed, recorded. */
export type SignState =
  | { status: 'idle' }
  | { status: 'loading' }
  | { status: 'load-error'; error: MessageKey }
  | { status: 'ready'; documentSha256: string }
  | { status: 'submitting'; documentSha256: string }
  | { status: 'submit-error'; documentSha256: string; error: MessageKey }
  | { status: 'signed' };

/** The documents the booth prints for the resident to keep. */
export type PrintDoc = SignPurpose | 'rejection';

export type PrintProblem = PrinterError['reason'] | 'fetch';
export type PrintState = { state: 'printing' } | { state: 'printed' } | { state: 'failed'; reason: PrintProblem };

export interface CaseFlowState {
  sessionId: string;
  matterId: string;
  matterName: string;
  /** A matter call (not 'consult'): a case is opened. */
  withCase: boolean;
  step: CaseStep;
  caseView?: CaseView;
  /** The last refetch after case:updated failed (a newer version exists). */
  refreshFailed: boolean;
  docCamera: 'opening' | 'on' | 'none';
  /** The document camera's live picture, for the preview. */
  docStream: MediaStream | null;
  upload?: UploadJob;
  uploadError?: UploadFailure;
  /** 「工作人员正在为您拍照」 (kept on screen a few seconds even when the capture is quick). */
  remoteNotice?: { materialId: string; name: string; by: string };
  /** The agent asked for a material and this booth has no document camera: the resident picks a file. */
  pickRequest?: { materialId: string; name: string; /** The agent who asked; absent when the resident's own capture found no camera. */ by?: string };
  stills: Readonly<Record<string, Still>>;
  /** The still on screen (after a capture, or the one the agent marks or points at). */
  view?: string;
  /** The agent's marks, the full set per still. */
  annotations: Readonly<Record<string, Annotation[]>>;
  pointer?: { sha256: string; x: number; y: number };
  guide?: GuideView;
  /** Per document: 'commitment' while a 告知承诺书 waits for the resident's signature, 'receipt' after 受理. */
  sign: Readonly<Record<SignPurpose, SignState>>;
  /** Per printed document; absent until it is first sent to the printer. */
  print: Readonly<Partial<Record<PrintDoc, PrintState>>>;
}

export interface CaseFlowDeps {
  sig: SignalingClient;
  session: SessionInfo;
  matterId: string;
  matterName: string;
  devices: BoothDevices;
  /** The booth's current device token (REST calls and uploads). */
  token(): string;
  onChange(state: CaseFlowState): void;
}

/** How long the ID-card reader waits for a card. */
const ID_CARD_TIMEOUT_MS = 20_000;
/** 「工作人员正在为您拍照」 stays at least this long. */
const REMOTE_NOTICE_MS = 4_000;
/** A failed refetch of the case is tried again after this long. */
const REFRESH_RETRY_MS = 5_000;

const CAN_ATTACH = new Set(['draft', 'submitted', 'under_review', 'pending_materials']);
/** The receipt is signed once the case is accepted (or accepted with documents to follow). */
const SIGNABLE = new Set(['accepted', 'pending_materials']);
/** The commitment letter is signed before 受理 (the server refuses 受理 until it is). */
const COMMITTABLE = new Set(['draft', 'submitted', 'under_review']);

/** What the document is called on the print job (the kiosk's print queue shows it). */
const PRINT_TITLES: Record<PrintDoc, string> = {
  receipt: '受理回执',
  commitment: '告知承诺书',
  rejection: '不予受理告知书',
};

/** Whether the case wants the resident's signature on this document now. */
function wantsSignature(view: CaseView, purpose: SignPurpose): boolean {
  if (view.signatures.some((s) => s.purpose === purpose)) return false;
  if (purpose === 'receipt') return SIGNABLE.has(view.state);
  return view.commitment !== undefined && view.materials.some((m) => m.verdict === 'committed') && COMMITTABLE.has(view.state);
}

/** What the commitment letter covers: when it changes, the letter loaded for signing is out of date. */
function commitmentKey(view: CaseView | undefined): string {
  return view?.commitment?.materialIds.join(',') ?? '';
}

function extensionOf(type: string): string {
  if (type === 'image/jpeg') return 'jpg';
  if (type === 'image/png') return 'png';
  if (type === 'application/pdf') return 'pdf';
  return 'dat';
}

/** A plain file name for the upload (the server refuses folders, colons and the like). */
function fileNameFor(materialId: string, type: string): string {
  return `${materialId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 60) || 'material'}-${Date.now()}.${extensionOf(type)}`;
}

function uploadProblem(err: unknown, stage: 'upload' | 'attach'): { problem: UploadProblem; code?: string } {
  if (!(err instanceof AppError)) return { problem: 'other' };
  const code = err.code;
  if (code === ErrorCode.Timeout) return { problem: 'network', code };
  // A refused file (disguised, corrupt, too large, too small to read…) comes from the upload itself.
  if (stage === 'upload' && code === ErrorCode.BadRequest) return { problem: 'refused', code };
  if (stage === 'attach' && (code === ErrorCode.BadRequest || code === ErrorCode.InvalidState || code === ErrorCode.NotFound)) return { problem: 'state', code };
  return { problem: 'other', code };
}

export class CaseFlow {
  private state: CaseFlowState;
  private disposed = false;
  private readonly abort = new AbortController();
  private readonly cases: CasesApi;
  private docTrack: MediaStreamTrack | null = null;
  private docReady!: () => void;
  private readonly docOpened: Promise<void>;
  /** Bumped by every start of the ID-card / create step. */
  private openAttempt = 0;
  /** Kept only to retry creating the case; never in the published state. */
  private applicant: Identity | undefined;
  /** Captures run one after the other (a remote shutter during an upload waits its turn). */
  private jobs: Promise<void> = Promise.resolve();
  private queued = 0;
  /** The newest version announced by case:updated, per case of this booth. */
  private readonly announced = new Map<string, number>();
  private refreshing = false;
  /** Per document, bumped when its signing step starts over (or is dropped): older results are ignored. */
  private readonly signGen: Record<SignPurpose, number> = { commitment: 0, receipt: 0 };
  /** The commitment letter being signed covers these materials (commitmentKey). */
  private commitmentLoadedFor = '';
  /** Documents fetched for printing (the signed versions): a reprint does not fetch again. */
  private readonly printable = new Map<PrintDoc, Blob>();
  /** Bumped by every print attempt per document. */
  private readonly printGen: Record<PrintDoc, number> = { commitment: 0, receipt: 0, rejection: 0 };
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(private readonly d: CaseFlowDeps) {
    this.cases = new CasesApi(() => d.token());
    this.docOpened = new Promise<void>((r) => (this.docReady = r));
    const withCase = d.matterId !== 'consult';
    this.state = {
      sessionId: d.session.sessionId,
      matterId: d.matterId,
      matterName: d.matterName,
      withCase,
      step: withCase ? { kind: 'reading-card' } : { kind: 'none' },
      refreshFailed: false,
      docCamera: 'opening',
      docStream: null,
      stills: {},
      annotations: {},
      sign: { commitment: { status: 'idle' }, receipt: { status: 'idle' } },
      print: {},
    };
  }

  get sessionId(): string {
    return this.d.session.sessionId;
  }

  getState(): CaseFlowState {
    return this.state;
  }

  private set(patch: Partial<CaseFlowState>): void {
    if (this.disposed) return;
    this.state = { ...this.state, ...patch };
    this.d.onChange(this.state);
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.disposed) fn();
    }, ms);
    this.timers.add(t);
  }

  /** The call started: read the ID card and open the case (matter calls only). */
  start(): void {
    if (this.state.withCase) void this.openCase();
  }

  /** The call is over (or never was): drop everything, stop the document camera, free the stills. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.abort.abort();
    this.docTrack?.stop();
    this.docTrack = null;
    this.docReady();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of Object.values(this.state.stills)) if (s.url) URL.revokeObjectURL(s.url);
    this.applicant = undefined;
    this.printable.clear();
  }

  // --- document camera -----------------------------------------------------

  /** The document camera of this call (null: none, captures fall back to a file picker). Stopped by dispose(). */
  setDocTrack(track: MediaStreamTrack | null): void {
    if (this.disposed) {
      track?.stop();
      return;
    }
    this.docTrack?.stop();
    this.docTrack = track;
    if (track) {
      track.addEventListener('ended', () => {
        if (this.docTrack !== track) return;
        // Unplugged: from now on a file picker.
        this.docTrack = null;
        this.set({ docCamera: 'none', docStream: null });
      });
    }
    this.set({ docCamera: track ? 'on' : 'none', docStream: track ? new MediaStream([track]) : null });
    this.docReady();
  }

  // --- the case ------------------------------------------------------------

  /** 「重新读卡」 / 「重试」 after a failed card read or case creation. */
  retryOpen(): void {
    const k = this.state.step.kind;
    if (k === 'card-error' || k === 'create-error') void this.openCase();
  }

  private async openCase(): Promise<void> {
    const attempt = ++this.openAttempt;
    const current = () => !this.disposed && attempt === this.openAttempt;
    if (!this.applicant) {
      this.set({ step: { kind: 'reading-card' } });
      try {
        const identity = await this.d.devices.idCard.read(ID_CARD_TIMEOUT_MS);
        if (!current()) return;
        this.applicant = identity;
      } catch (err) {
        if (!current()) return;
        console.warn('ID card not read', err);
        this.set({ step: { kind: 'card-error', reason: err instanceof IdCardError ? err.reason : 'reader-offline' } });
        return;
      }
    }
    this.set({ step: { kind: 'creating' } });
    try {
      const view = await this.cases.create({ matterId: this.d.matterId, applicant: this.applicant });
      if (!current()) return;
      this.applicant = undefined; // the case holds it now
      this.takeView(view);
      this.set({ step: { kind: 'ready' } });
      // Changes announced while the case was being created.
      if (this.wanted() > view.version) void this.refresh();
    } catch (err) {
      if (!current()) return;
      console.error('case could not be created', err);
      this.set({ step: { kind: 'create-error', error: errorKey(err) } });
    }
  }

  /** Keeps the newest version of our case only. */
  private takeView(view: CaseView): void {
    const have = this.state.caseView;
    if (have && (have.caseNo !== view.caseNo || have.version >= view.version)) return;
    this.set({ caseView: view });
    this.afterCaseChange(view);
  }

  /** 'case:updated' for any case of this booth. */
  onCaseUpdated(info: { caseNo: string; version: number }): void {
    const have = this.state.caseView;
    if (have && have.caseNo !== info.caseNo) return;
    this.announced.set(info.caseNo, Math.max(this.announced.get(info.caseNo) ?? 0, info.version));
    // Before the create answer arrives the case number is unknown: openCase() catches up.
    if (!have || have.version >= info.version) return;
    void this.refresh();
  }

  /** The newest announced version of our case (0 before it exists). */
  private wanted(): number {
    const have = this.state.caseView;
    return have ? (this.announced.get(have.caseNo) ?? 0) : 0;
  }

  /** 「刷新」 after a failed refetch. */
  refreshNow(): void {
    const have = this.state.caseView;
    if (!have) return;
    void this.refresh(true);
  }

  private async refresh(force = false): Promise<void> {
    if (this.refreshing || this.disposed) return;
    this.refreshing = true;
    try {
      for (let i = 0; i < 5; i++) {
        const have = this.state.caseView;
        if (!have || (!force && have.version >= this.wanted())) break;
        force = false;
        const view = await this.cases.get(have.caseNo);
        if (this.disposed) return;
        this.takeView(view);
        if (view.version < this.wanted()) continue; // announced but not readable yet: once more
      }
      if (this.state.refreshFailed) this.set({ refreshFailed: false });
    } catch (err) {
      if (this.disposed) return;
      console.warn('case refresh failed', err);
      this.set({ refreshFailed: true });
      this.later(REFRESH_RETRY_MS, () => {
        const have = this.state.caseView;
        if (have && have.version < this.wanted()) void this.refresh();
      });
    } finally {
      this.refreshing = false;
    }
  }

  private afterCaseChange(view: CaseView): void {
    for (const purpose of SIGN_PURPOSES) {
      const sign = this.state.sign[purpose];
      const wanted = wantsSignature(view, purpose);
      if (wanted && sign.status === 'idle') void this.prepareDocument(purpose);
      else if (wanted && purpose === 'commitment' && commitmentKey(view) !== this.commitmentLoadedFor && sign.status !== 'submitting' && sign.status !== 'signed') {
        // The agent let another material be replaced: the letter to sign is a new one.
        void this.prepareDocument(purpose);
      } else if (!wanted && sign.status !== 'idle' && sign.status !== 'signed') {
        // Our own signature, announced before its answer came back: submitSignature finishes the step.
        if (sign.status === 'submitting' && view.signatures.some((s) => s.purpose === purpose)) continue;
        // Withdrawn, refused, signed elsewhere… before the resident signed here: the step goes away.
        this.signGen[purpose]++;
        this.setSign(purpose, { status: 'idle' });
      }
    }
    // 不予受理 / 补正: the notice is printed at once, for the resident to take home.
    if (view.state === 'rejected' && this.state.print.rejection === undefined) void this.printDocument('rejection');
  }

  // --- captures and uploads -------------------------------------------------

  /** Whether the server would take a file for this material now. */
  canAttach(materialId: string): boolean {
    const view = this.state.caseView;
    const m = view?.materials.find((x) => x.materialId === materialId);
    if (!view || !m || !CAN_ATTACH.has(view.state) || m.verdict === 'committed') return false;
    if (view.state === 'pending_materials') return m.mayBeMissing && m.verdict !== 'accepted';
    return true;
  }

  get busy(): boolean {
    return this.queued > 0;
  }

  /** 「拍照上传」 with the document camera (still opening: waits for it; none after all: asks for a file). */
  captureFromCamera(materialId: string): void {
    if (this.busy) return;
    this.enqueue(materialId, false, async () => {
      await this.docOpened;
      if (this.docTrack) return this.still();
      const name = this.state.caseView?.materials.find((x) => x.materialId === materialId)?.name ?? '';
      this.set({ pickRequest: { materialId, name } });
      return undefined;
    });
  }

  /** A file the resident picked (no document camera, or the agent asked for it). */
  uploadPicked(materialId: string, file: Blob): void {
    if (this.state.pickRequest?.materialId === materialId) this.set({ pickRequest: undefined });
    this.enqueue(materialId, false, async () => file);
  }

  /** The agent pressed the remote shutter. */
  onCaptureRequested(info: { materialId: string; by: string }): void {
    const m = this.state.caseView?.materials.find((x) => x.materialId === info.materialId);
    if (!m) {
      console.warn('capture requested for a material that is not in this case', info.materialId);
      return;
    }
    const notice = { materialId: m.materialId, name: m.name, by: info.by };
    if (this.state.docCamera === 'none') {
      // Cannot open a file picker without the resident's touch: ask for it.
      this.set({ pickRequest: notice });
      return;
    }
    this.set({ remoteNotice: notice });
    const shownAt = Date.now();
    this.enqueue(
      info.materialId,
      true,
      async () => {
        await this.docOpened;
        if (!this.docTrack) {
          // The camera turned out to be missing: the resident picks a file instead.
          this.set({ pickRequest: notice });
          return undefined;
        }
        return this.still();
      },
      () =>
        this.later(Math.max(0, REMOTE_NOTICE_MS - (Date.now() - shownAt)), () => {
          if (this.state.remoteNotice === notice) this.set({ remoteNotice: undefined });
        }),
    );
  }

  dismissUploadError(): void {
    if (this.state.uploadError) this.set({ uploadError: undefined });
  }

  dismissPickRequest(): void {
    if (this.state.pickRequest) this.set({ pickRequest: undefined });
  }

  private async still(): Promise<Blob> {
    const track = this.docTrack;
    if (!track) throw new Error('no document camera');
    return captureStill(track);
  }

  private enqueue(materialId: string, remote: boolean, source: () => Promise<Blob | undefined>, done?: () => void): void {
    if (this.disposed) return;
    this.queued++;
    this.jobs = this.jobs
      .then(() => this.upload(materialId, remote, source))
      .catch((err) => console.error('capture failed', err))
      .finally(() => {
        this.queued--;
        done?.();
      });
  }

  /** still (or file) → resumable upload with progress → attach to the material → tell the agent. */
  private async upload(materialId: string, remote: boolean, source: () => Promise<Blob | undefined>): Promise<void> {
    const view = this.state.caseView;
    const m = view?.materials.find((x) => x.materialId === materialId);
    if (this.disposed || !view || !m) return;
    const name = m.name;
    const fail = (problem: UploadProblem, code?: string) => this.set({ upload: undefined, uploadError: { materialId, name, problem, ...(code ? { code } : {}) } });
    if (!this.canAttach(materialId)) {
      fail('state');
      return;
    }
    let job: UploadJob = { materialId, name, remote, stage: 'capturing', percent: 0 };
    const patch = (p: Partial<UploadJob>) => {
      job = { ...job, ...p };
      this.set({ upload: job });
    };
    this.set({ upload: job, uploadError: undefined });

    let blob: Blob | undefined;
    try {
      blob = await source();
    } catch (err) {
      if (this.disposed) return;
      console.warn('still not taken', err);
      fail('capture');
      return;
    }
    if (this.disposed) return;
    if (!blob) {
      this.set({ upload: undefined });
      return;
    }

    patch({ stage: 'uploading' });
    let sha256: string;
    let mime: string;
    try {
      const res = await uploadFile(blob, {
        token: this.d.token(),
        fileName: fileNameFor(materialId, blob.type),
        signal: this.abort.signal,
        onProgress: ({ sent, total }) => {
          if (!this.disposed && this.state.upload === job) patch({ percent: Math.min(100, Math.round((sent / Math.max(1, total)) * 100)) });
        },
      });
      sha256 = res.sha256;
      mime = res.mime;
    } catch (err) {
      if (this.disposed) return;
      console.warn('upload refused or failed', err);
      const p = uploadProblem(err, 'upload');
      fail(p.problem, p.code);
      return;
    }
    if (this.disposed) return;
    this.keepStill(sha256, materialId, mime, blob);

    patch({ stage: 'attaching', percent: 100 });
    try {
      const caseNo = this.state.caseView?.caseNo ?? view.caseNo;
      const updated = await this.cases.attachFile(caseNo, materialId, sha256);
      if (this.disposed) return;
      this.takeView(updated);
    } catch (err) {
      if (this.disposed) return;
      console.warn('attach failed', err);
      const p = uploadProblem(err, 'attach');
      fail(p.problem, p.code);
      return;
    }
    this.d.sig.request('doc:uploaded', { sessionId: this.sessionId, materialId, sha256 }).catch((err) => console.warn('doc:uploaded not delivered', err));
    this.set({ upload: undefined, view: sha256, pointer: this.state.pointer?.sha256 === sha256 ? this.state.pointer : undefined });
  }

  private keepStill(sha256: string, materialId: string, mime: string, blob: Blob): void {
    const have = this.state.stills[sha256];
    if (have) {
      if (have.materialId !== materialId) this.set({ stills: { ...this.state.stills, [sha256]: { ...have, materialId } } });
      return;
    }
    const url = mime.startsWith('image/') ? URL.createObjectURL(blob) : undefined;
    this.set({ stills: { ...this.state.stills, [sha256]: { sha256, materialId, mime, ...(url ? { url } : {}) } } });
  }

  // --- the agent's marks, pointer and guide ---------------------------------

  onAnnotations(info: { fileSha256: string; annotations: Annotation[] }): void {
    if (!this.state.stills[info.fileSha256]) return; // not a still of this booth
    const annotations = { ...this.state.annotations, [info.fileSha256]: info.annotations };
    this.set(info.annotations.length > 0 || this.state.view === info.fileSha256 ? { annotations, view: info.fileSha256 } : { annotations });
  }

  onPointer(info: { fileSha256: string; at: { x: number; y: number } | null }): void {
    if (!this.state.stills[info.fileSha256]) return;
    if (!info.at) {
      if (this.state.pointer?.sha256 === info.fileSha256) this.set({ pointer: undefined });
      return;
    }
    this.set({ pointer: { sha256: info.fileSha256, x: info.at.x, y: info.at.y }, view: info.fileSha256 });
  }

  onGuide(item: GuideItem): void {
    switch (item.kind) {
      case 'clear':
        this.set({ guide: undefined });
        return;
      case 'step':
        this.set({ guide: { kind: 'step', title: item.title, text: item.text } });
        return;
      case 'highlight':
        this.set({ guide: { kind: 'highlight', fileSha256: item.fileSha256, x: item.x, y: item.y, w: item.w, h: item.h, ...(item.text ? { text: item.text } : {}) } });
        return;
      case 'sample': {
        const name = this.state.caseView?.materials.find((m) => m.materialId === item.materialId)?.name ?? '';
        const guide: GuideView = { kind: 'sample', materialId: item.materialId, name };
        this.set({ guide });
        void this.sampleHint(guide);
        return;
      }
    }
  }

  /** The catalog's words on how to prepare / photograph the material. */
  private async sampleHint(guide: Extract<GuideView, { kind: 'sample' }>): Promise<void> {
    try {
      const { matter } = await fetchMatter(this.d.matterId, this.abort.signal);
      const m = matter.materials.find((x) => x.id === guide.materialId);
      if (!m || this.state.guide !== guide) return;
      this.set({ guide: { ...guide, name: guide.name || m.name, hint: m.sampleHint ?? m.description } });
    } catch (err) {
      if (!this.disposed) console.warn('sample hint not loaded', err);
    }
  }

  closeView(): void {
    if (this.state.view) this.set({ view: undefined });
  }

  closeGuide(): void {
    if (this.state.guide) this.set({ guide: undefined });
  }

  // --- documents to sign and print (告知承诺书, 受理回执, 告知书) ----------------

  private setSign(purpose: SignPurpose, sign: SignState): void {
    this.set({ sign: { ...this.state.sign, [purpose]: sign } });
  }

  private setPrint(doc: PrintDoc, print: PrintState): void {
    this.set({ print: { ...this.state.print, [doc]: print } });
  }

  /** The unsigned document and its SHA-256 (what the resident signs). */
  private async prepareDocument(purpose: SignPurpose): Promise<void> {
    const caseNo = this.state.caseView?.caseNo;
    if (!caseNo) return;
    const gen = ++this.signGen[purpose];
    const current = () => !this.disposed && gen === this.signGen[purpose];
    if (purpose === 'commitment') this.commitmentLoadedFor = commitmentKey(this.state.caseView);
    this.setSign(purpose, { status: 'loading' });
    try {
      const pdf = await this.cases.pdf(caseNo, purpose);
      const documentSha256 = await sha256Hex(pdf);
      if (!current()) return;
      this.setSign(purpose, { status: 'ready', documentSha256 });
    } catch (err) {
      if (!current()) return;
      console.error(`${purpose} not loaded`, err);
      this.setSign(purpose, { status: 'load-error', error: errorKey(err) });
    }
  }

  /** 「重试」 when the document to sign could not be loaded. */
  retryDocument(purpose: SignPurpose): void {
    if (this.state.sign[purpose].status === 'load-error') void this.prepareDocument(purpose);
  }

  /** 「确认签名」: the signature PNG → upload → recorded over the document → the signed document printed. */
  async submitSignature(purpose: SignPurpose, png: Blob): Promise<void> {
    const { caseView } = this.state;
    const sign = this.state.sign[purpose];
    if ((sign.status !== 'ready' && sign.status !== 'submit-error') || !caseView) return;
    const { documentSha256 } = sign;
    const caseNo = caseView.caseNo;
    const gen = this.signGen[purpose];
    const current = () => !this.disposed && gen === this.signGen[purpose];
    this.setSign(purpose, { status: 'submitting', documentSha256 });
    try {
      const { sha256 } = await uploadFile(png, { token: this.d.token(), fileName: `${purpose}-signature-${caseNo}.png`, signal: this.abort.signal });
      if (!current()) return;
      const view = await this.cases.addSignature(caseNo, purpose, sha256, documentSha256);
      if (!current()) return;
      this.setSign(purpose, { status: 'signed' });
      this.takeView(view);
    } catch (err) {
      if (!current()) return;
      console.error(`${purpose} signature not recorded`, err);
      this.setSign(purpose, { status: 'submit-error', documentSha256, error: errorKey(err) });
      return;
    }
    await this.printDocument(purpose);
  }

  /** 「重新打印」 */
  retryPrint(doc: PrintDoc): void {
    if (this.state.print[doc]?.state === 'failed') void this.printDocument(doc);
  }

  private async printDocument(doc: PrintDoc): Promise<void> {
    const caseNo = this.state.caseView?.caseNo;
    if (!caseNo || this.disposed) return;
    const gen = ++this.printGen[doc];
    const current = () => !this.disposed && gen === this.printGen[doc];
    this.setPrint(doc, { state: 'printing' });
    let pdf = this.printable.get(doc);
    if (!pdf) {
      try {
        // Fetched after signing: now it carries the signature.
        pdf = await this.cases.pdf(caseNo, doc);
        if (!current()) return;
        this.printable.set(doc, pdf);
      } catch (err) {
        if (!current()) return;
        console.error(`${doc} not loaded for printing`, err);
        this.setPrint(doc, { state: 'failed', reason: 'fetch' });
        return;
      }
    }
    try {
      await this.d.devices.printer.print(pdf, `${PRINT_TITLES[doc]} ${caseNo}`);
      if (!current()) return;
      this.setPrint(doc, { state: 'printed' });
    } catch (err) {
      if (!current()) return;
      console.error(`${doc} not printed`, err);
      this.setPrint(doc, { state: 'failed', reason: err instanceof PrinterError ? err.reason : 'failed' });
    }
  }
}
