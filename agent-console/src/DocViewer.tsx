/**
 * The document viewer of the review panel: one stored material file at full
 * resolution, zoom (buttons, wheel, keys), pan by dragging when zoomed, rotate
 * by 90°, and the marks the agent draws (box / arrow / text) on an SVG overlay
 * in image coordinates — fractions 0–1 of the unrotated image, so they stay
 * right under rotation and zoom, and mean the same on the booth's screen,
 * where every completed mark appears at once ('doc:annotate'). A pointer
 * toggle shows the agent's mouse position on the booth ('doc:pointer').
 */
import { useEffect, useId, useLayoutEffect, useRef, useState, type FormEvent, type KeyboardEvent, type PointerEvent as ReactPointerEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Annotation } from '@xiaowu/shared';
import { MAX_ANNOTATIONS, type CaseReview, type FileCache, type FileSnapshot, type SyncState } from './case-review';

/** A stored file as a blob URL while the component shows it (released on unmount). */
export function useStoredFile(cache: FileCache, sha256: string | undefined): FileSnapshot {
  const [snap, setSnap] = useState<FileSnapshot>(() => cache.peek(sha256));
  useEffect(() => {
    if (!sha256) return undefined;
    return cache.acquire(sha256, setSnap);
  }, [cache, sha256]);
  return snap.sha256 === sha256 ? snap : { sha256, status: 'loading' };
}

export const isImage = (mime: string | undefined) => mime !== undefined && mime.startsWith('image/');
export const isPdf = (mime: string | undefined) => mime === 'application/pdf';

type Tool = 'pan' | 'box' | 'arrow' | 'text';
type Point = { x: number; y: number };

const ZOOM_MIN = 1;
const ZOOM_MAX = 10;
const ZOOM_STEP = 1.25;
/** doc:pointer at most this often (~10 per second). */
const POINTER_MS = 100;
/** Smallest box / arrow kept (fraction of the image), so a click is not a mark. */
const MIN_MARK = 0.01;
const TEXT_MAX = 200;

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const round4 = (v: number) => Math.round(v * 10_000) / 10_000;

function newId(): string {
  return `m${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** An arrow's head, in image pixels: two barbs back from the tip. */
function arrowHead(x1: number, y1: number, x2: number, y2: number, size: number): string {
  const a = Math.atan2(y2 - y1, x2 - x1);
  const spread = Math.PI / 7;
  const p = (t: number) => `${x2 - size * Math.cos(a - t)},${y2 - size * Math.sin(a - t)}`;
  return `${p(spread)} ${x2},${y2} ${p(-spread)}`;
}

export interface DocViewerProps {
  review: CaseReview;
  sha256: string;
  /** The material the file belongs to (for labels). */
  materialName: string;
  annotations: Annotation[];
  sync?: SyncState;
  /** Marks, pointer and highlights go to the booth (the call runs). */
  live: boolean;
  /** Changes every time the file is opened (again): the viewer scrolls into view. */
  openSeq?: number;
  onClose(): void;
}

export function DocViewer({ review, sha256, materialName, annotations, sync, live, openSeq, onClose }: DocViewerProps) {
  const { t } = useTranslation();
  const ids = useId();
  const file = useStoredFile(review.files, sha256);
  const viewportRef = useRef<HTMLDivElement>(null);
  const textRef = useRef<HTMLInputElement>(null);
  const [size, setSize] = useState({ w: 0, h: 0 });
  const [nat, setNat] = useState<{ w: number; h: number } | undefined>();
  const [zoom, setZoom] = useState(1);
  const [rot, setRot] = useState(0);
  const [pan, setPan] = useState<Point>({ x: 0, y: 0 });
  const [tool, setTool] = useState<Tool>('pan');
  const [pointerOn, setPointerOn] = useState(false);
  const [draft, setDraft] = useState<{ kind: 'box' | 'arrow'; from: Point; to: Point } | undefined>();
  const [textAt, setTextAt] = useState<Point | undefined>();
  const [text, setText] = useState('');
  const [expanded, setExpanded] = useState(false);
  const drag = useRef<{ id: number; kind: 'pan' | 'draw'; startX: number; startY: number; pan: Point } | undefined>(undefined);
  const pointerRef = useRef({ on: false, last: 0, timer: undefined as ReturnType<typeof setTimeout> | undefined, pending: null as Point | null });

  const sectionRef = useRef<HTMLElement>(null);
  const image = file.status === 'ready' && isImage(file.mime);
  const pdf = file.status === 'ready' && isPdf(file.mime);
  const full = annotations.length >= MAX_ANNOTATIONS;

  // A file just opened comes into view (the page may be scrolled to the checklist).
  useEffect(() => {
    sectionRef.current?.scrollIntoView?.({ block: 'nearest' });
  }, [openSeq]);

  // ── geometry ──────────────────────────────────────────────────────────────
  useLayoutEffect(() => {
    const el = viewportRef.current;
    if (!el) return undefined;
    const measure = () => setSize({ w: el.clientWidth, h: el.clientHeight });
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const turned = rot % 180 !== 0;
  const rw = nat ? (turned ? nat.h : nat.w) : 1;
  const rh = nat ? (turned ? nat.w : nat.h) : 1;
  const fit = size.w > 0 && size.h > 0 ? Math.min(size.w / rw, size.h / rh) : 1;
  const scale = fit * zoom;
  const clampPan = (p: Point, s = scale): Point => {
    const mx = Math.max(0, (rw * s - size.w) / 2);
    const my = Math.max(0, (rh * s - size.h) / 2);
    return { x: clamp(p.x, -mx, mx), y: clamp(p.y, -my, my) };
  };
  const shownPan = clampPan(pan);

  /** Zoom to `next` (relative to fit), keeping the image point under `at` (offset from the viewport centre) in place. */
  const zoomTo = (next: number, at: Point = { x: 0, y: 0 }) => {
    const z = clamp(next, ZOOM_MIN, ZOOM_MAX);
    const s2 = fit * z;
    const k = s2 / scale;
    setZoom(z);
    setPan(clampPan({ x: at.x - (at.x - shownPan.x) * k, y: at.y - (at.y - shownPan.y) * k }, s2));
  };
  const fitView = () => {
    setZoom(1);
    setPan({ x: 0, y: 0 });
  };
  const rotate = () => {
    setRot((r) => (r + 90) % 360);
    setPan({ x: 0, y: 0 });
  };

  /** Screen point → fractions of the unrotated image (not clamped). */
  const toImage = (clientX: number, clientY: number): Point | undefined => {
    const el = viewportRef.current;
    if (!el || !nat) return undefined;
    const r = el.getBoundingClientRect();
    const dx = clientX - (r.left + el.clientLeft + size.w / 2) - shownPan.x;
    const dy = clientY - (r.top + el.clientTop + size.h / 2) - shownPan.y;
    const a = (rot * Math.PI) / 180;
    const lx = (dx * Math.cos(a) + dy * Math.sin(a)) / scale;
    const ly = (-dx * Math.sin(a) + dy * Math.cos(a)) / scale;
    return { x: (lx + nat.w / 2) / nat.w, y: (ly + nat.h / 2) / nat.h };
  };
  const inside = (p: Point) => p.x >= 0 && p.x <= 1 && p.y >= 0 && p.y <= 1;
  const clampPoint = (p: Point): Point => ({ x: clamp(p.x, 0, 1), y: clamp(p.y, 0, 1) });

  // Wheel zoom (a native listener: React's wheel handler is passive and cannot keep the page from scrolling).
  const wheelRef = useRef<(e: WheelEvent) => void>(() => undefined);
  // Ctrl + wheel zooms about the mouse; the plain wheel pans a zoomed image and otherwise scrolls the page.
  wheelRef.current = (e: WheelEvent) => {
    if (!image || !nat) return;
    if (e.ctrlKey || e.metaKey) {
      e.preventDefault();
      const el = viewportRef.current!;
      const r = el.getBoundingClientRect();
      const at = { x: e.clientX - (r.left + el.clientLeft + size.w / 2), y: e.clientY - (r.top + el.clientTop + size.h / 2) };
      zoomTo(zoom * Math.pow(ZOOM_STEP, -e.deltaY / 120), at);
    } else if (zoom > 1) {
      e.preventDefault();
      setPan(clampPan({ x: shownPan.x - e.deltaX, y: shownPan.y - e.deltaY }));
    }
  };
  useEffect(() => {
    const el = viewportRef.current;
    if (!el) return undefined;
    const onWheel = (e: WheelEvent) => wheelRef.current(e);
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, [image]);

  // ── pointer on the booth ──────────────────────────────────────────────────
  const sendPointer = (at: Point | null) => {
    const p = pointerRef.current;
    if (p.timer !== undefined) clearTimeout(p.timer);
    p.timer = undefined;
    p.last = Date.now();
    review.pointer(sha256, at && { x: round4(at.x), y: round4(at.y) });
  };
  const movePointer = (at: Point | null) => {
    const p = pointerRef.current;
    if (!p.on || !live) return;
    if (at === null) {
      sendPointer(null);
      return;
    }
    p.pending = at;
    const wait = POINTER_MS - (Date.now() - p.last);
    if (wait <= 0) sendPointer(at);
    else p.timer ??= setTimeout(() => sendPointer(p.pending), wait);
  };
  const togglePointer = () => {
    const on = !pointerOn;
    setPointerOn(on);
    pointerRef.current.on = on;
    if (!on) sendPointer(null);
  };
  // Leaving the file (another one, or closing): hide the pointer on the booth.
  useEffect(
    () => () => {
      const p = pointerRef.current;
      if (p.timer !== undefined) clearTimeout(p.timer);
      if (p.on) review.pointer(sha256, null);
    },
    [review, sha256],
  );

  // ── marks ────────────────────────────────────────────────────────────────
  const commit = (list: Annotation[]) => void review.setAnnotations(sha256, list);
  const add = (a: Omit<Annotation, 'id'>) => {
    if (full) return;
    commit([...annotations, { id: newId(), ...a }]);
  };
  const addBox = (from: Point, to: Point) => {
    const w = Math.abs(to.x - from.x);
    const h = Math.abs(to.y - from.y);
    if (w < MIN_MARK || h < MIN_MARK) return;
    add({ kind: 'box', x: round4(Math.min(from.x, to.x)), y: round4(Math.min(from.y, to.y)), w: round4(w), h: round4(h) });
  };
  const addArrow = (from: Point, to: Point) => {
    if (Math.hypot(to.x - from.x, to.y - from.y) < MIN_MARK * 2) return;
    const x = round4(from.x);
    const y = round4(from.y);
    // The tip stays inside the image after rounding.
    add({ kind: 'arrow', x, y, w: round4(clamp(to.x, 0, 1) - x), h: round4(clamp(to.y, 0, 1) - y) });
  };
  const askText = (at: Point) => {
    if (full) return;
    setTextAt(at);
    setText('');
  };
  useEffect(() => {
    if (textAt) textRef.current?.focus();
  }, [textAt]);
  const submitText = (e: FormEvent) => {
    e.preventDefault();
    const words = text.trim().slice(0, TEXT_MAX);
    if (!textAt || !words) return;
    add({ kind: 'text', x: round4(textAt.x), y: round4(textAt.y), w: 0, h: 0, text: words });
    setTextAt(undefined);
    setText('');
    viewportRef.current?.focus();
  };
  const cancelText = () => {
    setTextAt(undefined);
    setText('');
    viewportRef.current?.focus();
  };
  const remove = (id: string) => commit(annotations.filter((a) => a.id !== id));

  // ── mouse / touch on the image ────────────────────────────────────────────
  const onPointerDown = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (!image || !nat || e.button !== 0) return;
    const at = toImage(e.clientX, e.clientY);
    if (!at) return;
    if (tool !== 'text') viewportRef.current?.focus({ preventScroll: true });
    if (tool === 'pan') {
      if (zoom <= 1) return;
      drag.current = { id: e.pointerId, kind: 'pan', startX: e.clientX, startY: e.clientY, pan: shownPan };
    } else if (tool === 'text') {
      if (inside(at)) askText(at);
      return;
    } else {
      if (!inside(at) || full) return;
      drag.current = { id: e.pointerId, kind: 'draw', startX: e.clientX, startY: e.clientY, pan: shownPan };
      setDraft({ kind: tool, from: at, to: at });
    }
    e.currentTarget.setPointerCapture(e.pointerId);
    e.preventDefault();
  };
  const onPointerMove = (e: ReactPointerEvent<HTMLDivElement>) => {
    const at = toImage(e.clientX, e.clientY);
    const d = drag.current;
    if (d && d.id === e.pointerId) {
      if (d.kind === 'pan') setPan(clampPan({ x: d.pan.x + e.clientX - d.startX, y: d.pan.y + e.clientY - d.startY }));
      else if (at) setDraft((x) => x && { ...x, to: clampPoint(at) });
    }
    if (at) movePointer(inside(at) ? at : null);
  };
  const onPointerUp = (e: ReactPointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    if (!d || d.id !== e.pointerId) return;
    drag.current = undefined;
    if (d.kind === 'draw' && draft) {
      const at = toImage(e.clientX, e.clientY);
      const to = at ? clampPoint(at) : draft.to;
      if (draft.kind === 'box') addBox(draft.from, to);
      else addArrow(draft.from, to);
    }
    setDraft(undefined);
  };
  const onPointerCancel = () => {
    drag.current = undefined;
    setDraft(undefined);
  };

  // ── keyboard ──────────────────────────────────────────────────────────────
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.target !== e.currentTarget) return;
    const step = 48;
    switch (e.key) {
      case '+':
      case '=':
        zoomTo(zoom * ZOOM_STEP);
        break;
      case '-':
      case '_':
        zoomTo(zoom / ZOOM_STEP);
        break;
      case '0':
        fitView();
        break;
      case 'r':
      case 'R':
        rotate();
        break;
      case 'ArrowLeft':
        setPan(clampPan({ x: shownPan.x + step, y: shownPan.y }));
        break;
      case 'ArrowRight':
        setPan(clampPan({ x: shownPan.x - step, y: shownPan.y }));
        break;
      case 'ArrowUp':
        setPan(clampPan({ x: shownPan.x, y: shownPan.y + step }));
        break;
      case 'ArrowDown':
        setPan(clampPan({ x: shownPan.x, y: shownPan.y - step }));
        break;
      case 'Enter':
        // Keyboard marks: in the middle of what is shown.
        if (!image || !nat || full) return;
        {
          const c = clampPoint(toImageCentre());
          if (tool === 'box') addBox({ x: c.x - 0.15, y: c.y - 0.1 }, { x: c.x + 0.15, y: c.y + 0.1 });
          else if (tool === 'arrow') addArrow(clampPoint({ x: c.x - 0.2, y: c.y - 0.2 }), c);
          else if (tool === 'text') askText(c);
          else return;
        }
        break;
      case 'Escape':
        if (draft) setDraft(undefined);
        else if (expanded) setExpanded(false);
        else return;
        break;
      default:
        return;
    }
    e.preventDefault();
  };
  const toImageCentre = (): Point => {
    const el = viewportRef.current!;
    const r = el.getBoundingClientRect();
    return toImage(r.left + el.clientLeft + size.w / 2, r.top + el.clientTop + size.h / 2) ?? { x: 0.5, y: 0.5 };
  };

  // Esc leaves full screen from anywhere in the viewer.
  useEffect(() => {
    if (!expanded) return undefined;
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key === 'Escape' && !textAt) setExpanded(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [expanded, textAt]);

  // ── drawing helpers (image pixels) ────────────────────────────────────────
  const W = nat?.w ?? 1;
  const H = nat?.h ?? 1;
  const px = (screen: number) => screen / scale; // a length that looks `screen` px on screen
  const upright = (x: number, y: number) => (rot ? `rotate(${-rot} ${x} ${y})` : undefined);

  const renderMark = (a: Annotation, i: number) => {
    const x = a.x * W;
    const y = a.y * H;
    const badge = (bx: number, by: number) => (
      <g className="mark-badge" transform={upright(bx, by)}>
        <circle cx={bx} cy={by} r={px(10)} />
        <text x={bx} y={by} fontSize={px(12)} dy="0.35em" textAnchor="middle">
          {i + 1}
        </text>
      </g>
    );
    if (a.kind === 'box') {
      return (
        <g key={a.id} data-testid="annotation" data-kind="box" data-id={a.id} className="mark mark-box">
          <rect x={x} y={y} width={a.w * W} height={a.h * H} vectorEffect="non-scaling-stroke" />
          {badge(x, y)}
        </g>
      );
    }
    if (a.kind === 'arrow') {
      const x2 = (a.x + a.w) * W;
      const y2 = (a.y + a.h) * H;
      return (
        <g key={a.id} data-testid="annotation" data-kind="arrow" data-id={a.id} className="mark mark-arrow">
          <line x1={x} y1={y} x2={x2} y2={y2} vectorEffect="non-scaling-stroke" />
          <polyline points={arrowHead(x, y, x2, y2, px(18))} vectorEffect="non-scaling-stroke" />
          {badge(x, y)}
        </g>
      );
    }
    return (
      <g key={a.id} data-testid="annotation" data-kind="text" data-id={a.id} className="mark mark-text" transform={upright(x, y)}>
        <circle cx={x} cy={y} r={px(4)} />
        <text x={x + px(8)} y={y} fontSize={px(18)} dy="0.35em" strokeWidth={px(4)}>
          {i + 1}. {a.text}
        </text>
      </g>
    );
  };

  const renderDraft = () => {
    if (!draft) return null;
    const { from, to } = draft;
    if (draft.kind === 'box') {
      return (
        <rect
          className="mark-draft"
          x={Math.min(from.x, to.x) * W}
          y={Math.min(from.y, to.y) * H}
          width={Math.abs(to.x - from.x) * W}
          height={Math.abs(to.y - from.y) * H}
          vectorEffect="non-scaling-stroke"
        />
      );
    }
    return (
      <g className="mark-draft">
        <line x1={from.x * W} y1={from.y * H} x2={to.x * W} y2={to.y * H} vectorEffect="non-scaling-stroke" />
        <polyline points={arrowHead(from.x * W, from.y * H, to.x * W, to.y * H, px(18))} vectorEffect="non-scaling-stroke" />
      </g>
    );
  };

  const toolButton = (k: Tool, testId: string) => (
    <button
      type="button"
      className={tool === k ? 'tool tool-on' : 'tool'}
      data-testid={testId}
      aria-pressed={tool === k}
      disabled={!image || (k !== 'pan' && full)}
      onClick={() => {
        setTool(k);
        setDraft(undefined);
        if (k !== 'text') setTextAt(undefined);
      }}
    >
      {t(`agentReview.viewer.${k}`)}
    </button>
  );

  const percent = Math.round(scale * 100);
  const cursor = !image ? undefined : tool === 'pan' ? (zoom > 1 ? (drag.current?.kind === 'pan' ? 'grabbing' : 'grab') : 'default') : tool === 'text' ? 'text' : 'crosshair';

  return (
    <section
      ref={sectionRef}
      className={expanded ? 'doc-viewer expanded' : 'doc-viewer'}
      data-testid="doc-viewer"
      data-sha256={sha256}
      data-zoom={zoom.toFixed(2)}
      data-rotation={rot}
      aria-labelledby={`${ids}-title`}
    >
      <div className="viewer-head">
        <h3 id={`${ids}-title`} className="viewer-title">
          {t('agentReview.viewer.title')} · {materialName}
        </h3>
        <button type="button" className="btn-icon" aria-label={t('agentReview.viewer.close')} title={t('agentReview.viewer.close')} data-testid="viewer-close" onClick={onClose}>
          ×
        </button>
      </div>

      <div className="viewer-toolbar" role="toolbar" aria-label={t('agentReview.viewer.tools')} aria-controls={`${ids}-viewport`}>
        <span className="tool-group">
          <button type="button" className="tool" data-testid="viewer-zoom-out" disabled={!image || zoom <= ZOOM_MIN} onClick={() => zoomTo(zoom / ZOOM_STEP)} aria-label={t('agentReview.viewer.zoomOut')} title={t('agentReview.viewer.zoomOut')}>
            −
          </button>
          <span className="zoom-level" data-testid="viewer-zoom-level" aria-live="polite">
            {image && nat ? t('agentReview.viewer.zoomLevel', { percent }) : ''}
          </span>
          <button type="button" className="tool" data-testid="viewer-zoom-in" disabled={!image || zoom >= ZOOM_MAX} onClick={() => zoomTo(zoom * ZOOM_STEP)} aria-label={t('agentReview.viewer.zoomIn')} title={t('agentReview.viewer.zoomIn')}>
            +
          </button>
          <button type="button" className="tool" data-testid="viewer-fit" disabled={!image} onClick={fitView}>
            {t('agentReview.viewer.fit')}
          </button>
          <button type="button" className="tool" data-testid="viewer-rotate" disabled={!image} onClick={rotate}>
            {t('agentReview.viewer.rotate')}
          </button>
        </span>
        <span className="tool-group" role="group" aria-label={t('agentReview.viewer.tools')}>
          {toolButton('pan', 'tool-pan')}
          {toolButton('box', 'tool-box')}
          {toolButton('arrow', 'tool-arrow')}
          {toolButton('text', 'tool-text')}
        </span>
        <span className="tool-group">
          <button
            type="button"
            className={pointerOn ? 'tool tool-on' : 'tool'}
            data-testid="tool-pointer"
            aria-pressed={pointerOn}
            disabled={!image || !live}
            title={t('agentReview.viewer.pointerHint')}
            onClick={togglePointer}
          >
            {t('agentReview.viewer.pointer')}
          </button>
          <button type="button" className="tool" data-testid="annotations-clear" disabled={!live || annotations.length === 0} onClick={() => commit([])}>
            {t('agentReview.viewer.clear')}
          </button>
          <button type="button" className="tool" data-testid="viewer-expand" aria-pressed={expanded} onClick={() => setExpanded((x) => !x)}>
            {expanded ? t('agentReview.viewer.collapse') : t('agentReview.viewer.expand')}
          </button>
        </span>
      </div>

      {textAt && (
        <form className="viewer-text-form" onSubmit={submitText} data-testid="annotation-text-form">
          <label htmlFor={`${ids}-text`} className="field-label">
            {t('agentReview.viewer.textLabel')}
          </label>
          <input
            id={`${ids}-text`}
            ref={textRef}
            className="field"
            data-testid="annotation-text-input"
            maxLength={TEXT_MAX}
            placeholder={t('agentReview.viewer.textPlaceholder')}
            value={text}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                e.preventDefault();
                e.stopPropagation();
                cancelText();
              }
            }}
          />
          <button type="submit" className="btn btn-primary btn-small" data-testid="annotation-text-submit" disabled={!text.trim()}>
            {t('agentReview.viewer.textAdd')}
          </button>
          <button type="button" className="btn btn-secondary btn-small" onClick={cancelText}>
            {t('agentReview.viewer.textCancel')}
          </button>
        </form>
      )}

      <div
        id={`${ids}-viewport`}
        ref={viewportRef}
        className="viewer-viewport"
        data-testid="viewer-viewport"
        data-tool={tool}
        tabIndex={0}
        role="group"
        aria-roledescription={t('agentReview.viewer.title')}
        aria-label={t('agentReview.viewer.image', { name: materialName })}
        aria-describedby={`${ids}-help`}
        style={{ cursor }}
        onKeyDown={onKeyDown}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerCancel}
        onPointerLeave={() => movePointer(null)}
      >
        {file.status === 'loading' && (
          <p className="viewer-status" role="status">
            {t('agentReview.viewer.loading')}
          </p>
        )}
        {file.status === 'error' && (
          <p className="viewer-status viewer-failed" role="alert">
            {t('agentReview.viewer.loadFailed')}
            {file.error ? ` · ${t(file.error)}` : ''}
          </p>
        )}
        {image && (
          <div
            className="viewer-stage"
            style={{
              width: W,
              height: H,
              left: (size.w - W) / 2,
              top: (size.h - H) / 2,
              visibility: nat ? 'visible' : 'hidden',
              transform: `translate(${shownPan.x}px, ${shownPan.y}px) rotate(${rot}deg) scale(${scale})`,
            }}
          >
            <img
              src={file.url}
              alt={t('agentReview.viewer.image', { name: materialName })}
              data-testid="viewer-image"
              draggable={false}
              onLoad={(e) => setNat({ w: e.currentTarget.naturalWidth || 1, h: e.currentTarget.naturalHeight || 1 })}
            />
            {nat && (
              <svg className="viewer-overlay" viewBox={`0 0 ${W} ${H}`} width={W} height={H} aria-hidden="true">
                {annotations.map(renderMark)}
                {renderDraft()}
              </svg>
            )}
          </div>
        )}
        {pdf && (
          <object className="viewer-pdf" data={file.url} type="application/pdf" data-testid="viewer-pdf" aria-label={t('agentReview.viewer.pdf')}>
            <a href={file.url} target="_blank" rel="noopener">
              {t('agentReview.viewer.openPdf')}
            </a>
          </object>
        )}
        {file.status === 'ready' && !image && !pdf && (
          <p className="viewer-status">
            <a href={file.url} download>
              {t('agentReview.result.download', { name: materialName })}
            </a>
          </p>
        )}
      </div>
      <p id={`${ids}-help`} className="viewer-help muted">
        {t('agentReview.viewer.keyboardHelp')}
      </p>
      {pdf && (
        <p className="viewer-help">
          <a href={file.url} target="_blank" rel="noopener" data-testid="viewer-pdf-link">
            {t('agentReview.viewer.openPdf')}
          </a>
        </p>
      )}

      {image && (
        <div className="viewer-marks">
          <div className="viewer-marks-head">
            <h4>{t('agentReview.viewer.marks', { count: annotations.length })}</h4>
            <span className={`sync sync-${sync ?? 'none'}`} role="status" data-testid="annotation-sync" data-sync={sync ?? ''}>
              {sync === 'synced' ? t('agentReview.viewer.synced') : sync === 'failed' ? t('agentReview.viewer.syncFailed') : live ? t('agentReview.viewer.live') : ''}
            </span>
          </div>
          {full && <p className="field-error">{t('agentReview.viewer.limit')}</p>}
          {annotations.length === 0 ? (
            <p className="muted">{t('agentReview.viewer.noMarks')}</p>
          ) : (
            <ol className="mark-list">
              {annotations.map((a, i) => (
                <li key={a.id} data-testid="annotation-item" data-kind={a.kind}>
                  <span className="mark-label">
                    {i + 1}. {t(`agentReview.viewer.kinds.${a.kind}`)}
                    {a.text ? `：${a.text}` : ''}
                  </span>
                  {a.kind === 'box' && live && (
                    <button
                      type="button"
                      className="btn-link"
                      data-testid="push-highlight"
                      onClick={() =>
                        void review.pushGuide(
                          { kind: 'highlight', fileSha256: sha256, x: a.x, y: a.y, w: clamp(a.w, 0, 1 - a.x), h: clamp(a.h, 0, 1 - a.y) },
                          { key: 'agentReview.guide.highlightSent' },
                        )
                      }
                    >
                      {t('agentReview.viewer.pushHighlight')}
                    </button>
                  )}
                  <button
                    type="button"
                    className="btn-link btn-link-danger"
                    data-testid="annotation-remove"
                    aria-label={t('agentReview.viewer.removeMark', { index: i + 1 })}
                    disabled={!live}
                    onClick={() => remove(a.id)}
                  >
                    {t('agentReview.viewer.remove')}
                  </button>
                </li>
              ))}
            </ol>
          )}
        </div>
      )}
    </section>
  );
}
