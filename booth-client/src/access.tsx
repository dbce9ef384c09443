/**
 * Accessibility pieces of the booth (issue 5): the display-mode toolbar in the
 * top bar (大字 / 高对比 / 长者模式, on every screen), paging of long lists in
 * elderly mode (「下一页」), the choice of sign language (手语种类) before and
 * during the call, and the visual notice that a call was answered (nothing is
 * said by sound alone at the booth).
 */
import { createContext, useContext, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { DEFAULT_SIGN_VARIANT, SIGN_VARIANTS, type SignVariant } from '@xiaowu/shared';
import { DISPLAY_MODES, MODES_OFF, type DisplayMode, type DisplayModes, type DisplayModesState } from './display-modes';

// ── display modes ────────────────────────────────────────────────────────────

/** The resident's display modes, for screens that change more than their look (paging in elderly mode). */
export const DisplayModesContext = createContext<DisplayModesState>(MODES_OFF);

export function useDisplayModes(): DisplayModesState {
  return useContext(DisplayModesContext);
}

const MODE_TESTIDS: Record<DisplayMode, string> = { largeText: 'large-text', highContrast: 'high-contrast', elderly: 'elderly-mode' };

/** A box that is empty when off and ticked when on: the state is never shown by colour alone. */
function ModeMark({ on }: { on: boolean }) {
  return (
    <svg className="mode-mark" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <rect x="2.5" y="2.5" width="19" height="19" rx="4" fill={on ? 'currentColor' : 'none'} stroke="currentColor" strokeWidth="2.6" />
      {on && <path d="M7 12.5l3.3 3.3L17.5 8.5" fill="none" stroke="var(--mode-mark-tick, #0b3d91)" strokeWidth="3" strokeLinecap="round" strokeLinejoin="round" />}
    </svg>
  );
}

/** 大字 / 高对比 / 长者模式: toggle buttons in the top bar, the same on every screen. */
export function ModeToolbar({ modes, state }: { modes: DisplayModes; state: DisplayModesState }) {
  const { t } = useTranslation();
  return (
    <div className="mode-toolbar" role="group" aria-label={t('access.modes.toolbar')} data-testid="display-modes">
      {DISPLAY_MODES.map((m) => (
        <button
          key={m}
          type="button"
          className={state[m] ? 'mode-btn on' : 'mode-btn'}
          aria-pressed={state[m]}
          data-testid={MODE_TESTIDS[m]}
          onClick={() => modes.toggle(m)}
        >
          <ModeMark on={state[m]} />
          {t(`access.modes.${m}`)}
        </button>
      ))}
    </div>
  );
}

// ── paging (长者模式: fewer items per screen) ──────────────────────────────

/** Items per page in elderly mode; the other modes show every item (the list scrolls). */
export const ELDERLY_PAGE_SIZE = { popular: 4, departments: 6, themes: 6, results: 4, matters: 4 } as const;
export type PagedList = keyof typeof ELDERLY_PAGE_SIZE;

export interface Paged<T> {
  items: T[];
  page: number;
  pages: number;
  setPage(page: number): void;
}

/**
 * One page of `items` in elderly mode, all of them otherwise. The page goes
 * back to the first when `resetKey` changes (e.g. another search).
 */
export function usePaged<T>(items: readonly T[], list: PagedList, resetKey: unknown = undefined): Paged<T> {
  const { elderly } = useDisplayModes();
  const [at, setAt] = useState<{ key: unknown; page: number }>({ key: resetKey, page: 0 });
  if (!elderly) return { items: [...items], page: 0, pages: 1, setPage: () => undefined };
  const size = ELDERLY_PAGE_SIZE[list];
  const pages = Math.max(1, Math.ceil(items.length / size));
  const page = Math.min(at.key === resetKey ? at.page : 0, pages - 1);
  return { items: items.slice(page * size, (page + 1) * size), page, pages, setPage: (p) => setAt({ key: resetKey, page: p }) };
}

/** 「上一页 · 第 1 / 2 页 · 下一页」 under a paged list (nothing when it fits on one page). */
export function Pager({ paged, list }: { paged: Paged<unknown>; list: PagedList }) {
  const { t } = useTranslation();
  const { page, pages, setPage } = paged;
  if (pages <= 1) return null;
  return (
    <nav className="pager" aria-label={t('access.pager.label', { name: t(`access.pager.${list}`) })} data-testid={`${list}-pager`} data-page={page + 1} data-pages={pages}>
      <button type="button" className="btn btn-secondary pager-btn" data-testid={`${list}-prev`} disabled={page === 0} onClick={() => setPage(page - 1)}>
        <span className="pager-arrow" aria-hidden="true">
          ‹
        </span>
        {t('access.pager.prev')}
      </button>
      <span className="pager-status" aria-live="polite">
        {t('access.pager.page', { page: page + 1, pages })}
      </span>
      <button type="button" className="btn btn-primary pager-btn" data-testid={`${list}-next`} disabled={page >= pages - 1} onClick={() => setPage(page + 1)}>
        {t('access.pager.next')}
        <span className="pager-arrow" aria-hidden="true">
          ›
        </span>
      </button>
    </nav>
  );
}

// ── sign language (手语种类) ───────────────────────────────────────────────

/**
 * Before the call, under 「我需要手语服务」: which sign language, as big radio
 * buttons (国家通用手语 chosen unless the resident picks another).
 */
export function SignVariantChoice({ value, onChange }: { value: SignVariant | undefined; onChange(v: SignVariant): void }) {
  const { t } = useTranslation();
  const name = useId();
  const ref = useRef<HTMLDivElement>(null);
  const current = value ?? DEFAULT_SIGN_VARIANT;
  // It appears when 手语服务 is switched on: bring it into view (the side panel may scroll).
  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'nearest' }); // (newer browsers return a promise: not an effect's cleanup)
  }, []);
  return (
    <div className="sign-variants" role="radiogroup" aria-labelledby={`${name}-label`} data-testid="sign-variants" data-variant={current} ref={ref}>
      <span className="sign-variants-label" id={`${name}-label`}>
        {t('access.sign.choose')}
      </span>
      {SIGN_VARIANTS.map((v) => (
        <label key={v} className={v === current ? 'sign-variant checked' : 'sign-variant'}>
          <input type="radio" name={name} value={v} checked={v === current} data-testid={`sign-variant-${v}`} onChange={() => onChange(v)} />
          <span className="radio-mark" aria-hidden="true" />
          {t(`access.sign.variants.${v}`)}
        </label>
      ))}
    </div>
  );
}

/** In the call, after 「手语服务」: the sign language to ask the interpreter pool for, one big button each. */
export function SignVariantDialog({ initial, onPick, onCancel }: { initial: SignVariant | undefined; onPick(v: SignVariant): void; onCancel(): void }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const introId = useId();
  const chosen = initial ?? DEFAULT_SIGN_VARIANT;
  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (dialog && !dialog.open) dialog.showModal();
    return () => {
      dialog?.close();
      if (opener?.isConnected && !opener.hasAttribute('disabled')) opener.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      className="confirm sign-variant-dialog"
      aria-labelledby={titleId}
      aria-describedby={introId}
      data-testid="sign-variant-dialog"
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      <h2 id={titleId}>{t('access.sign.dialogTitle')}</h2>
      <p id={introId}>{t('access.sign.dialogIntro')}</p>
      <div className="sign-variant-buttons">
        {SIGN_VARIANTS.map((v) => (
          <button
            key={v}
            type="button"
            className={v === chosen ? 'btn btn-primary btn-large sign-variant-btn chosen' : 'btn btn-secondary btn-large sign-variant-btn'}
            data-testid={`sign-variant-${v}`}
            autoFocus={v === chosen}
            onClick={() => onPick(v)}
          >
            {t(`access.sign.variants.${v}`)}
            {v === chosen && <span className="sign-variant-chosen">{t('access.sign.chosen')}</span>}
          </button>
        ))}
      </div>
      <div className="confirm-actions">
        <button type="button" className="btn btn-secondary btn-large" data-testid="sign-variant-cancel" onClick={onCancel}>
          {t('access.sign.dialogCancel')}
        </button>
      </div>
    </dialog>
  );
}

// ── the call was answered ─────────────────────────────────────────────────

/** How long 「已接通」 stays on the call screen. */
export const ANSWERED_NOTICE_MS = 6_000;

/**
 * 「已接通 · X 为您服务」: large, over the call screen for a few seconds after an
 * agent answers, so a resident who cannot hear the call connect sees it.
 */
export function AnsweredBanner({ startedAt, now, name }: { startedAt: number | undefined; now: number; name: string }) {
  const { t } = useTranslation();
  if (startedAt === undefined || now - startedAt >= ANSWERED_NOTICE_MS) return null;
  return (
    <div className="answered-banner" role="status" data-testid="call-answered">
      <span className="answered-mark" aria-hidden="true">
        ✓
      </span>
      <strong>{t('access.visual.answered')}</strong>
      <span>{t('access.visual.answeredBy', { name })}</span>
    </div>
  );
}
