/**
 * Automated accessibility check (axe-core) of a page opened with playwright-core:
 * the WCAG 2 A and AA rules, violations only. The apps' CSP allows no inline
 * script, so axe's source is evaluated through the DevTools protocol instead of
 * a <script> tag.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export type AxeImpact = 'minor' | 'moderate' | 'serious' | 'critical';

export interface AxeViolation {
  id: string;
  impact: AxeImpact | null;
  help: string;
  nodes: Array<{ target: string[]; html: string; summary: string }>;
}

/** Injects axe (once per document) and runs it on the page (or on `include`, a CSS selector). */
export async function runAxe(page: Page, opts: { include?: string; exclude?: string[] } = {}): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(`${AXE_SOURCE}\n;undefined`);
  return page.evaluate(async ({ include, exclude }) => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, o: unknown): Promise<{ violations: Array<Record<string, unknown>> }> } }).axe;
    const context = include || exclude?.length ? { ...(include ? { include: [include] } : {}), ...(exclude?.length ? { exclude: exclude.map((e) => [e]) } : {}) } : document;
    const res = await axe.run(context, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] }, resultTypes: ['violations'] });
    return res.violations.map((v) => ({
      id: v.id as string,
      impact: (v.impact ?? null) as AxeImpact | null,
      help: v.help as string,
      nodes: (v.nodes as Array<{ target: string[]; html: string; failureSummary?: string }>).slice(0, 5).map((n) => ({
        target: n.target.map(String),
        html: n.html.slice(0, 240),
        summary: (n.failureSummary ?? '').slice(0, 400),
      })),
    }));
  }, opts);
}

/** The violations that block: impact 'serious' or 'critical'. */
export function blocking(violations: AxeViolation[]): AxeViolation[] {
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** One readable block per violation, for the test's output and failure messages. */
export function describeViolations(violations: AxeViolation[]): string {
  return violations
    .map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')}  ${n.html}\n      ${n.summary.replace(/\n/g, '\n      ')}`).join('\n')}`)
    .join('\n');
}

/** Runs axe, prints the minor / moderate violations' ids, and returns the serious / critical ones. */
export async function checkA11y(page: Page, screen: string, opts: { include?: string; exclude?: string[] } = {}): Promise<AxeViolation[]> {
  const all = await runAxe(page, opts);
  const others = all.filter((v) => !blocking([v]).length);
  if (others.length) console.info(`[axe] ${screen}: not blocking: ${others.map((v) => `${v.id} (${v.impact})`).join(', ')}`);
  const bad = blocking(all);
  if (bad.length) console.error(`[axe] ${screen}: serious or critical:\n${describeViolations(bad)}`);
  return bad;
}
