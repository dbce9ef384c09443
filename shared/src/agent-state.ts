/**
 * Agent states (坐席状态) as an explicit transition table. The routing scripts
 * in Redis make the automatic moves (offer, answer, missed offer) atomically;
 * the same table decides what an agent may do by hand.
 */
export const AgentStates = ['offline', 'available', 'offered', 'in-call', 'wrap-up', 'away'] as const;
export type AgentState = (typeof AgentStates)[number];

export const AGENT_TRANSITIONS: Record<AgentState, readonly AgentState[]> = {
  offline: ['available', 'away'],
  available: ['offered', 'away', 'offline'],
  // ringing: answered, missed (→ away, so a desk left alone stops getting offers), or withdrawn by the resident
  offered: ['in-call', 'away', 'available'],
  'in-call': ['wrap-up'],
  'wrap-up': ['available', 'away', 'offline'],
  away: ['available', 'offline'],
};

/** The states an agent may choose by hand (the others are reached through calls). */
export const MANUAL_AGENT_STATES = ['available', 'away', 'offline'] as const;
export type ManualAgentState = (typeof MANUAL_AGENT_STATES)[number];

/** States an agent can leave by hand; ringing and in-call end through answer/decline/hang-up. */
export const MANUAL_FROM_STATES: readonly AgentState[] = ['offline', 'available', 'away', 'wrap-up'];

export function canTransition(from: AgentState, to: AgentState): boolean {
  return AGENT_TRANSITIONS[from].includes(to);
}

/** Reasons for 'away' (示忙原因) and wrap-up dispositions (话后小结). */
export const AWAY_REASONS = ['break', 'meal', 'meeting', 'training', 'missed-offer', 'other'] as const;
export type AwayReason = (typeof AWAY_REASONS)[number];
export const DISPOSITIONS = ['resolved', 'accepted-case', 'needs-materials', 'referred', 'consult-only', 'dropped', 'other'] as const;
export type Disposition = (typeof DISPOSITIONS)[number];
