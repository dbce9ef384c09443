/**
 * Service catalog (办事指南) of the district government service center.
 *
 * Every matter (事项) carries what the booth needs to show its one-time
 * notice (一次性告知) before the call: who may apply, every material, the
 * time limits, the fee and how the result is delivered. The schemas are
 * the single source of truth; the types are inferred from them.
 */
import { z } from 'zod';

/** Short ascii slug: 'shebao', 'shebao-retire-pension'. */
const slug = z
  .string()
  .min(2)
  .max(64)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'slug: lowercase letters, digits and single dashes');

const text = z.string().trim().min(1);

/** A 办理部门 (the booth's department row; also the default routing skill). */
export const Department = z.object({
  id: slug,
  /** Short display name, e.g. 社会保险. */
  name: text.max(20),
  /** Display order, ascending. */
  order: z.number().int().min(0),
});
export type Department = z.infer<typeof Department>;

/** A life-event theme (主题服务), e.g. 养老, 生育. */
export const Theme = z.object({
  id: slug,
  name: text.max(20),
});
export type Theme = z.infer<typeof Theme>;

export const MaterialForms = ['original', 'copy', 'original_and_copy', 'electronic'] as const;
export type MaterialForm = (typeof MaterialForms)[number];

export const DeliveryModes = ['pickup', 'mail', 'electronic'] as const;
export type DeliveryMode = (typeof DeliveryModes)[number];

/** One required material (申请材料). */
export const Material = z.object({
  /** Unique within its matter; the resident's ID card is always 'idcard'. */
  id: slug,
  name: text.max(60),
  form: z.enum(MaterialForms),
  count: z.number().int().min(1),
  /** 容缺受理: the matter can be accepted without it; it is supplied afterwards. */
  mayBeMissing: z.boolean(),
  /** 告知承诺制: a signed commitment can replace it. */
  commitmentAllowed: z.boolean(),
  /** What exactly is meant, in plain words. */
  description: text,
  /** How to photograph / scan it well at the booth. */
  sampleHint: text.optional(),
});
export type Material = z.infer<typeof Material>;

/** Matter code (事项编码): 8 digits (district), 2 letters/digits (org kind), 10 digits. */
export const MATTER_CODE = /^\d{8}[0-9A-Z]{2}\d{10}$/;

/** One service matter (政务服务事项) with its guide. */
export const Matter = z.object({
  id: slug,
  code: z.string().regex(MATTER_CODE, 'code: e.g. 11011500MB0123456001'),
  name: text.max(60),
  departmentId: slug,
  themeIds: z.array(slug),
  /** Routing skill of the agent queue: the department id unless the matter needs a special skill. */
  skill: slug,
  /** One sentence. */
  summary: text,
  /** Who can apply; each item a full sentence. */
  conditions: z.array(text).min(1),
  materials: z.array(Material).min(2),
  /** Statutory limit, working days; 0 = 即办 (finished on the spot). */
  legalDays: z.number().int().min(0),
  /** The center's promise, working days, ≤ legalDays; 0 = 即办. */
  promisedDays: z.number().int().min(0),
  /** e.g. 不收费, 工本费 20 元. */
  fee: text,
  delivery: z.array(z.enum(DeliveryModes)).min(1),
  /** 告知承诺制 is accepted for this matter (for a material or a condition). */
  allowsCommitment: z.boolean(),
  /** Cannot be finished remotely: the resident must later go in person. */
  onSite: z.boolean(),
  /** Why and where the resident must go in person; required when onSite. */
  onSiteNote: text.optional(),
  /** 0–100, drives the "most used" row. */
  popular: z.number().min(0).max(100),
  /** Colloquial words residents type. */
  keywords: z.array(text),
  /**
   * Days the session recordings of this matter are kept (supervisor policy per matter);
   * absent: the server's RECORD_RETENTION_DAYS. Recording itself is always on: no agent can switch it off.
   */
  recordRetentionDays: z.number().int().min(1).max(3650).optional(),
});
export type Matter = z.infer<typeof Matter>;

export const Catalog = z
  .object({
    version: z.number().int().min(1),
    departments: z.array(Department).min(1),
    themes: z.array(Theme),
    matters: z.array(Matter).min(1),
  })
  .superRefine((c, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });

    const departmentIds = new Set<string>();
    c.departments.forEach((d, i) => {
      if (departmentIds.has(d.id)) issue(['departments', i, 'id'], `duplicate department id ${d.id}`);
      departmentIds.add(d.id);
    });
    const themeIds = new Set<string>();
    c.themes.forEach((t, i) => {
      if (themeIds.has(t.id)) issue(['themes', i, 'id'], `duplicate theme id ${t.id}`);
      themeIds.add(t.id);
    });

    const matterIds = new Set<string>();
    const codes = new Set<string>();
    c.matters.forEach((m, i) => {
      const at = (...rest: (string | number)[]) => ['matters', i, ...rest];
      if (matterIds.has(m.id)) issue(at('id'), `duplicate matter id ${m.id}`);
      matterIds.add(m.id);
      if (codes.has(m.code)) issue(at('code'), `duplicate matter code ${m.code} (${m.id})`);
      codes.add(m.code);
      if (!departmentIds.has(m.departmentId)) issue(at('departmentId'), `${m.id}: unknown department ${m.departmentId}`);
      m.themeIds.forEach((t, j) => {
        if (!themeIds.has(t)) issue(at('themeIds', j), `${m.id}: unknown theme ${t}`);
      });
      if (m.promisedDays > m.legalDays) {
        issue(at('promisedDays'), `${m.id}: promisedDays ${m.promisedDays} > legalDays ${m.legalDays}`);
      }
      const materialIds = new Set<string>();
      m.materials.forEach((mat, j) => {
        if (materialIds.has(mat.id)) issue(at('materials', j, 'id'), `${m.id}: duplicate material id ${mat.id}`);
        materialIds.add(mat.id);
        if (mat.commitmentAllowed && !m.allowsCommitment) {
          issue(at('materials', j, 'commitmentAllowed'), `${m.id}: material ${mat.id} allows a commitment but the matter does not`);
        }
      });
      if (m.onSite && !m.onSiteNote) issue(at('onSiteNote'), `${m.id}: onSite needs onSiteNote`);
    });
  });
export type Catalog = z.infer<typeof Catalog>;
