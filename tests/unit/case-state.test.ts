import { describe, expect, it } from 'vitest';
import { AppError, CASE_TRANSITIONS, CaseStates, ErrorCode, assertCaseTransition, isFinal, type CaseState } from '@xiaowu/shared';

const legal: Array<[CaseState, CaseState]> = [
  ['draft', 'submitted'],
  ['draft', 'withdrawn'],
  ['submitted', 'under_review'],
  ['submitted', 'withdrawn'],
  ['under_review', 'accepted'],
  ['under_review', 'pending_materials'],
  ['under_review', 'rejected'],
  ['under_review', 'withdrawn'],
  ['pending_materials', 'accepted'],
  ['pending_materials', 'rejected'],
  ['pending_materials', 'withdrawn'],
  ['accepted', 'completed'],
  ['accepted', 'withdrawn'],
];

describe('case state machine', () => {
  it('has exactly the legal transitions of the product rules', () => {
    const table = CaseStates.flatMap((from) => CASE_TRANSITIONS[from].map((to) => [from, to] as [CaseState, CaseState]));
    expect(table.sort()).toEqual([...legal].sort());
  });

  it.each(legal)('allows %s → %s', (from, to) => {
    expect(() => assertCaseTransition(from, to)).not.toThrow();
  });

  const illegal = CaseStates.flatMap((from) => CaseStates.filter((to) => !legal.some(([f, t]) => f === from && t === to)).map((to) => [from, to] as [CaseState, CaseState]));
  it.each(illegal)('refuses %s → %s with INVALID_STATE', (from, to) => {
    let err: unknown;
    try {
      assertCaseTransition(from, to);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe(ErrorCode.InvalidState);
  });

  it('knows the final states', () => {
    expect(CaseStates.filter(isFinal).sort()).toEqual(['completed', 'rejected', 'withdrawn']);
  });
});
