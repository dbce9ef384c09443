/**
 * The case (办件) lifecycle as an explicit transition table:
 * draft → submitted → under review → accepted | rejected | pending materials
 * (容缺受理: accepted with a deadline for the missing minor materials) →
 * completed; withdrawn by the applicant at any point before a final state.
 */
import { AppError, ErrorCode } from './errors';

export const CaseStates = ['draft', 'submitted', 'under_review', 'accepted', 'pending_materials', 'rejected', 'completed', 'withdrawn'] as const;
export type CaseState = (typeof CaseStates)[number];

export const CASE_TRANSITIONS: Record<CaseState, readonly CaseState[]> = {
  draft: ['submitted', 'withdrawn'],
  submitted: ['under_review', 'withdrawn'],
  under_review: ['accepted', 'pending_materials', 'rejected', 'withdrawn'],
  // the missing materials arrive (→ accepted) or their deadline passes (→ rejected)
  pending_materials: ['accepted', 'rejected', 'withdrawn'],
  accepted: ['completed', 'withdrawn'],
  rejected: [],
  completed: [],
  withdrawn: [],
};

export const CASE_STATE_LABELS: Record<CaseState, string> = {
  draft: '填写中',
  submitted: '已提交',
  under_review: '审核中',
  accepted: '已受理',
  pending_materials: '容缺受理（待补材料）',
  rejected: '不予受理',
  completed: '已办结',
  withdrawn: '已撤回',
};

export function isFinal(s: CaseState): boolean {
  return CASE_TRANSITIONS[s].length === 0;
}

/** Throws INVALID_STATE unless `from → to` is in the table. */
export function assertCaseTransition(from: CaseState, to: CaseState): void {
  if (!CASE_TRANSITIONS[from].includes(to)) {
    throw new AppError(ErrorCode.InvalidState, `a case cannot go from ${CASE_STATE_LABELS[from]} (${from}) to ${CASE_STATE_LABELS[to]} (${to})`);
  }
}
