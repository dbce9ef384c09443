export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'zh-CN';

/** Maps any language tag to a supported one: `en`, `en-US` → `en`; anything else → `zh-CN`. */
export function resolveLanguage(tag?: string | null): Language {
  const t = (tag ?? '').trim().toLowerCase();
  if (t === 'en' || t.startsWith('en-') || t.startsWith('en_')) return 'en';
  return DEFAULT_LANGUAGE;
}
