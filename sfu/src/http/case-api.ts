/**
 * Case routes (受理): create from the booth (applicant from the ID-card
 * reader), attach uploaded materials, review per material, the state
 * transitions, signatures, the four PDFs, and the residents' progress lookup.
 * Every route goes through CaseStore, which checks role, ownership (others'
 * cases are NOT_FOUND) and the state machine; answers are masked per role.
 */
import type { FeedbackStore } from '../feedback/feedback-store';
import express, { type Request, type Router } from 'express';
import fs from 'node:fs';
import { z } from 'zod';
import { AppError, ErrorCode, Identity, isFinal } from '@xiaowu/shared';
import type { CatalogStore } from '../catalog/catalog-store';
import type { TokenService } from '../auth/tokens';
import type { Accounts } from '../auth/accounts';
import type { Uploads } from '../documents/uploads';
import { CaseStore, ReviewVerdicts, SignaturePurposes, type Case } from '../cases/case-store';
import { renderCommitmentLetter, renderDossier, renderReceipt, renderRejectionNotice } from '../pdf/case-pdfs';
import { parse, principal, route } from './api';

export interface CaseApiDeps {
  cases: CaseStore;
  catalog: CatalogStore;
  tokens: TokenService;
  accounts: Accounts;
  uploads: Uploads;
  publicUrl?: string;
  /** The booth's running call on any node, if any: the case is tied to its session and assigned to its agent. */
  boothCall(boothId: string): Promise<{ sessionId: string; agentId?: string } | undefined>;
}

const caseNo = z.string().regex(/^\d{19}$/, 'case number: 19 digits');
const sha = z.string().regex(/^[a-f0-9]{64}$/);

export function createCaseApi(d: CaseApiDeps): Router {
  const api = express.Router();
  api.use(express.json({ limit: '64kb' }));
  const no = (req: Request) => parse(caseNo, req.params.no);
  const send = async (req: Request, c: Case) => d.cases.view(c, await principal(req, d.tokens));
  const matterOf = (c: Case) => d.catalog.matter(c.matterId, c.catalogVersion);
  const pdf = (res: express.Response, name: string, bytes: Uint8Array) => {
    res.setHeader('content-type', 'application/pdf');
    res.setHeader('content-disposition', `inline; filename="${name}"`);
    res.end(Buffer.from(bytes));
  };

  api.post('/', route(async (req) => {
    const who = await principal(req, d.tokens, ['booth', 'agent']);
    const body = parse(
      z.object({ matterId: z.string().max(64), applicant: Identity, phone: z.string().regex(/^1\d{10}$/).optional(), boothId: z.string().max(64).optional() }).strict(),
      req.body,
    );
    const matter = await d.catalog.matter(body.matterId);
    const boothId = who.role === 'booth' ? who.userId : body.boothId;
    if (!boothId) throw new AppError(ErrorCode.BadRequest, 'boothId is required when an agent opens a case');
    // Idempotent per call: a booth retrying after a lost answer gets the case it already opened in this session.
    const call = await d.boothCall(boothId);
    const sessionId = call?.sessionId;
    if (who.role === 'booth' && sessionId) {
      const open = (await d.cases.listForBooth(boothId, 10)).find((c) => c.sessionId === sessionId && c.matterId === matter.id && !isFinal(c.state));
      if (open) return send(req, open);
    }
    const c = await d.cases.create(
      {
        matter,
        catalogVersion: (await d.catalog.current()).version,
        boothId,
        agentId: who.role === 'agent' ? who.userId : call?.agentId,
        sessionId,
        applicant: body.applicant,
        phone: body.phone,
      },
      who,
    );
    return send(req, c);
  }));

  api.get('/:no', route(async (req) => send(req, await d.cases.get(no(req), await principal(req, d.tokens)))));
  api.get('/:no/audit', route(async (req) => d.cases.audit(no(req), await principal(req, d.tokens))));

  api.post('/:no/materials/:materialId/files', route(async (req) => {
    const { sha256 } = parse(z.object({ sha256: sha }).strict(), req.body);
    return send(req, await d.cases.attachFile(no(req), parse(z.string().max(64), req.params.materialId), sha256, await principal(req, d.tokens)));
  }));

  api.post('/:no/materials/:materialId/review', route(async (req) => {
    const body = parse(z.object({ verdict: z.enum(ReviewVerdicts), reason: z.string().max(200).optional() }).strict(), req.body);
    return send(req, await d.cases.review(no(req), parse(z.string().max(64), req.params.materialId), body.verdict, body.reason, await principal(req, d.tokens)));
  }));

  api.post('/:no/materials/:materialId/commitment', route(async (req) =>
    send(req, await d.cases.signCommitment(no(req), parse(z.string().max(64), req.params.materialId), await principal(req, d.tokens))),
  ));

  api.post('/:no/delivery', route(async (req) => {
    const body = parse(z.object({ mode: z.enum(['pickup', 'mail', 'electronic']), address: z.string().max(200).optional() }).strict(), req.body);
    return send(req, await d.cases.setDelivery(no(req), body, await principal(req, d.tokens)));
  }));

  api.post('/:no/signatures', route(async (req) => {
    const body = parse(z.object({ purpose: z.enum(SignaturePurposes), sha256: sha, documentSha256: sha }).strict(), req.body);
    return send(req, await d.cases.addSignature(no(req), body, await principal(req, d.tokens)));
  }));

  const transitions = {
    submit: (n: string, p: Parameters<CaseStore['submit']>[1]) => d.cases.submit(n, p),
    'start-review': (n: string, p: Parameters<CaseStore['submit']>[1]) => d.cases.startReview(n, p),
    accept: (n: string, p: Parameters<CaseStore['submit']>[1]) => d.cases.accept(n, p),
    'supply-missing': (n: string, p: Parameters<CaseStore['submit']>[1]) => d.cases.supplyMissing(n, p),
    complete: (n: string, p: Parameters<CaseStore['submit']>[1]) => d.cases.complete(n, p),
    withdraw: (n: string, p: Parameters<CaseStore['submit']>[1]) => d.cases.withdraw(n, p),
  } as const;
  for (const [action, fn] of Object.entries(transitions)) {
    api.post(`/:no/${action}`, route(async (req) => send(req, await fn(no(req), await principal(req, d.tokens)))));
  }
  api.post('/:no/reject', route(async (req) => {
    const { reasons } = parse(z.object({ reasons: z.array(z.string().min(1).max(300)).max(30) }).strict(), req.body);
    return send(req, await d.cases.reject(no(req), reasons, await principal(req, d.tokens)));
  }));

  // PDFs: the same ownership rules as the case itself.
  const signature = async (c: Case, purpose: 'receipt' | 'commitment' | 'application') => {
    const s = [...c.signatures].reverse().find((x) => x.purpose === purpose);
    return s && fs.existsSync(d.uploads.files.pathOf(s.sha256)) ? new Uint8Array(fs.readFileSync(d.uploads.files.pathOf(s.sha256))) : undefined;
  };
  api.get('/:no/receipt.pdf', route(async (req, res) => {
    const who = await principal(req, d.tokens);
    const c = await d.cases.get(no(req), who);
    const agent = c.agentId ? await d.accounts.staff(c.agentId) : undefined;
    const progressUrl = `${d.publicUrl ?? `${req.protocol}://${req.get('host')}`}/booth/#progress=${c.caseNo}`;
    pdf(res, `receipt-${c.caseNo}.pdf`, await renderReceipt(c, { matter: await matterOf(c), agentName: agent?.name ?? c.agentId ?? '', progressUrl, signaturePng: await signature(c, 'receipt') }));
  }));
  api.get('/:no/rejection.pdf', route(async (req, res) => {
    const c = await d.cases.get(no(req), await principal(req, d.tokens));
    pdf(res, `notice-${c.caseNo}.pdf`, await renderRejectionNotice(c, { matter: await matterOf(c) }));
  }));
  api.get('/:no/commitment.pdf', route(async (req, res) => {
    const c = await d.cases.get(no(req), await principal(req, d.tokens));
    // The letter covers what the resident committed to (before any commitment: every material that may be committed, as a preview).
    const ids = c.commitment?.materialIds ?? c.materials.filter((m) => m.commitmentAllowed).map((m) => m.materialId);
    pdf(res, `commitment-${c.caseNo}.pdf`, await renderCommitmentLetter(c, { matter: await matterOf(c), materialIds: ids, signaturePng: await signature(c, 'commitment') }));
  }));
  api.get('/:no/dossier.pdf', route(async (req, res) => {
    const who = await principal(req, d.tokens, ['agent', 'supervisor']);
    const c = await d.cases.get(no(req), who);
    const hashes = [...new Set(c.materials.flatMap((m) => m.files))];
    const files = await Promise.all(
      hashes.map(async (h) => {
        const info = await d.uploads.fileInfo(h);
        if (!info) throw new AppError(ErrorCode.NotFound, `file ${h} is missing from the store`);
        return { sha256: h, mime: info.mime, bytes: new Uint8Array(fs.readFileSync(d.uploads.files.pathOf(h))) };
      }),
    );
    pdf(res, `dossier-${c.caseNo}.pdf`, await renderDossier(c, { matter: await matterOf(c), files, audit: await d.cases.audit(c.caseNo, who) }));
  }));

  return api;
}

/** Residents' progress lookup (互动双屏): case number + last 4 of the ID number, no login. */
export function createProgressApi(cases: CaseStore, feedback?: FeedbackStore): Router {
  const api = express.Router();
  api.use(express.json({ limit: '4kb' }));
  api.post('/', route(async (req) => {
    const body = parse(z.object({ caseNo, idLast4: z.string().regex(/^\d{3}[\dX]$/) }).strict(), req.body);
    const found = await cases.lookup(body.caseNo, body.idLast4, `ip:${req.ip}`);
    // 一事多评: a completed case not yet rated at completion offers its invite code (the lookup proved the applicant).
    if (found.state === 'completed' && feedback) {
      const sessionId = await cases.sessionOf(body.caseNo);
      const r = sessionId ? await feedback.ratable(sessionId, 'completion') : undefined;
      if (r?.code && r.caseNo === body.caseNo) return { ...found, rateCode: r.code };
    }
    return found;
  }));
  return api;
}
