/**
 * 录像回放 (supervisor area): the list of recorded sessions (newest first,
 * paged back, filtered over what is loaded) and one session's review — the
 * synchronized multi-track player, the parties with join/leave times, the chat
 * transcript, the case(s) with materials and verdicts, the integrity check of
 * the segment hash chain, and the original segments for download.
 *
 * Applicant details of a case are shown masked by default (name 张*, ID
 * 110105********1234, phone 138****0000) even though supervisors receive them
 * unmasked: a recording review is often done with others looking on, and the
 * full details are rarely needed for it. 「显示完整信息」 reveals them for that
 * case (per case, not remembered).
 */
import { useCallback, useEffect, useId, useMemo, useRef, useState, useSyncExternalStore, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import { maskIdNumber, maskName, type CaseView, type ChatMessage } from '@xiaowu/shared';
import type { CasesApi } from '@xiaowu/shared/client';
import { errorKey, formatClock, type MessageKey } from '@xiaowu/shared/i18n';
import { SyncPlayer } from './recording-player';
import {
  PAGE_SIZE,
  beijingDateTime,
  beijingTime,
  describeTracks,
  formatBytes,
  type RecordingDetail,
  type RecordingMeta,
  type RecordingParty,
  type RecordingsApi,
  type SegmentEntry,
  type TrackInfo,
} from './recordings-api';

/** Typed loosely where a key is built at run time (the full key union is too deep for the compiler). */
type LooseT = (key: string, opts?: Record<string, unknown>) => string;

interface TabProps {
  api: RecordingsApi;
  cases: CasesApi;
}

/** The 录像回放 tab: the list, and one session over it (the list keeps its pages and filter). */
export function RecordingsTab({ api, cases }: TabProps) {
  const [open, setOpen] = useState<string | undefined>();
  const lastOpened = useRef<string | undefined>(undefined);
  return (
    <>
      <RecordingList
        api={api}
        hidden={open !== undefined}
        focusSessionId={open === undefined ? lastOpened.current : undefined}
        onOpen={(id) => {
          lastOpened.current = id;
          setOpen(id);
        }}
      />
      {open !== undefined && <RecordingView key={open} sessionId={open} api={api} cases={cases} onBack={() => setOpen(undefined)} />}
    </>
  );
}

// ── list ──────────────────────────────────────────────────────────────────────

/** The call's length (start to end); the recording's media may be a few seconds shorter. */
function durationMs(m: RecordingMeta): number | undefined {
  return m.endedAt !== undefined ? m.endedAt - m.startedAt : undefined;
}

function staffOf(m: RecordingMeta): RecordingParty[] {
  const seen = new Set<string>();
  return m.parties.filter((p) => {
    if (p.role !== 'agent' && p.role !== 'interpreter') return false;
    const k = `${p.role}:${p.userId}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function matches(m: RecordingMeta, q: string): boolean {
  const hay = [m.boothId, m.boothName, m.matterId, m.matterName, ...m.caseNos, ...m.parties.flatMap((p) => [p.userId, p.name])].join('\n').toLowerCase();
  return q
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => hay.includes(w));
}

function RecordingList({ api, hidden, focusSessionId, onOpen }: { api: RecordingsApi; hidden: boolean; focusSessionId?: string; onOpen(id: string): void }) {
  const { t } = useTranslation();
  const lt = t as unknown as LooseT;
  const filterId = useId();
  const hintId = useId();
  const [rows, setRows] = useState<RecordingMeta[]>([]);
  const [phase, setPhase] = useState<'loading' | 'more' | 'idle'>('loading');
  const [done, setDone] = useState(false);
  const [error, setError] = useState<MessageKey | undefined>();
  const [filter, setFilter] = useState('');
  const [generation, setGeneration] = useState(0);
  const tableRef = useRef<HTMLTableElement>(null);

  // First page (again on 「刷新」).
  useEffect(() => {
    const ctl = new AbortController();
    setPhase('loading');
    setError(undefined);
    api.list(undefined, PAGE_SIZE, ctl.signal).then(
      (page) => {
        setRows(page);
        setDone(page.length < PAGE_SIZE);
        setPhase('idle');
      },
      (err) => {
        if (ctl.signal.aborted) return;
        console.warn('recordings list failed', err);
        setError(errorKey(err));
        setPhase('idle');
      },
    );
    return () => ctl.abort();
  }, [api, generation]);

  const more = async () => {
    const oldest = rows.at(-1);
    if (!oldest || phase !== 'idle') return;
    setPhase('more');
    setError(undefined);
    try {
      const page = await api.list(oldest.startedAt);
      setRows((r) => {
        const known = new Set(r.map((x) => x.sessionId));
        return [...r, ...page.filter((x) => !known.has(x.sessionId))];
      });
      setDone(page.length < PAGE_SIZE);
    } catch (err) {
      console.warn('recordings page failed', err);
      setError(errorKey(err));
    } finally {
      setPhase('idle');
    }
  };

  // Back from a session: focus returns to its row's button.
  useEffect(() => {
    if (hidden || !focusSessionId) return;
    tableRef.current?.querySelector<HTMLButtonElement>(`tr[data-session-id="${CSS.escape(focusSessionId)}"] button`)?.focus();
  }, [hidden, focusSessionId]);

  const shown = useMemo(() => (filter.trim() ? rows.filter((m) => matches(m, filter)) : rows), [rows, filter]);

  return (
    <section className="panel rec-list" data-testid="recordings-list" data-state={phase} hidden={hidden} aria-labelledby={`${filterId}-title`}>
      <div className="panel-head">
        <h2 id={`${filterId}-title`}>{t('supervisor.list.title')}</h2>
        <button type="button" className="btn btn-secondary" data-testid="recordings-refresh" disabled={phase !== 'idle'} onClick={() => setGeneration((g) => g + 1)}>
          {t('supervisor.list.refresh')}
        </button>
      </div>
      <div className="rec-list-body">
        <p className="muted">{t('supervisor.list.intro')}</p>
        <div className="rec-filter">
          <label htmlFor={filterId} className="field-label">
            {t('supervisor.list.filter')}
          </label>
          <input
            id={filterId}
            type="search"
            className="field"
            data-testid="recordings-filter"
            placeholder={t('supervisor.list.filterPlaceholder')}
            aria-describedby={hintId}
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
          />
          <span id={hintId} className="muted rec-filter-hint">
            {t('supervisor.list.filterHint')} · {t('supervisor.list.count', { count: rows.length })}
          </span>
        </div>
        {error && (
          <p className="alert alert-error" role="alert" data-testid="recordings-error">
            {t(error)}
          </p>
        )}
        {phase === 'loading' ? (
          <p className="muted" role="status">
            {t('supervisor.list.loading')}
          </p>
        ) : rows.length === 0 && !error ? (
          <p className="muted" data-testid="recordings-empty">
            {t('supervisor.list.empty')}
          </p>
        ) : shown.length === 0 && filter.trim() ? (
          <p className="muted" role="status">
            {t('supervisor.list.noMatch', { text: filter.trim() })}
          </p>
        ) : (
          <div className="rec-table-wrap">
            <table className="rec-table" ref={tableRef}>
              <thead>
                <tr>
                  <th scope="col">
                    {t('supervisor.list.columns.startedAt')}
                    <span className="muted rec-tz">{t('supervisor.beijingTime')}</span>
                  </th>
                  <th scope="col">{t('supervisor.list.columns.duration')}</th>
                  <th scope="col">{t('supervisor.list.columns.booth')}</th>
                  <th scope="col">{t('supervisor.list.columns.matter')}</th>
                  <th scope="col">{t('supervisor.list.columns.parties')}</th>
                  <th scope="col">{t('supervisor.list.columns.cases')}</th>
                  <th scope="col">
                    <span className="visually-hidden">{t('supervisor.list.columns.actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {shown.map((m) => {
                  const d = durationMs(m);
                  const when = beijingDateTime(m.startedAt);
                  return (
                    <tr key={m.sessionId} data-testid="recording-row" data-session-id={m.sessionId} onClick={() => onOpen(m.sessionId)}>
                      <td className="rec-when" data-testid="recording-started">
                        {when}
                      </td>
                      <td data-testid="recording-duration">
                        {d === undefined ? <span className="badge badge-active">{t('supervisor.list.inProgress')}</span> : formatClock(d)}
                        {m.endedAt !== undefined && !m.playback && <span className="muted rec-note">{t('supervisor.list.noPlayback')}</span>}
                      </td>
                      <td data-testid="recording-booth">
                        {m.boothName}
                        <span className="muted rec-id">{m.boothId}</span>
                      </td>
                      <td data-testid="recording-matter">{m.matterId === 'consult' ? t('supervisor.view.consult') : m.matterName}</td>
                      <td data-testid="recording-parties">
                        {staffOf(m).map((p) => (
                          <span key={`${p.role}:${p.userId}`} className="rec-party">
                            {p.role === 'interpreter' ? `${lt(`supervisor.parties.roles.${p.role}`)}：` : ''}
                            {p.name}
                          </span>
                        ))}
                      </td>
                      <td data-testid="recording-cases">
                        {m.caseNos.map((no) => (
                          <span key={no} className="rec-case-no">
                            {no}
                          </span>
                        ))}
                      </td>
                      <td>
                        <button
                          type="button"
                          className="btn btn-primary rec-open"
                          data-testid="recording-open"
                          aria-label={t('supervisor.list.openLabel', { booth: m.boothName, time: when })}
                          onClick={(e) => {
                            e.stopPropagation();
                            onOpen(m.sessionId);
                          }}
                        >
                          {t('supervisor.list.open')}
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
        {phase !== 'loading' && rows.length > 0 && (
          <div className="rec-more">
            {done ? (
              <span className="muted" data-testid="recordings-no-more">
                {t('supervisor.list.noMore')}
              </span>
            ) : (
              <button type="button" className="btn btn-secondary" data-testid="recordings-more" disabled={phase !== 'idle'} aria-busy={phase === 'more' || undefined} onClick={() => void more()}>
                {phase === 'more' ? t('supervisor.list.loadingMore') : t('supervisor.list.more')}
              </button>
            )}
          </div>
        )}
      </div>
    </section>
  );
}

// ── one session ───────────────────────────────────────────────────────────────

function RecordingView({ sessionId, api, cases, onBack }: { sessionId: string; onBack(): void } & TabProps) {
  const { t } = useTranslation();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const [detail, setDetail] = useState<RecordingDetail | undefined>();
  const [error, setError] = useState<MessageKey | undefined>();
  const player = useRef<SyncPlayer | undefined>(undefined);

  useEffect(() => {
    const ctl = new AbortController();
    api.get(sessionId, ctl.signal).then(setDetail, (err) => {
      if (ctl.signal.aborted) return;
      console.warn('recording failed to open', err);
      setError(errorKey(err));
    });
    return () => ctl.abort();
  }, [api, sessionId]);

  useEffect(() => headingRef.current?.focus(), [detail]);

  const meta = detail?.meta ?? undefined;
  const tracks = useMemo(() => (meta ? describeTracks(meta) : []), [meta]);
  const seekTo = useCallback((t: number) => player.current?.seek(t), []);

  return (
    <section className="rec-view" data-testid="recording-view" data-session-id={sessionId} data-state={detail ? 'ready' : error ? 'error' : 'loading'} aria-labelledby="rec-view-title">
      <div className="rec-view-head">
        <button type="button" className="btn btn-secondary" data-testid="recording-back" onClick={onBack}>
          ← {t('supervisor.view.back')}
        </button>
        <div className="rec-view-title">
          <h2 id="rec-view-title" ref={headingRef} tabIndex={-1}>
            {meta ? t('supervisor.view.heading', { booth: meta.boothName, matter: meta.matterId === 'consult' ? t('supervisor.view.consult') : meta.matterName }) : t('supervisor.view.loading')}
          </h2>
          {meta && (
            <p className="muted">
              {t('supervisor.view.startedAt', { time: `${beijingDateTime(meta.startedAt)}${t('supervisor.beijingTime')}` })}
              {meta.endedAt !== undefined && ` – ${beijingTime(meta.endedAt)}`}
            </p>
          )}
        </div>
      </div>
      {error && (
        <p className="alert alert-error" role="alert" data-testid="recording-error">
          {t(error)}
        </p>
      )}
      {!detail && !error && (
        <p className="muted" role="status">
          {t('supervisor.view.loading')}
        </p>
      )}
      {detail && (
        <div className="rec-view-grid">
          <div className="rec-view-main">
            {meta?.playback && tracks.length > 0 ? (
              <Player sessionId={sessionId} duration={meta.playback.durationSec} tracks={tracks} api={api} playerRef={player} />
            ) : (
              <p className="alert alert-info" data-testid="recording-no-playback">
                {t('supervisor.view.noPlayback')}
              </p>
            )}
            <SegmentsPanel sessionId={sessionId} manifest={detail.manifest} api={api} />
          </div>
          <aside className="rec-view-side">
            <IntegrityPanel integrity={detail.integrity} />
            {meta && <PartiesPanel meta={meta} />}
            <CasesPanel caseNos={meta?.caseNos ?? []} cases={cases} />
            <ChatTranscript chat={detail.chat} clockZero={meta?.playback?.startedAt ?? meta?.startedAt} canSeek={!!meta?.playback} onSeek={seekTo} />
          </aside>
        </div>
      )}
    </section>
  );
}

// ── player ────────────────────────────────────────────────────────────────────

type Load = { state: 'loading'; loaded: number; total?: number } | { state: 'ready'; url: string; bytes: number } | { state: 'failed' };

/** Downloads each track with the token into a Blob and hands out object URLs (revoked when the view closes). */
function useTrackFiles(sessionId: string, tracks: TrackInfo[], api: RecordingsApi) {
  const [loads, setLoads] = useState<Record<string, Load>>({});

  useEffect(() => {
    const ctl = new AbortController();
    const urls: string[] = [];
    for (const tr of tracks) {
      setLoads((l) => ({ ...l, [tr.name]: { state: 'loading', loaded: 0 } }));
      api
        .file(sessionId, tr.fileName, {
          signal: ctl.signal,
          onProgress: (loaded, total) => setLoads((l) => ({ ...l, [tr.name]: { state: 'loading', loaded, total } })),
        })
        .then(
          (blob) => {
            if (ctl.signal.aborted) return;
            const url = URL.createObjectURL(blob);
            urls.push(url);
            setLoads((l) => ({ ...l, [tr.name]: { state: 'ready', url, bytes: blob.size } }));
          },
          (err) => {
            if (ctl.signal.aborted) return;
            console.warn('track download failed', tr.name, err);
            setLoads((l) => ({ ...l, [tr.name]: { state: 'failed' } }));
          },
        );
    }
    return () => {
      ctl.abort();
      for (const u of urls) URL.revokeObjectURL(u);
    };
  }, [api, sessionId, tracks]);

  // Retries run apart from the main effect so a retry does not revoke the tracks already loaded.
  const retryCtl = useRef(new Set<AbortController>());
  const retryUrls = useRef<string[]>([]);
  useEffect(
    () => () => {
      for (const c of retryCtl.current) c.abort();
      for (const u of retryUrls.current) URL.revokeObjectURL(u);
    },
    [],
  );
  const retry = (tr: TrackInfo) => {
    const ctl = new AbortController();
    retryCtl.current.add(ctl);
    setLoads((l) => ({ ...l, [tr.name]: { state: 'loading', loaded: 0 } }));
    api
      .file(sessionId, tr.fileName, { signal: ctl.signal, onProgress: (loaded, total) => setLoads((l) => ({ ...l, [tr.name]: { state: 'loading', loaded, total } })) })
      .then(
        (blob) => {
          if (ctl.signal.aborted) return;
          const url = URL.createObjectURL(blob);
          retryUrls.current.push(url);
          setLoads((l) => ({ ...l, [tr.name]: { state: 'ready', url, bytes: blob.size } }));
        },
        () => {
          if (!ctl.signal.aborted) setLoads((l) => ({ ...l, [tr.name]: { state: 'failed' } }));
        },
      )
      .finally(() => retryCtl.current.delete(ctl));
  };
  return { loads, retry };
}

function percentOf(l: Load | undefined): number {
  if (!l || l.state === 'failed') return 0;
  if (l.state === 'ready') return 100;
  return l.total ? Math.min(99, Math.floor((l.loaded / l.total) * 100)) : 0;
}

function sourceKey(tr: TrackInfo): string {
  if (tr.kind === 'audio') return 'mic';
  if (tr.role === 'booth') return tr.source === 'document' ? 'document' : 'camera';
  if (tr.role === 'agent') return 'agent';
  if (tr.role === 'interpreter') return 'interpreter';
  return 'other';
}

function useTrackLabel() {
  const { t } = useTranslation();
  const lt = t as unknown as LooseT;
  return (tr: TrackInfo) => t('supervisor.player.trackLabel', { name: tr.party?.name ?? tr.name, source: lt(`supervisor.player.sources.${sourceKey(tr)}`) });
}

function Player({
  sessionId,
  duration,
  tracks,
  api,
  playerRef,
}: {
  sessionId: string;
  duration: number;
  tracks: TrackInfo[];
  api: RecordingsApi;
  playerRef: RefObject<SyncPlayer | undefined>;
}) {
  const { t } = useTranslation();
  const label = useTrackLabel();
  const timelineId = useId();
  const [player] = useState(() => new SyncPlayer(duration));
  useEffect(() => {
    playerRef.current = player;
    return () => {
      if (playerRef.current === player) playerRef.current = undefined;
    };
  }, [player, playerRef]);
  useEffect(() => () => player.dispose(), [player]);
  const snap = useSyncExternalStore(player.subscribe, player.getSnapshot);
  const { loads, retry } = useTrackFiles(sessionId, tracks, api);

  const video = tracks.filter((x) => x.kind === 'video');
  const audio = tracks.filter((x) => x.kind === 'audio');
  const [main, ...others] = video;
  const settled = tracks.every((x) => loads[x.name] && loads[x.name]!.state !== 'loading');
  const anyReady = tracks.some((x) => loads[x.name]?.state === 'ready');
  const loadingPercent = Math.floor(tracks.reduce((s, x) => s + percentOf(loads[x.name]), 0) / Math.max(1, tracks.length));

  return (
    <section className="panel rec-player" data-testid="recording-player" aria-label={t('supervisor.player.label')} data-time={snap.time.toFixed(2)} data-playing={snap.playing}>
      {!settled && (
        <p className="rec-loading" role="status" data-testid="player-loading">
          <span className="rec-spinner" aria-hidden="true" />
          {t('supervisor.player.loadingTracks', { percent: loadingPercent })}
        </p>
      )}
      <div className="rec-stage">
        {main && (
          <div className="rec-main">
            <VideoTrack track={main} load={loads[main.name]} player={player} active={snap.active[main.name]} label={label(main)} onRetry={() => retry(main)} large />
          </div>
        )}
        {others.length > 0 && (
          <div className="rec-thumbs">
            {others.map((x) => (
              <VideoTrack key={x.name} track={x} load={loads[x.name]} player={player} active={snap.active[x.name]} label={label(x)} onRetry={() => retry(x)} />
            ))}
          </div>
        )}
      </div>
      {audio.length > 0 && (
        <ul className="rec-audio" aria-label={t('supervisor.player.audioTracks')}>
          {audio.map((x) => (
            <AudioTrack key={x.name} track={x} load={loads[x.name]} player={player} active={snap.active[x.name]} label={label(x)} onRetry={() => retry(x)} />
          ))}
        </ul>
      )}
      <div className="rec-controls">
        <button
          type="button"
          className="btn btn-primary rec-play"
          data-testid="player-play"
          data-playing={snap.playing}
          disabled={!settled || !anyReady}
          aria-busy={!settled || undefined}
          onClick={() => player.toggle()}
        >
          {snap.playing ? `❚❚ ${t('supervisor.player.pause')}` : `▶ ${t('supervisor.player.play')}`}
        </button>
        <label htmlFor={timelineId} className="visually-hidden">
          {t('supervisor.player.timeline')}
        </label>
        <input
          id={timelineId}
          type="range"
          className="rec-timeline"
          data-testid="player-timeline"
          min={0}
          max={duration}
          step={0.1}
          value={snap.time}
          disabled={!anyReady}
          aria-valuetext={`${formatClock(snap.time * 1000)} / ${formatClock(duration * 1000)}`}
          onChange={(e) => player.seek(Number(e.target.value))}
          onKeyDown={(e) => {
            // Arrows move 5 s (the native 0.1 s step is too fine to be useful).
            const d = e.key === 'ArrowRight' || e.key === 'ArrowUp' ? 5 : e.key === 'ArrowLeft' || e.key === 'ArrowDown' ? -5 : 0;
            if (d === 0) return;
            e.preventDefault();
            player.seek(player.time() + d);
          }}
        />
        <span className="rec-time" data-testid="player-time" data-seconds={snap.time.toFixed(1)}>
          {t('supervisor.player.time', { current: formatClock(snap.time * 1000), total: formatClock(duration * 1000) })}
        </span>
      </div>
    </section>
  );
}

interface TrackProps {
  track: TrackInfo;
  load: Load | undefined;
  player: SyncPlayer;
  active: boolean | undefined;
  label: string;
  onRetry(): void;
}

/** Puts a media element on the player's clock once its file is here. */
function useOnClock(ref: RefObject<HTMLMediaElement | null>, player: SyncPlayer, track: TrackInfo, url: string | undefined) {
  useEffect(() => {
    const el = ref.current;
    if (!el || !url) return;
    return player.attach(track.name, el, track.offsetMs / 1000);
  }, [ref, player, track, url]);
}

function TrackState({ load, onRetry }: { load: Load | undefined; onRetry(): void }) {
  const { t } = useTranslation();
  if (load?.state === 'failed')
    return (
      <span className="rec-track-state rec-track-failed" role="alert">
        {t('supervisor.player.trackFailed')}
        <button type="button" className="btn btn-secondary" data-testid="player-retry" onClick={onRetry}>
          {t('supervisor.player.retry')}
        </button>
      </span>
    );
  if (load?.state === 'ready') return null;
  return <span className="rec-track-state">{t('supervisor.player.trackLoading', { percent: percentOf(load) })}</span>;
}

function VideoTrack({ track, load, player, active, label, onRetry, large = false }: TrackProps & { large?: boolean }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLVideoElement>(null);
  const url = load?.state === 'ready' ? load.url : undefined;
  useOnClock(ref, player, track, url);
  const shown = url !== undefined && active === true;
  return (
    <figure className={`rec-video ${large ? 'rec-video-large' : ''}`} data-testid="player-video" data-track={track.name} data-active={shown}>
      <div className="rec-video-frame">
        <video
          ref={ref}
          src={url}
          muted
          playsInline
          preload="auto"
          data-testid="player-track"
          data-track={track.name}
          data-kind="video"
          data-offset-ms={track.offsetMs}
          data-active={active === true}
          style={{ visibility: shown ? 'visible' : 'hidden' }}
        />
        {url === undefined ? (
          <TrackState load={load} onRetry={onRetry} />
        ) : (
          !shown && <span className="rec-track-state">{t('supervisor.player.outOfRange')}</span>
        )}
      </div>
      <figcaption className="rec-caption">{label}</figcaption>
    </figure>
  );
}

function AudioTrack({ track, load, player, active, label, onRetry }: TrackProps) {
  const { t } = useTranslation();
  const ref = useRef<HTMLAudioElement>(null);
  const url = load?.state === 'ready' ? load.url : undefined;
  const [muted, setMuted] = useState(false);
  useOnClock(ref, player, track, url);
  useEffect(() => {
    if (ref.current) ref.current.muted = muted;
  }, [muted, url]);
  return (
    <li className="rec-audio-track" data-active={active === true}>
      <audio ref={ref} src={url} preload="auto" data-testid="player-track" data-track={track.name} data-kind="audio" data-offset-ms={track.offsetMs} data-active={active === true} />
      <span className={`rec-audio-dot ${active ? 'on' : ''}`} aria-hidden="true" />
      <span className="rec-audio-label">{label}</span>
      {url === undefined ? (
        <TrackState load={load} onRetry={onRetry} />
      ) : (
        <button type="button" className="btn btn-secondary rec-mute" aria-pressed={muted} onClick={() => setMuted((m) => !m)}>
          {muted ? t('supervisor.player.unmute') : t('supervisor.player.mute')}
        </button>
      )}
    </li>
  );
}

// ── beside the player ─────────────────────────────────────────────────────────

function IntegrityPanel({ integrity }: { integrity: RecordingDetail['integrity'] }) {
  const { t } = useTranslation();
  return (
    <section className={`panel rec-side-panel rec-integrity ${integrity.ok ? 'ok' : 'bad'}`} data-testid="recording-integrity" data-ok={integrity.ok} aria-labelledby="rec-integrity-title">
      <h3 id="rec-integrity-title">{t('supervisor.integrity.title')}</h3>
      <p className="rec-integrity-result" role={integrity.ok ? undefined : 'alert'}>
        <span aria-hidden="true">{integrity.ok ? '✓ ' : '✗ '}</span>
        {integrity.ok ? t('supervisor.integrity.ok', { count: integrity.segments }) : t('supervisor.integrity.failed', { count: integrity.problems.length })}
      </p>
      {integrity.problems.length > 0 && (
        <ul className="rec-problems">
          {integrity.problems.map((p) => (
            <li key={p} data-testid="recording-integrity-problem">
              {p}
            </li>
          ))}
        </ul>
      )}
      <p className="muted rec-small">{t('supervisor.integrity.explain')}</p>
    </section>
  );
}

function PartiesPanel({ meta }: { meta: RecordingMeta }) {
  const { t } = useTranslation();
  const lt = t as unknown as LooseT;
  return (
    <section className="panel rec-side-panel" data-testid="recording-parties-panel" aria-labelledby="rec-parties-title">
      <h3 id="rec-parties-title">{t('supervisor.parties.title')}</h3>
      <ul className="rec-parties">
        {meta.parties.map((p, i) => (
          <li key={`${p.role}:${p.userId}:${i}`} data-testid="recording-party" data-role={p.role} data-user-id={p.userId}>
            <span className="rec-party-name">{p.name}</span>
            <span className="badge">{lt(`supervisor.parties.roles.${p.role}`)}</span>
            <span className="muted rec-party-times">
              {t('supervisor.parties.joined', { time: beijingTime(p.joinedAt) })} · {p.leftAt !== undefined ? t('supervisor.parties.left', { time: beijingTime(p.leftAt) }) : t('supervisor.parties.stillIn')}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function ChatTranscript({ chat, clockZero, canSeek, onSeek }: { chat: ChatMessage[]; clockZero?: number; canSeek: boolean; onSeek(t: number): void }) {
  const { t } = useTranslation();
  const lt = t as unknown as LooseT;
  return (
    <section className="panel rec-side-panel" data-testid="recording-chat" aria-labelledby="rec-chat-title">
      <h3 id="rec-chat-title">{t('supervisor.chat.title')}</h3>
      {chat.length === 0 ? (
        <p className="muted">{t('supervisor.chat.empty')}</p>
      ) : (
        <ol className="rec-chat">
          {chat.map((m, i) => (
            <li key={`${m.at}-${m.from}-${i}`} className={`rec-chat-line role-${m.role}`} data-testid="recording-chat-line" data-role={m.role}>
              <span className="rec-chat-meta">
                <time dateTime={new Date(m.at).toISOString()}>{beijingTime(m.at)}</time>
                <strong>{m.fromName}</strong>
                <span className="muted">{lt(`supervisor.parties.roles.${m.role}`)}</span>
                {canSeek && clockZero !== undefined && (
                  // The session clock starts at the first recorded packet, a moment after the session: close enough to find the moment.
                  <button type="button" className="btn-link" aria-label={t('supervisor.chat.jumpLabel', { time: beijingTime(m.at) })} onClick={() => onSeek(Math.max(0, (m.at - clockZero) / 1000 - 2))}>
                    {t('supervisor.chat.jump')}
                  </button>
                )}
              </span>
              <span className="rec-chat-text">{m.text}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function CasesPanel({ caseNos, cases }: { caseNos: string[]; cases: CasesApi }) {
  const { t } = useTranslation();
  return (
    <section className="panel rec-side-panel" data-testid="recording-cases" aria-labelledby="rec-cases-title">
      <h3 id="rec-cases-title">{t('supervisor.cases.title')}</h3>
      {caseNos.length === 0 ? <p className="muted">{t('supervisor.cases.none')}</p> : caseNos.map((no) => <CaseSummary key={no} caseNo={no} cases={cases} />)}
    </section>
  );
}

function maskPhone(p: string): string {
  return p.length >= 7 ? `${p.slice(0, 3)}****${p.slice(-4)}` : '****';
}

function CaseSummary({ caseNo, cases }: { caseNo: string; cases: CasesApi }) {
  const { t } = useTranslation();
  const lt = t as unknown as LooseT;
  const [view, setView] = useState<CaseView | undefined>();
  const [failed, setFailed] = useState<MessageKey | undefined>();
  const [full, setFull] = useState(false);

  useEffect(() => {
    let live = true;
    cases.get(caseNo).then(
      (v) => live && setView(v),
      (err) => {
        console.warn('case failed to load', caseNo, err);
        if (live) setFailed(errorKey(err));
      },
    );
    return () => {
      live = false;
    };
  }, [caseNo, cases]);

  if (failed)
    return (
      <div className="rec-case" data-testid="recording-case" data-case-no={caseNo} data-state="error">
        <p className="alert alert-error">
          {t('supervisor.cases.failed', { caseNo })} · {t(failed)}
        </p>
      </div>
    );
  if (!view)
    return (
      <div className="rec-case" data-testid="recording-case" data-case-no={caseNo} data-state="loading">
        <p className="muted">{t('supervisor.cases.loading', { caseNo })}</p>
      </div>
    );

  // Shown masked unless asked; the server already masks for viewers who may not see more (then no toggle).
  const reveal = full && !view.masked;
  const a = view.applicant;
  return (
    <div className="rec-case" data-testid="recording-case" data-case-no={caseNo} data-state={view.state} data-masked={!reveal}>
      <p className="rec-case-head">
        <strong>{t('supervisor.cases.caseNo', { caseNo })}</strong>
        <span className={`badge rec-case-state state-${view.state}`} data-testid="recording-case-state">
          {lt(`agentReview.states.${view.state}`)}
        </span>
      </p>
      <dl className="rec-case-facts">
        <dt>{t('agentReview.matter')}</dt>
        <dd>{view.matterName}</dd>
        <dt>{t('agentReview.applicant')}</dt>
        <dd data-testid="recording-case-applicant">{view.masked || !reveal ? maskName(a.name) : a.name}</dd>
        <dt>{t('agentReview.idNumber')}</dt>
        <dd data-testid="recording-case-id">{view.masked || !reveal ? (view.masked ? a.idNumber : maskIdNumber(a.idNumber)) : a.idNumber}</dd>
        {view.phone && (
          <>
            <dt>{t('supervisor.cases.phone')}</dt>
            <dd>{reveal ? view.phone : maskPhone(view.phone)}</dd>
          </>
        )}
      </dl>
      {!view.masked && (
        <button type="button" className="btn btn-secondary rec-unmask" data-testid="recording-case-unmask" aria-pressed={full} onClick={() => setFull((f) => !f)}>
          {full ? t('supervisor.cases.hideFull') : t('supervisor.cases.showFull')}
        </button>
      )}
      {!reveal && <p className="muted rec-small">{t('supervisor.cases.maskedHint')}</p>}
      <h4>{t('supervisor.cases.materials')}</h4>
      {view.materials.length === 0 ? (
        <p className="muted">{t('supervisor.cases.noMaterials')}</p>
      ) : (
        <ul className="rec-materials">
          {view.materials.map((m) => (
            <li key={m.materialId} data-testid="recording-case-material" data-material-id={m.materialId} data-verdict={m.verdict}>
              <span>{m.name}</span>
              <span className={`badge verdict-${m.verdict}`}>{lt(`agentReview.verdicts.${m.verdict}`)}</span>
              {m.reason && <span className="muted rec-reason">{m.reason}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function SegmentsPanel({ sessionId, manifest, api }: { sessionId: string; manifest: SegmentEntry[]; api: RecordingsApi }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState<string | undefined>();
  const [error, setError] = useState<MessageKey | undefined>();
  const download = async (e: SegmentEntry) => {
    setBusy(e.file);
    setError(undefined);
    try {
      const blob = await api.file(sessionId, e.file, { kind: 'segment' });
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `${sessionId}-${e.file}`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (err) {
      setError(errorKey(err));
    } finally {
      setBusy(undefined);
    }
  };
  if (manifest.length === 0) return null;
  return (
    <details className="panel rec-segments" data-testid="recording-segments">
      <summary>{t('supervisor.segments.title', { count: manifest.length })}</summary>
      <p className="muted rec-small">{t('supervisor.segments.hint')}</p>
      {error && (
        <p className="alert alert-error" role="alert">
          {t(error)}
        </p>
      )}
      <table className="rec-table rec-seg-table">
        <thead>
          <tr>
            <th scope="col">{t('supervisor.segments.seq')}</th>
            <th scope="col">{t('supervisor.segments.track')}</th>
            <th scope="col">{t('supervisor.segments.size')}</th>
            <th scope="col">{t('supervisor.segments.sha256')}</th>
            <th scope="col">
              <span className="visually-hidden">{t('supervisor.segments.download')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {manifest.map((e) => (
            <tr key={e.seq} data-testid="recording-segment" data-file={e.file}>
              <td>{e.seq}</td>
              <td className="rec-mono">{e.track}</td>
              <td>{formatBytes(e.bytes)}</td>
              <td className="rec-mono" title={e.sha256}>
                {e.sha256.slice(0, 12)}…
              </td>
              <td>
                <button type="button" className="btn btn-secondary" disabled={busy !== undefined} aria-busy={busy === e.file || undefined} onClick={() => void download(e)}>
                  {busy === e.file ? t('supervisor.segments.downloading') : t('supervisor.segments.download')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
