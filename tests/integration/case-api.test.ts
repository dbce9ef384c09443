/**
 * Remote acceptance through the real server: a booth in a call opens a case
 * for the resident (identity from the ID-card reader), uploads and attaches
 * the materials, the agent reviews and accepts, the receipt PDF carries the
 * case number, and any booth can look up its progress with the ID's last 4.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type CallOffer } from '@xiaowu/shared';
import { DEMO_IDENTITY } from '../../booth-client/src/devices/id-card-reader';
import { nextEvent, startTestServer, type TestServer } from '../support/server';
import { pdfText } from '../support/pdf';
import { api } from '../support/api';

describe('cases over the API', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ RECORDING: 'off' });
  });
  afterAll(async () => srv?.close());

  const call = (method: string, p: string, token: string, body?: unknown, raw?: Buffer) => api(srv, method, p, { token, body, raw });

  it('opens, fills, reviews and accepts a case; prints the receipt; the resident looks it up anywhere', async () => {
    const { token: booth } = await srv.booth('booth-case', '安贞晓屋');
    const { token: elsewhere } = await srv.booth('booth-elsewhere');
    const agentToken = await srv.staff({ username: 'agent-case', name: '受理坐席', skills: ['shebao'] });
    const agent = await srv.client(agentToken);
    const boothSock = await srv.client(booth);
    const offer = nextEvent<CallOffer>(agent, 'call:offer');
    await agent.request('agent:setState', { state: 'available' });
    await boothSock.request('call:request', { matterId: 'shebao-card-reissue' });
    await agent.request('call:answer', { callId: (await offer).callId });

    const created = await call('POST', '/cases', booth, { matterId: 'shebao-card-reissue', applicant: DEMO_IDENTITY, phone: '13800138000' });
    expect(created.status).toBe(200);
    const c = created.body.data;
    expect(c.caseNo).toMatch(/^\d{8}110105\d{5}$/);
    expect(c.agentId).toBe('agent-case');
    expect(c.applicant.idNumber).toBe('110105********002X'); // the booth sees it masked
    expect((await call('GET', `/cases/${c.caseNo}`, agentToken)).body.data.applicant.idNumber).toBe(DEMO_IDENTITY.idNumber);
    expect((await call('GET', `/cases/${c.caseNo}`, elsewhere)).status).toBe(404);
    expect((await call('POST', '/cases', booth, { matterId: 'shebao-card-reissue', applicant: { ...DEMO_IDENTITY, idNumber: '110105194912310021' } })).status).toBe(400);

    const scan = await sharp({ create: { width: 1200, height: 800, channels: 3, background: '#eee' } }).jpeg().toBuffer();
    const sha = createHash('sha256').update(scan).digest('hex');
    const up = await call('POST', '/uploads', booth, { fileName: 'scan.jpg', size: scan.length, sha256: sha });
    expect((await call('PUT', `/uploads/${up.body.data.uploadId}?offset=0`, booth, undefined, scan)).body.data.file.sha256).toBe(sha);
    expect((await call('POST', `/cases/${c.caseNo}/materials/idcard/files`, booth, { sha256: 'f'.repeat(64) })).body.error?.code).toBe(ErrorCode.BadRequest); // not an uploaded file
    for (const m of c.materials as Array<{ materialId: string }>) {
      expect((await call('POST', `/cases/${c.caseNo}/materials/${m.materialId}/files`, booth, { sha256: sha })).status).toBe(200);
    }
    expect((await call('POST', `/cases/${c.caseNo}/accept`, agentToken)).body.error?.code).toBe(ErrorCode.InvalidState);
    await call('POST', `/cases/${c.caseNo}/delivery`, booth, { mode: 'pickup' });
    expect((await call('POST', `/cases/${c.caseNo}/submit`, booth)).body.data.state).toBe('submitted');
    expect((await call('POST', `/cases/${c.caseNo}/start-review`, booth)).status).toBe(403);
    expect((await call('POST', `/cases/${c.caseNo}/start-review`, agentToken)).body.data.state).toBe('under_review');
    for (const m of c.materials as Array<{ materialId: string }>) {
      await call('POST', `/cases/${c.caseNo}/materials/${m.materialId}/review`, agentToken, { verdict: 'accepted' });
    }
    const accepted = await call('POST', `/cases/${c.caseNo}/accept`, agentToken);
    expect(accepted.body.data.state).toBe('accepted');

    const receipt = await call('GET', `/cases/${c.caseNo}/receipt.pdf`, booth);
    const text = pdfText(receipt.body.data).replace(/\s+/g, '');
    expect(text).toContain(c.caseNo);
    expect(text).toContain('受理回执');
    expect(text).not.toContain(DEMO_IDENTITY.idNumber);
    const dossier = await call('GET', `/cases/${c.caseNo}/dossier.pdf`, agentToken);
    expect(pdfText(dossier.body.data).replace(/\s+/g, '')).toContain(c.caseNo);
    expect((await call('GET', `/cases/${c.caseNo}/dossier.pdf`, booth)).status).toBe(403);

    const progress = async (idLast4: string) =>
      fetch(`${srv.url}/api/progress`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ caseNo: c.caseNo, idLast4 }) });
    expect((await progress('1234')).status).toBe(404);
    const found = (await (await progress('002X')).json()) as { data: { state: string; stateLabel: string; matterName: string } };
    expect(found.data).toMatchObject({ state: 'accepted', stateLabel: '已受理' });
    expect(JSON.stringify(found.data)).not.toContain(DEMO_IDENTITY.name);
  });
});
