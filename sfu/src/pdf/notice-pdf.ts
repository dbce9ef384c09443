/** The one-time notice (一次性告知书) as a printable A4 PDF with a QR code back to it. */
import type { OneTimeNotice } from '@xiaowu/shared/catalog';
import { PdfLayout } from './layout';

export async function renderNoticePdf(n: OneTimeNotice, opts: { url: string; catalogVersion: number; printedAt: Date }): Promise<Uint8Array> {
  const stamp = opts.printedAt.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
  const l = await PdfLayout.create({ title: `一次性告知书：${n.title}`, footer: `政务晓屋 · 事项编码 ${n.code} · 指南版本 ${opts.catalogVersion} · 打印于 ${stamp}` });
  l.title(`一次性告知书`, `${n.title}（事项编码 ${n.code}）`);
  l.paragraph(n.summary);
  if (n.onSite) l.paragraph(`请注意：${n.onSiteNote ?? '本事项需要到政务服务中心现场办理部分环节。'}`);
  l.heading('一、办理条件');
  l.list(n.conditions.map((text) => ({ text })));
  l.heading('二、申请材料（请一次备齐）');
  l.list(
    n.materials.map((m) => ({
      text: `${m.name}　${m.form} ${m.count} 份${m.notes.length ? `（${m.notes.join('，')}）` : ''}`,
      detail: [m.description, ...(m.sampleHint ? [`拍摄提示：${m.sampleHint}`] : [])],
    })),
  );
  l.heading('三、办理时限、收费与结果领取');
  l.rows([
    ['办理时限', n.timeLimitText],
    ['收费', n.fee],
    ['结果领取', n.delivery.join('、')],
    ['告知承诺', n.allowsCommitment ? '本事项可实行告知承诺制，部分证明可由书面承诺代替' : '本事项不适用告知承诺制'],
  ]);
  l.rule();
  l.qr(opts.url, `用手机扫描二维码，随时查看本告知书的最新内容。材料备齐后，可到任一社区政务晓屋呼叫坐席办理。`);
  return l.save();
}
