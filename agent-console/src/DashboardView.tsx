/**
 * 监控大屏: the whole live picture from one DashboardSnapshot — overview
 * figures, queues per skill, agents and interpreters by state, the calls in
 * progress, the booth fleet (online / offline, device health), the latest
 * ratings and the follow-ups (整改, 办不成事). Pure: it renders what it is
 * given (the socket lives in dashboard-live.ts), so the benchmark
 * (bench/dashboard-render.ts) renders exactly this component.
 *
 * Built for a wall screen and for 1,000 booths: the booth tiles, agent,
 * session and follow-up rows are memoized on what they show, so a new
 * snapshot re-renders only what changed; the elapsed times tick from one
 * shared 1-s clock that re-renders only the time texts. Colour is never the
 * only signal: every status has a word or a symbol with a text alternative.
 */
import { memo, useId, useMemo, useState, useSyncExternalStore, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { AgentStates, BOOTH_OFFLINE_AFTER_MS, type AgentState, type BoothHealth, type DashboardSnapshot, type DeviceStatus, type LiveAgent, type LiveBooth, type LiveFollowUp, type LiveNode, type LiveQueue, type LiveRating, type LiveSession } from '@xiaowu/shared';
import { formatClock } from '@xiaowu/shared/i18n';

/** Typed loosely where a key is built at run time (the full key union is too deep for the compiler). */
type LooseT = (key: string, opts?: Record<string, unknown>) => string;

export interface DashboardViewProps {
  snapshot: DashboardSnapshot;
  /** Server clock minus the browser's (ms): elapsed times are counted on the server's clock. */
  clockOffset?: number;
  /** Skill id → display name (from the catalog); ids are shown when missing. */
  skillNames?: Record<string, string>;
  /** 静默监听: absent until the monitor view exists (the buttons are then disabled). */
  onMonitor?: (sessionId: string) => void;
}

/** A wait longer than this is shown as a warning. */
const LONG_WAIT_MS = 5 * 60_000;

// ── Beijing time, with cached formatters (Intl.DateTimeFormat is costly to create) ──

const BEIJING = 'Asia/Shanghai';
const timeFmt = new Intl.DateTimeFormat('en-GB', { timeZone: BEIJING, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
const dateFmt = new Intl.DateTimeFormat('en-CA', { timeZone: BEIJING, year: 'numeric', month: '2-digit', day: '2-digit' });

/** 14:03:22 (Beijing). */
export function beijingClock(ms: number): string {
  return timeFmt.format(ms);
}

/** 2026-05-01 (Beijing). */
export function beijingDay(ms: number): string {
  return dateFmt.format(ms);
}

/** 2026-05-01 14:03 (Beijing). */
export function beijingMinute(ms: number): string {
  return `${beijingDay(ms)} ${beijingClock(ms).slice(0, 5)}`;
}

/** 14:03:22 today, else 2026-05-01 14:03 (Beijing). */
export function beijingWhen(ms: number, now: number): string {
  const day = beijingDay(ms);
  return day === beijingDay(now) ? beijingClock(ms) : `${day} ${beijingClock(ms).slice(0, 5)}`;
}

// ── one shared ticking clock ───────────────────────────────────────────────────

let clockNow = Date.now();
const clockListeners = new Set<() => void>();
let clockTimer: ReturnType<typeof setInterval> | undefined;

function subscribeClock(l: () => void): () => void {
  clockListeners.add(l);
  if (!clockTimer) {
    clockNow = Date.now();
    clockTimer = setInterval(() => {
      clockNow = Date.now();
      for (const f of clockListeners) f();
    }, 1000);
  }
  return () => {
    clockListeners.delete(l);
    if (clockListeners.size === 0 && clockTimer) {
      clearInterval(clockTimer);
      clockTimer = undefined;
    }
  };
}

function useClock(): number {
  return useSyncExternalStore(subscribeClock, () => clockNow);
}

/** mm:ss since `since` (server ms), ticking; with `warnAfterMs`, a ⚠ and a text past it. */
function Elapsed({ since, offset, warnAfterMs, warnText }: { since: number; offset: number; warnAfterMs?: number; warnText?: string }) {
  const ms = useClock() + offset - since;
  const warn = warnAfterMs !== undefined && ms > warnAfterMs;
  return (
    <span className={warn ? 'dash-elapsed dash-warn' : 'dash-elapsed'} data-warn={warn || undefined}>
      {warn && <span aria-hidden="true">⚠ </span>}
      {formatClock(ms)}
      {warn && warnText && <span className="visually-hidden">（{warnText}）</span>}
    </span>
  );
}

// ── the view ───────────────────────────────────────────────────────────────────

export function DashboardView({ snapshot, clockOffset = 0, skillNames, onMonitor }: DashboardViewProps) {
  const { t } = useTranslation();
  const agents = useMemo(() => snapshot.agents.filter((a) => a.kind !== 'interpreter'), [snapshot.agents]);
  const interpreters = useMemo(() => snapshot.agents.filter((a) => a.kind === 'interpreter'), [snapshot.agents]);
  const boothNames = useMemo(() => new Map(snapshot.booths.map((b) => [b.boothId, b.name])), [snapshot.booths]);
  const agentNames = useMemo(() => new Map(snapshot.agents.map((a) => [a.agentId, a.name])), [snapshot.agents]);
  const online = useMemo(() => snapshot.booths.reduce((n, b) => n + (b.online ? 1 : 0), 0), [snapshot.booths]);

  const kpis: Array<{ id: string; label: string; value: number; alarm?: boolean }> = [
    { id: 'waiting', label: t('supervisor.dash.kpi.waiting'), value: snapshot.queues.reduce((n, q) => n + q.waiting, 0) },
    { id: 'agents-available', label: t('supervisor.dash.kpi.agentsAvailable'), value: agents.filter((a) => a.state === 'available').length },
    { id: 'interpreters-available', label: t('supervisor.dash.kpi.interpretersAvailable'), value: snapshot.interpretersAvailable },
    { id: 'sessions', label: t('supervisor.dash.kpi.sessions'), value: snapshot.sessions.length },
    { id: 'booths-online', label: t('supervisor.dash.kpi.boothsOnline'), value: online },
    { id: 'booths-offline', label: t('supervisor.dash.kpi.boothsOffline'), value: snapshot.booths.length - online, alarm: snapshot.booths.length - online > 0 },
    {
      id: 'overdue',
      label: t('supervisor.dash.kpi.overdue'),
      value: snapshot.followUps.filter((f) => f.state === 'open' && f.overdue).length,
      alarm: snapshot.followUps.some((f) => f.state === 'open' && f.overdue),
    },
  ];

  return (
    <div className="dash" data-testid="dashboard-view">
      <ul className="dash-kpis" aria-label={t('supervisor.dash.kpi.label')}>
        {kpis.map((k) => (
          <li key={k.id} className={k.alarm ? 'dash-kpi alarm' : 'dash-kpi'} data-testid="dash-kpi" data-kpi={k.id}>
            <span className="dash-kpi-value">
              {k.alarm && <span aria-hidden="true">⚠ </span>}
              {k.value}
            </span>
            <span className="dash-kpi-label">{k.label}</span>
          </li>
        ))}
      </ul>
      <div className="dash-grid">
        <Queues queues={snapshot.queues} at={snapshot.at} offset={clockOffset} skillNames={skillNames} />
        <Sessions sessions={snapshot.sessions} offset={clockOffset} onMonitor={onMonitor} />
        <Agents agents={agents} interpreters={interpreters} interpretersAvailable={snapshot.interpretersAvailable} offset={clockOffset} skillNames={skillNames} />
        <Ratings ratings={snapshot.ratings} boothNames={boothNames} agentNames={agentNames} now={snapshot.at} />
        <FollowUps followUps={snapshot.followUps} />
      </div>
      <Booths booths={snapshot.booths} now={snapshot.at} />
      {snapshot.nodes && snapshot.nodes.length > 0 && <Nodes nodes={snapshot.nodes} now={snapshot.at} />}
    </div>
  );
}

// ── sfu nodes ──────────────────────────────────────────────────────────────────

function Nodes({ nodes, now }: { nodes: LiveNode[]; now: number }) {
  const { t } = useTranslation();
  return (
    <Section id="dash-nodes-title" title={t('supervisor.dash.nodes.title')} testId="dash-nodes">
      <table className="dash-table">
        <thead>
          <tr>
            <th scope="col">{t('supervisor.dash.nodes.node')}</th>
            <th scope="col">{t('supervisor.dash.nodes.state')}</th>
            <th scope="col">{t('supervisor.dash.nodes.sessions')}</th>
            <th scope="col">{t('supervisor.dash.nodes.connections')}</th>
            <th scope="col">{t('supervisor.dash.nodes.load')}</th>
            <th scope="col">{t('supervisor.dash.nodes.beat')}</th>
          </tr>
        </thead>
        <tbody>
          {nodes.map((n) => {
            const state = !n.alive ? 'dead' : n.draining ? 'draining' : 'alive';
            return (
              <tr key={n.nodeId} data-testid="dash-node" data-node-id={n.nodeId} data-state={state} className={state === 'alive' ? undefined : 'warn'}>
                <th scope="row">{n.nodeId}</th>
                <td>{t(`supervisor.dash.nodes.${state}`)}</td>
                <td>{n.sessions}</td>
                <td>{n.connections}</td>
                <td>{n.load1.toFixed(2)}</td>
                <td>{beijingWhen(n.beatAt, now)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </Section>
  );
}

function Section({ id, title, testId, className, children, extra }: { id: string; title: string; testId: string; className?: string; children: ReactNode; extra?: ReactNode }) {
  return (
    <section className={`panel dash-section ${className ?? ''}`} data-testid={testId} aria-labelledby={id}>
      <div className="panel-head">
        <h2 id={id}>{title}</h2>
        {extra}
      </div>
      <div className="dash-body">{children}</div>
    </section>
  );
}

/** A scrolling table area: focusable so that keyboard users can scroll it. */
function Scroll({ label, children, tall }: { label: string; children: ReactNode; tall?: boolean }) {
  return (
    <div className={tall ? 'dash-scroll tall' : 'dash-scroll'} role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}

// ── queues ─────────────────────────────────────────────────────────────────────

function Queues({ queues, at, offset, skillNames }: { queues: LiveQueue[]; at: number; offset: number; skillNames?: Record<string, string> }) {
  const { t } = useTranslation();
  const id = useId();
  const rows = useMemo(() => [...queues].sort((a, b) => b.longestWaitSec - a.longestWaitSec || b.waiting - a.waiting), [queues]);
  return (
    <Section id={id} title={t('supervisor.dash.queues.title')} testId="dash-queues">
      {rows.length === 0 ? (
        <p className="muted">{t('supervisor.dash.queues.none')}</p>
      ) : (
        <Scroll label={t('supervisor.dash.queues.title')}>
          <table className="dash-table">
            <thead>
              <tr>
                <th scope="col">{t('supervisor.dash.queues.skill')}</th>
                <th scope="col" className="num">
                  {t('supervisor.dash.queues.waiting')}
                </th>
                <th scope="col" className="num">
                  {t('supervisor.dash.queues.longest')}
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((q) => (
                <tr key={q.skill} data-testid="dash-queue-row" data-skill={q.skill} data-waiting={q.waiting}>
                  <th scope="row">{skillNames?.[q.skill] ?? q.skill}</th>
                  <td className="num dash-big" data-testid="dash-queue-waiting">
                    {q.waiting}
                  </td>
                  <td className="num dash-big" data-testid="dash-queue-longest">
                    {q.waiting > 0 ? <Elapsed since={at - q.longestWaitSec * 1000} offset={offset} warnAfterMs={LONG_WAIT_MS} warnText={t('supervisor.dash.queues.longWait')} /> : '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
    </Section>
  );
}

// ── agents ─────────────────────────────────────────────────────────────────────

const STATE_ORDER: Record<AgentState, number> = { available: 0, offered: 1, 'in-call': 2, 'wrap-up': 3, away: 4, offline: 5 };

function sortAgents(xs: LiveAgent[]): LiveAgent[] {
  return [...xs].sort((a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || a.since - b.since || (a.agentId < b.agentId ? -1 : 1));
}

function Agents({
  agents,
  interpreters,
  interpretersAvailable,
  offset,
  skillNames,
}: {
  agents: LiveAgent[];
  interpreters: LiveAgent[];
  interpretersAvailable: number;
  offset: number;
  skillNames?: Record<string, string>;
}) {
  const { t } = useTranslation();
  const id = useId();
  const sortedAgents = useMemo(() => sortAgents(agents), [agents]);
  const sortedInterpreters = useMemo(() => sortAgents(interpreters), [interpreters]);
  return (
    <Section id={id} title={t('supervisor.dash.agents.title')} testId="dash-agents" className="dash-agents">
      <StateCounts agents={agents} label={t('supervisor.dash.agents.countsLabel')} testId="dash-agent-count" />
      {sortedAgents.length === 0 ? (
        <p className="muted">{t('supervisor.dash.agents.none')}</p>
      ) : (
        <AgentTable agents={sortedAgents} offset={offset} label={t('supervisor.dash.agents.listLabel')} skillNames={skillNames} />
      )}
      <h3 id={`${id}-interp`} className="dash-h3">
        {t('supervisor.dash.agents.interpreters')}
      </h3>
      <section aria-labelledby={`${id}-interp`} className="dash-interp">
        <p className="dash-interp-available">
          <span className="dash-kpi-value" data-testid="dash-interpreters-available">
            {interpretersAvailable}
          </span>
          <span className="dash-kpi-label">{t('supervisor.dash.agents.interpretersAvailable')}</span>
        </p>
        <StateCounts agents={interpreters} label={t('supervisor.dash.agents.interpreterCountsLabel')} testId="dash-interpreter-count" />
        {sortedInterpreters.length === 0 ? (
          <p className="muted">{t('supervisor.dash.agents.noInterpreters')}</p>
        ) : (
          <AgentTable agents={sortedInterpreters} offset={offset} label={t('supervisor.dash.agents.interpreters')} />
        )}
      </section>
    </Section>
  );
}

function StateCounts({ agents, label, testId }: { agents: LiveAgent[]; label: string; testId: string }) {
  const { t } = useTranslation();
  const counts = useMemo(() => {
    const c = Object.fromEntries(AgentStates.map((s) => [s, 0])) as Record<AgentState, number>;
    for (const a of agents) c[a.state]++;
    return c;
  }, [agents]);
  const order = [...AgentStates].sort((a, b) => STATE_ORDER[a] - STATE_ORDER[b]);
  return (
    <ul className="dash-counts" aria-label={label}>
      {order.map((s) => (
        <li key={s} className={`dash-count agent-${s}`} data-testid={testId} data-state={s} data-count={counts[s]}>
          <span className="dash-count-num">{counts[s]}</span>
          <span className="dash-count-label">{t(`agent.state.names.${s}`)}</span>
        </li>
      ))}
    </ul>
  );
}

function AgentTable({ agents, offset, label, skillNames }: { agents: LiveAgent[]; offset: number; label: string; skillNames?: Record<string, string> }) {
  const { t } = useTranslation();
  return (
    <Scroll label={label}>
      <table className="dash-table">
        <thead>
          <tr>
            <th scope="col">{t('supervisor.dash.agents.name')}</th>
            <th scope="col">{t('supervisor.dash.agents.state')}</th>
            <th scope="col" className="num">
              {t('supervisor.dash.agents.since')}
            </th>
            {skillNames !== undefined && <th scope="col">{t('supervisor.dash.agents.skills')}</th>}
          </tr>
        </thead>
        <tbody>
          {agents.map((a) => (
            <AgentRow key={a.agentId} agent={a} offset={offset} t={t as unknown as LooseT} skillNames={skillNames} />
          ))}
        </tbody>
      </table>
    </Scroll>
  );
}

const AgentRow = memo(
  function AgentRow({ agent: a, offset, t, skillNames }: { agent: LiveAgent; offset: number; t: LooseT; skillNames?: Record<string, string> }) {
    return (
      <tr data-testid="dash-agent" data-agent-id={a.agentId} data-state={a.state} data-kind={a.kind}>
        <th scope="row">{a.name}</th>
        <td>
          <span className={`dash-state agent-${a.state}`}>{t(`agent.state.names.${a.state}`)}</span>
        </td>
        <td className="num">
          <Elapsed since={a.since} offset={offset} />
        </td>
        {skillNames !== undefined && <td className="dash-skills">{a.skills.map((s) => skillNames[s] ?? s).join('、')}</td>}
      </tr>
    );
  },
  (p, n) =>
    p.t === n.t &&
    p.offset === n.offset &&
    p.skillNames === n.skillNames &&
    p.agent.agentId === n.agent.agentId &&
    p.agent.name === n.agent.name &&
    p.agent.state === n.agent.state &&
    p.agent.since === n.agent.since &&
    p.agent.kind === n.agent.kind &&
    p.agent.skills.join() === n.agent.skills.join(),
);

// ── sessions ───────────────────────────────────────────────────────────────────

function Sessions({ sessions, offset, onMonitor }: { sessions: LiveSession[]; offset: number; onMonitor?: (sessionId: string) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const rows = useMemo(() => [...sessions].sort((a, b) => a.startedAt - b.startedAt), [sessions]);
  return (
    <Section id={id} title={t('supervisor.dash.sessions.title')} testId="dash-sessions" className="dash-sessions">
      {rows.length === 0 ? (
        <p className="muted">{t('supervisor.dash.sessions.none')}</p>
      ) : (
        <Scroll label={t('supervisor.dash.sessions.title')}>
          <table className="dash-table">
            <thead>
              <tr>
                <th scope="col">{t('supervisor.dash.sessions.booth')}</th>
                <th scope="col">{t('supervisor.dash.sessions.matter')}</th>
                <th scope="col">{t('supervisor.dash.sessions.parties')}</th>
                <th scope="col" className="num">
                  {t('supervisor.dash.sessions.duration')}
                </th>
                <th scope="col">
                  <span className="visually-hidden">{t('supervisor.dash.sessions.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((s) => (
                <SessionRow key={s.sessionId} session={s} offset={offset} onMonitor={onMonitor} t={t as unknown as LooseT} />
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
    </Section>
  );
}

const partiesKey = (s: LiveSession) => s.parties.map((p) => `${p.role}:${p.userId}:${p.name}:${p.silent ? 1 : 0}`).join('|');

const SessionRow = memo(
  function SessionRow({ session: s, offset, onMonitor, t }: { session: LiveSession; offset: number; onMonitor?: (sessionId: string) => void; t: LooseT }) {
    return (
      <tr data-testid="dash-session" data-session-id={s.sessionId} data-booth-id={s.boothId}>
        <th scope="row">{s.boothName}</th>
        <td>{s.matterName}</td>
        <td>
          <ul className="dash-parties">
            {s.parties
              .filter((p) => p.role !== 'booth')
              .map((p) => (
                <li key={`${p.role}:${p.userId}`} data-role={p.role}>
                  {p.name}
                  <span className="muted">
                    {' '}
                    {t(`supervisor.parties.roles.${p.role}`)}
                    {p.silent ? `（${t('supervisor.dash.sessions.silent')}）` : ''}
                  </span>
                </li>
              ))}
          </ul>
        </td>
        <td className="num dash-big" data-testid="dash-session-duration">
          <Elapsed since={s.startedAt} offset={offset} />
        </td>
        <td>
          <button
            type="button"
            className="btn btn-secondary btn-small"
            data-testid="dash-monitor"
            data-session-id={s.sessionId}
            disabled={!onMonitor}
            title={onMonitor ? undefined : t('supervisor.dash.sessions.monitorSoon')}
            aria-label={t('supervisor.dash.sessions.monitorLabel', { booth: s.boothName })}
            onClick={() => onMonitor?.(s.sessionId)}
          >
            {t('supervisor.dash.sessions.monitor')}
          </button>
        </td>
      </tr>
    );
  },
  (p, n) =>
    p.t === n.t &&
    p.offset === n.offset &&
    p.onMonitor === n.onMonitor &&
    p.session.sessionId === n.session.sessionId &&
    p.session.boothName === n.session.boothName &&
    p.session.matterName === n.session.matterName &&
    p.session.startedAt === n.session.startedAt &&
    partiesKey(p.session) === partiesKey(n.session),
);

// ── ratings ────────────────────────────────────────────────────────────────────

function Ratings({ ratings, boothNames, agentNames, now }: { ratings: LiveRating[]; boothNames: Map<string, string>; agentNames: Map<string, string>; now: number }) {
  const { t } = useTranslation();
  const lt = t as unknown as LooseT;
  const id = useId();
  return (
    <Section id={id} title={t('supervisor.dash.ratings.title')} testId="dash-ratings" className="dash-ratings">
      {ratings.length === 0 ? (
        <p className="muted">{t('supervisor.dash.ratings.none')}</p>
      ) : (
        <Scroll label={t('supervisor.dash.ratings.title')} tall>
          <ol className="dash-rating-list">
            {ratings.map((r) => {
              const bad = r.level <= 2;
              return (
                <li
                  key={`${r.sessionId}-${r.stage}-${r.at}`}
                  className={bad ? 'dash-rating bad' : 'dash-rating'}
                  data-testid="dash-rating"
                  data-session-id={r.sessionId}
                  data-level={r.level}
                  data-stage={r.stage}
                  data-bad={bad}
                >
                  <p className="dash-rating-head">
                    <span className={`dash-level level-${r.level}`}>
                      <span aria-hidden="true">{'★'.repeat(r.level)}</span> {lt(`booth.rating.levels.${r.level}`)}
                    </span>
                    {bad && <span className="badge dash-bad-badge">{t('supervisor.dash.ratings.bad')}</span>}
                    <time className="muted" dateTime={new Date(r.at).toISOString()}>
                      {beijingWhen(r.at, now)}
                    </time>
                  </p>
                  <p className="dash-rating-who muted">
                    {lt(`supervisor.dash.ratings.stages.${r.stage}`)}
                    {r.caseNo ? ` · ${t('supervisor.dash.ratings.caseNo', { caseNo: r.caseNo })}` : ''} · {boothNames.get(r.boothId) ?? r.boothId} · {agentNames.get(r.agentId) ?? r.agentId}
                  </p>
                  {r.reasons.length > 0 && <p className="dash-rating-reasons">{r.reasons.join('、')}</p>}
                  <p className="dash-rating-comment">{r.comment || <span className="muted">{t('supervisor.dash.ratings.noComment')}</span>}</p>
                </li>
              );
            })}
          </ol>
        </Scroll>
      )}
    </Section>
  );
}

// ── follow-ups ─────────────────────────────────────────────────────────────────

/** Open first (overdue, then soonest due), then resolved (latest first). */
export function sortFollowUps(xs: LiveFollowUp[]): LiveFollowUp[] {
  return [...xs].sort((a, b) => {
    if (a.state !== b.state) return a.state === 'open' ? -1 : 1;
    if (a.state === 'open') return Number(b.overdue) - Number(a.overdue) || a.dueAt - b.dueAt;
    return (b.resolvedAt ?? 0) - (a.resolvedAt ?? 0);
  });
}

function FollowUps({ followUps }: { followUps: LiveFollowUp[] }) {
  const { t } = useTranslation();
  const id = useId();
  const rows = useMemo(() => sortFollowUps(followUps), [followUps]);
  return (
    <Section id={id} title={t('supervisor.dash.followUps.title')} testId="dash-followups" className="dash-followups">
      {rows.length === 0 ? (
        <p className="muted">{t('supervisor.dash.followUps.none')}</p>
      ) : (
        <Scroll label={t('supervisor.dash.followUps.title')}>
          <table className="dash-table">
            <thead>
              <tr>
                <th scope="col">{t('supervisor.dash.followUps.kind')}</th>
                <th scope="col">{t('supervisor.dash.followUps.summary')}</th>
                <th scope="col">{t('supervisor.dash.followUps.due')}</th>
                <th scope="col">{t('supervisor.dash.followUps.state')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((f) => (
                <FollowUpRow key={f.id} f={f} t={t as unknown as LooseT} />
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
    </Section>
  );
}

const FollowUpRow = memo(
  function FollowUpRow({ f, t }: { f: LiveFollowUp; t: LooseT }) {
    const overdue = f.state === 'open' && f.overdue;
    return (
      <tr className={overdue ? 'dash-overdue' : undefined} data-testid="dash-followup" data-id={f.id} data-kind={f.kind} data-state={f.state} data-overdue={overdue}>
        <td>{t(`supervisor.dash.followUps.kinds.${f.kind}`)}</td>
        <td className="dash-summary">{f.summary}</td>
        <td>
          <time dateTime={new Date(f.dueAt).toISOString()}>{beijingMinute(f.dueAt)}</time>
        </td>
        <td>
          <span className={`dash-state fu-${f.state}`}>{t(`supervisor.dash.followUps.states.${f.state}`)}</span>
          {overdue && (
            <span className="badge dash-overdue-badge" data-testid="dash-followup-overdue">
              <span aria-hidden="true">⚠ </span>
              {t('supervisor.dash.followUps.overdue')}
            </span>
          )}
        </td>
      </tr>
    );
  },
  (p, n) =>
    p.t === n.t &&
    p.f.id === n.f.id &&
    p.f.state === n.f.state &&
    p.f.overdue === n.f.overdue &&
    p.f.dueAt === n.f.dueAt &&
    p.f.summary === n.f.summary &&
    p.f.kind === n.f.kind,
);

// ── booths ─────────────────────────────────────────────────────────────────────

type Device = 'camera' | 'microphone' | 'docCamera' | 'printer' | 'idReader';
const DEVICES: readonly Device[] = ['camera', 'microphone', 'docCamera', 'printer', 'idReader'];
const STATUSES: readonly DeviceStatus[] = ['ok', 'missing', 'error', 'unknown'];
const GLYPH: Record<DeviceStatus, string> = { ok: '✓', missing: '○', error: '✕', unknown: '?' };

type BoothFilter = 'all' | 'offline' | 'problems';

/** A device that is missing or failing (not: unchecked). */
export function boothHasProblem(h: BoothHealth | undefined): boolean {
  if (!h) return false;
  for (const d of DEVICES) {
    const c = h[d];
    if (c && (c.status === 'error' || c.status === 'missing')) return true;
  }
  return false;
}

/** All the texts a tile needs, computed once per language (not 1,000 times). */
interface TileTexts {
  online: string;
  offline: string;
  neverSeen: string;
  inCall: string;
  noHealth: string;
  lastSeen: string; // with {{time}}
  short: Record<Device, string>;
  /** device → status → "摄像头：故障" */
  device: Record<Device, Record<DeviceStatus, string>>;
  /** status → decile (0..10) → "麦克风：正常，音量 40%" */
  mic: Record<DeviceStatus, string[]>;
}

function useTileTexts(): TileTexts {
  const { t, i18n } = useTranslation();
  const lt = t as unknown as LooseT;
  const lang = i18n.language;
  return useMemo(() => {
    const status = (s: DeviceStatus) => lt(`supervisor.dash.booths.status.${s}`);
    const devName = (d: Device) => lt(`supervisor.dash.booths.devices.${d}`);
    const device = Object.fromEntries(DEVICES.map((d) => [d, Object.fromEntries(STATUSES.map((s) => [s, lt('supervisor.dash.booths.device', { device: devName(d), status: status(s) })]))])) as TileTexts['device'];
    const mic = Object.fromEntries(
      STATUSES.map((s) => [s, Array.from({ length: 11 }, (_, i) => lt('supervisor.dash.booths.micLevel', { device: devName('microphone'), status: status(s), percent: i * 10 }))]),
    ) as TileTexts['mic'];
    return {
      online: lt('supervisor.dash.booths.online'),
      offline: lt('supervisor.dash.booths.offline'),
      neverSeen: lt('supervisor.dash.booths.neverSeen'),
      inCall: lt('supervisor.dash.booths.inCall'),
      noHealth: lt('supervisor.dash.booths.noHealth'),
      lastSeen: lt('supervisor.dash.booths.lastSeen', { time: '{{time}}' }),
      short: Object.fromEntries(DEVICES.map((d) => [d, lt(`supervisor.dash.booths.short.${d}`)])) as TileTexts['short'],
      device,
      mic,
    };
  }, [lang, lt]);
}

function Booths({ booths, now }: { booths: LiveBooth[]; now: number }) {
  const { t } = useTranslation();
  const id = useId();
  const texts = useTileTexts();
  const [filter, setFilter] = useState<BoothFilter>('all');
  // Offline first, then device problems, then by id: the red tiles lead.
  const rows = useMemo(() => {
    const out = booths.map((b) => ({ b, problem: boothHasProblem(b.health) }));
    const rank = (r: { b: LiveBooth; problem: boolean }) => (r.b.online ? (r.problem ? 1 : 2) : 0);
    return out.sort((x, y) => rank(x) - rank(y) || (x.b.boothId < y.b.boothId ? -1 : x.b.boothId > y.b.boothId ? 1 : 0));
  }, [booths]);
  const counts = useMemo(() => {
    let online = 0;
    let problems = 0;
    for (const r of rows) {
      if (r.b.online) online++;
      if (r.problem) problems++;
    }
    return { online, offline: rows.length - online, problems };
  }, [rows]);
  const shown = useMemo(() => (filter === 'offline' ? rows.filter((r) => !r.b.online) : filter === 'problems' ? rows.filter((r) => r.problem) : rows), [rows, filter]);
  const today = beijingDay(now);
  const filters: BoothFilter[] = ['all', 'offline', 'problems'];
  return (
    <Section
      id={id}
      title={t('supervisor.dash.booths.title')}
      testId="dash-booths"
      className="dash-booths"
      extra={
        <p className="dash-booth-counts" data-testid="dash-booth-counts" data-online={counts.online} data-offline={counts.offline} data-problems={counts.problems}>
          {t('supervisor.dash.booths.counts', counts)}
        </p>
      }
    >
      <div className="dash-booth-bar">
        <div className="dash-filter" role="group" aria-label={t('supervisor.dash.booths.filterLabel')}>
          {filters.map((f) => (
            <button key={f} type="button" className={filter === f ? 'btn btn-small btn-primary' : 'btn btn-small btn-secondary'} aria-pressed={filter === f} data-testid={`dash-booth-filter-${f}`} onClick={() => setFilter(f)}>
              {t(`supervisor.dash.booths.filter.${f}`)}
            </button>
          ))}
        </div>
        <span className="muted" role="status">
          {t('supervisor.dash.booths.shown', { shown: shown.length, total: rows.length })}
        </span>
        <span className="muted dash-rule">{t('supervisor.dash.booths.offlineRule', { seconds: BOOTH_OFFLINE_AFTER_MS / 1000 })}</span>
      </div>
      {shown.length === 0 ? (
        <p className="muted">{t('supervisor.dash.booths.none')}</p>
      ) : (
        <ul className="dash-booth-grid">
          {shown.map((r) => (
            <BoothTile key={r.b.boothId} booth={r.b} problem={r.problem} texts={texts} today={today} />
          ))}
        </ul>
      )}
    </Section>
  );
}

/** What a tile shows, as one string: equal keys, no re-render. */
function tileKey(b: LiveBooth): string {
  const h = b.health;
  const health = h
    ? `${h.camera.status}${h.microphone.status}${h.microphone.level === undefined ? '' : Math.round(h.microphone.level * 10)}${h.docCamera.status}${h.printer.status}${h.idReader?.status ?? ''}|${h.camera.detail ?? ''}|${h.microphone.detail ?? ''}|${h.docCamera.detail ?? ''}|${h.printer.detail ?? ''}|${h.idReader?.detail ?? ''}`
    : '';
  return `${b.online ? 1 : 0}${b.inCall ? 1 : 0}|${b.online ? '' : (b.lastSeen ?? 'never')}|${b.name}|${b.community}|${b.address}|${health}`;
}

const BoothTile = memo(
  function BoothTile({ booth: b, problem, texts, today }: { booth: LiveBooth; problem: boolean; texts: TileTexts; today: string }) {
    const never = b.lastSeen === null;
    const h = b.health;
    const cls = `dash-booth ${b.online ? 'on' : 'off'}${problem ? ' problem' : ''}${b.inCall ? ' in-call' : ''}`;
    let state: string;
    if (b.online) state = texts.online;
    else if (never) state = texts.neverSeen;
    else {
      const day = beijingDay(b.lastSeen!);
      state = `${texts.offline} · ${texts.lastSeen.replace('{{time}}', day === today ? beijingClock(b.lastSeen!) : `${day} ${beijingClock(b.lastSeen!).slice(0, 5)}`)}`;
    }
    return (
      <li className={cls} data-testid="dash-booth" data-booth-id={b.boothId} data-online={b.online} data-in-call={b.inCall} data-problem={problem} data-never-seen={never || undefined} title={`${b.boothId} · ${b.community} · ${b.address}`}>
        <span className="dash-booth-name">{b.name}</span>
        <span className="dash-booth-state">
          <span aria-hidden="true">{b.online ? '● ' : '✕ '}</span>
          {state}
          {b.inCall && <span className="dash-booth-call">{texts.inCall}</span>}
        </span>
        {h ? (
          <span className="dash-devs">
            {DEVICES.map((d) => {
              const c = h[d];
              if (!c) return null;
              const mic = d === 'microphone' ? h.microphone.level : undefined;
              const label = mic !== undefined ? texts.mic[c.status][Math.round(mic * 10)]! : texts.device[d][c.status];
              return (
                <span key={d} className={`dev st-${c.status}`} role="img" aria-label={c.detail ? `${label} (${c.detail})` : label} title={c.detail ? `${label} (${c.detail})` : label}>
                  {texts.short[d]}
                  {GLYPH[c.status]}
                  {mic !== undefined && (
                    <span className="dev-level">
                      <span style={{ width: `${Math.round(mic * 100)}%` }} />
                    </span>
                  )}
                </span>
              );
            })}
          </span>
        ) : (
          <span className="dash-devs muted">{texts.noHealth}</span>
        )}
      </li>
    );
  },
  (p, n) => p.texts === n.texts && p.problem === n.problem && p.today === n.today && tileKey(p.booth) === tileKey(n.booth),
);
