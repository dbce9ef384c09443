/**
 * Texts of the booth and the agent console in Chinese (default) and English,
 * one text per ErrorCode, and the i18next + react-i18next setup both apps use.
 */
import i18next, { type i18n } from 'i18next';
import { initReactI18next } from 'react-i18next';
import { ErrorCode } from '../errors';
import { zhCN, type Messages, type EndReason } from './zh-CN';
import { en } from './en';
import { DEFAULT_LANGUAGE, LANGUAGES, resolveLanguage, type Language } from './languages';

export type { Messages, EndReason };
export { DEFAULT_LANGUAGE, LANGUAGES, resolveLanguage, type Language };
export { LanguageSwitch } from './LanguageSwitch';

/** i18next resources: one `translation` namespace per language. */
export const resources = {
  'zh-CN': { translation: zhCN },
  en: { translation: en },
} satisfies Record<Language, { translation: Messages }>;

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: Messages };
  }
}

/** Every dotted key of the texts, e.g. `'booth.call'` or `'errors.TIMEOUT'`. */
type Paths<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${P}${K}` : Paths<T[K], `${P}${K}.`>;
}[keyof T & string];
export type MessageKey = Paths<Messages>;

/** The `?lang=` query parameter of the current page, if any. */
export function languageFromUrl(): string | undefined {
  if (typeof location === 'undefined') return undefined;
  return new URLSearchParams(location.search).get('lang') ?? undefined;
}

function setDocumentLanguage(lng: string): void {
  if (typeof document !== 'undefined') document.documentElement.lang = resolveLanguage(lng);
}

/**
 * Initialises i18next with react-i18next (once; later calls only switch the
 * language) and returns the instance. The language is `lang` if given, else
 * the page's `?lang=` parameter, else Chinese.
 */
export function initI18n(lang?: string): i18n {
  const lng = resolveLanguage(lang ?? languageFromUrl());
  if (!i18next.isInitialized) {
    void i18next.use(initReactI18next).init({
      resources,
      lng,
      fallbackLng: DEFAULT_LANGUAGE,
      supportedLngs: LANGUAGES,
      load: 'currentOnly',
      defaultNS: 'translation',
      interpolation: { escapeValue: false }, // React escapes already
      initAsync: false, // resources are bundled: ready synchronously
    });
    i18next.on('languageChanged', setDocumentLanguage);
  } else if (i18next.language !== lng) {
    void i18next.changeLanguage(lng);
  }
  setDocumentLanguage(lng);
  return i18next;
}

/** The friendly text for an error code, without i18next (e.g. for logs or server pages). */
export function errorText(code: ErrorCode, lang?: string): string {
  return resources[resolveLanguage(lang)].translation.errors[code];
}

const errorCodes = new Set<string>(Object.values(ErrorCode));

function isErrorCode(v: unknown): v is ErrorCode {
  return typeof v === 'string' && errorCodes.has(v);
}

/**
 * The text key for anything thrown: an AppError (its code), a socket.io
 * connect error carrying `data.code`, a camera / microphone failure from
 * getUserMedia, or `fallback` for anything else. Never shows raw messages.
 */
export function errorKey(err: unknown, fallback: MessageKey = 'errors.INTERNAL'): MessageKey {
  if (typeof err !== 'object' || err === null) return fallback;
  const e = err as { code?: unknown; name?: unknown; data?: { code?: unknown } };
  if (isErrorCode(e.code)) return `errors.${e.code}`;
  if (isErrorCode(e.data?.code)) return `errors.${e.data.code}`;
  switch (e.name) {
    case 'NotAllowedError':
    case 'SecurityError':
    case 'PermissionDeniedError':
      return 'deviceErrors.permissionDenied';
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return 'deviceErrors.notFound';
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return 'deviceErrors.inUse';
    case 'UnsupportedError': // mediasoup-client: no WebRTC handler for this browser
      return 'deviceErrors.unsupported';
    default:
      return fallback;
  }
}

/** `mm:ss` (or `h:mm:ss` from one hour on) for elapsed times; negative values count as 0. */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}
