/**
 * First start of `npm start`: demo accounts so two browser windows can make a
 * call at once. Passwords are random per installation, kept (0600) in
 * DATA_DIR/demo-credentials.json and printed at each start.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Accounts } from './accounts';
import type { Catalog } from '@xiaowu/shared/catalog';

export interface DemoCredentials {
  agents: Array<{ username: string; password: string; name: string }>;
  supervisor: { username: string; password: string };
  interpreter?: { username: string; password: string };
  /** Sign-language interpreters with their variants (tags `sign:csl` 国家通用手语, `sign:bj` 北京, `sign:sh` 上海). */
  interpreters?: Array<{ username: string; password: string; name: string }>;
  booth: { boothId: string; secret: string };
}

export async function ensureDemoAccounts(accounts: Accounts, catalog: Catalog, dataDir: string): Promise<DemoCredentials | undefined> {
  const file = path.join(dataDir, 'demo-credentials.json');
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as DemoCredentials;
  if ((await accounts.staffCount()) > 0) return undefined;
  const pw = () => randomBytes(9).toString('base64url');
  const allSkills = [...new Set(catalog.matters.map((m) => m.skill))];
  const creds: DemoCredentials = {
    agents: [
      { username: 'agent-1', password: pw(), name: '王芳（综合窗口）' },
      { username: 'agent-2', password: pw(), name: '李强（社保医保）' },
    ],
    supervisor: { username: 'supervisor-1', password: pw() },
    interpreter: { username: 'interpreter-1', password: pw() },
    interpreters: [],
    booth: { boothId: 'booth-demo', secret: '' },
  };
  creds.interpreters = [
    { username: 'interpreter-1', password: creds.interpreter!.password, name: '赵老师（国家通用手语）' },
    { username: 'interpreter-2', password: pw(), name: '钱老师（国家通用手语、北京手语）' },
    { username: 'interpreter-3', password: pw(), name: '孙老师（国家通用手语、上海手语）' },
  ];
  const interpreterTags = [['sign:csl'], ['sign:csl', 'sign:bj'], ['sign:csl', 'sign:sh']];
  await accounts.createStaff({ username: 'agent-1', name: creds.agents[0]!.name, role: 'agent', skills: allSkills, tags: ['sign'] }, creds.agents[0]!.password);
  await accounts.createStaff({ username: 'agent-2', name: creds.agents[1]!.name, role: 'agent', skills: ['shebao', 'yibao'], tags: ['lang:yue'] }, creds.agents[1]!.password);
  for (const [i, it] of creds.interpreters.entries()) {
    await accounts.createStaff({ username: it.username, name: it.name, role: 'interpreter', skills: [], tags: interpreterTags[i]! }, it.password);
  }
  await accounts.createStaff({ username: 'supervisor-1', name: '值班长', role: 'supervisor', skills: [], tags: [] }, creds.supervisor.password);
  creds.booth.secret = await accounts.provisionBooth({ boothId: 'booth-demo', name: '和平里社区晓屋', community: '和平里社区', address: '示例街道 1 号' });
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(creds, null, 2), { mode: 0o600 });
  return creds;
}
