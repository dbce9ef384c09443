/** The one-time notice PDF as a resident would print it: every material in real, inked Chinese glyphs. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server';
import { inkRatio, pdfText } from '../support/pdf';

describe('one-time notice PDF', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ PUBLIC_URL: 'https://xiaowu.example.gov.cn' });
  });
  afterAll(async () => srv?.close());

  it('lists the conditions and every material, with Chinese glyphs that have ink', async () => {
    const info = (await (await fetch(`${srv.url}/api/catalog/matters/shebao-retire-pension`)).json()) as {
      data: { matter: { name: string; code: string; materials: Array<{ name: string }> }; noticeUrl: string };
    };
    expect(info.data.noticeUrl).toBe('https://xiaowu.example.gov.cn/api/catalog/matters/shebao-retire-pension/notice.pdf');
    const res = await fetch(`${srv.url}/api/catalog/matters/shebao-retire-pension/notice.pdf`);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const pdf = new Uint8Array(await res.arrayBuffer());
    const text = pdfText(pdf).replace(/\s+/g, '');
    expect(text).toContain('一次性告知书');
    expect(text).toContain(info.data.matter.code);
    for (const m of info.data.matter.materials) expect(text).toContain(m.name.replace(/\s+/g, ''));
    // The title band must be inked (a blank CJK subset passes pdftotext but prints nothing).
    expect(inkRatio(pdf, 1, [0.05, 0.12])).toBeGreaterThan(0.01);
    expect((await fetch(`${srv.url}/api/catalog/matters/nope/notice.pdf`)).status).toBe(404);
  });
});
