/**
 * Live captions (实时字幕) in the call screens of the booth and the consoles:
 * a 「字幕」 toggle that asks the server ('captions:set'), and the last lines of
 * each speaker's caption track ('caption:segment'). The server ships no speech
 * engine: then the answer is 'unavailable' and we say so plainly — captions
 * are never made up here.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CaptionSegment, CaptionState } from '../captions';
import type { SignalingClient } from '../client/signaling';

/** Lines kept on screen per speaker. */
const LINES_PER_SPEAKER = 3;

export interface Captions {
  /** Undefined until the server said something (captions start off). */
  state: CaptionState['state'] | undefined;
  engine?: string;
  /** The last lines per speaker, oldest first. */
  lines: CaptionSegment[];
  busy: boolean;
  failed: boolean;
  toggle(): void;
}

/** Adds a segment: an interim one is replaced by later ones with the same speaker and seq. */
function addSegment(lines: CaptionSegment[], seg: CaptionSegment): CaptionSegment[] {
  const same = (x: CaptionSegment) => x.speaker.partyId === seg.speaker.partyId && x.seq === seg.seq;
  const next = lines.some(same) ? lines.map((x) => (same(x) ? seg : x)) : [...lines, seg];
  // Keep the last few of each speaker.
  const ofSpeaker = next.filter((x) => x.speaker.partyId === seg.speaker.partyId);
  const drop = new Set(ofSpeaker.slice(0, Math.max(0, ofSpeaker.length - LINES_PER_SPEAKER)));
  return next.filter((x) => !drop.has(x));
}

/** Captions of the session on screen (`sig` null / `sessionId` undefined: outside a call). */
export function useCaptions(sig: SignalingClient | null, sessionId: string | undefined): Captions {
  const [state, setState] = useState<CaptionState | undefined>();
  const [lines, setLines] = useState<CaptionSegment[]>([]);
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    setState(undefined);
    setLines([]);
    setFailed(false);
    if (!sig || !sessionId) return;
    const offState = sig.on('captions:state', (s) => {
      if (s.sessionId !== sessionId) return;
      setState(s);
      if (s.state !== 'on') setLines([]);
    });
    const offSegment = sig.on('caption:segment', (seg) => {
      if (seg.sessionId === sessionId) setLines((l) => addSegment(l, seg));
    });
    return () => {
      offState();
      offSegment();
    };
  }, [sig, sessionId]);

  const on = state?.state === 'on';
  const toggle = () => {
    if (!sig || !sessionId || busy) return;
    setBusy(true);
    setFailed(false);
    sig.request('captions:set', { sessionId, on: !on }).then(
      (s) => {
        if (s.sessionId === sessionId) setState(s);
        if (s.state !== 'on') setLines([]);
        setBusy(false);
      },
      (err: unknown) => {
        console.warn('captions:set failed', err);
        setFailed(true);
        setBusy(false);
      },
    );
  };
  return { state: state?.state, engine: state?.engine, lines, busy, failed, toggle };
}

/** 「字幕」: pressed while captions are on (or shown as not available). */
export function CaptionsToggle({ captions, className }: { captions: Captions; className?: string }) {
  const { t } = useTranslation();
  return (
    <button
      type="button"
      className={`${className ?? 'btn btn-secondary'} captions-toggle${captions.state === 'on' ? ' on' : ''}`}
      data-testid="captions-toggle"
      data-state={captions.state ?? 'off'}
      aria-pressed={captions.state === 'on'}
      aria-busy={captions.busy || undefined}
      disabled={captions.busy}
      onClick={captions.toggle}
    >
      {t('access.captions.toggle')}
    </button>
  );
}

/** The caption lines (large text), or why there are none. Nothing while captions are off. */
export function CaptionsView({ captions, className }: { captions: Captions; className?: string }) {
  const { t } = useTranslation();
  const { state, lines, failed } = captions;
  if (failed) {
    return (
      <p className={`captions-view captions-note ${className ?? ''}`} role="alert" data-testid="captions-error">
        {t('access.captions.failed')}
      </p>
    );
  }
  if (state === 'unavailable') {
    return (
      <p className={`captions-view captions-note ${className ?? ''}`} role="status" data-testid="captions-unavailable">
        {t('access.captions.unavailable')}
      </p>
    );
  }
  if (state !== 'on') return null;
  return (
    <section className={`captions-view ${className ?? ''}`} aria-label={t('access.captions.label')} data-testid="captions-view">
      {lines.length === 0 && <p className="captions-note">{t('access.captions.waiting')}</p>}
      <ol className="captions-lines" aria-live="polite">
        {lines.map((l) => (
          <li
            key={`${l.speaker.partyId}-${l.seq}`}
            className={l.final ? 'caption-line final' : 'caption-line interim'}
            data-testid="caption-line"
            data-role={l.speaker.role}
          >
            <span className="caption-speaker">{l.speaker.name}：</span>
            <span className="caption-text">{l.text}</span>
          </li>
        ))}
      </ol>
      {captions.engine && <p className="captions-engine">{t('access.captions.engine', { engine: captions.engine })}</p>}
    </section>
  );
}
