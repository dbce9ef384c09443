import { useTranslation } from 'react-i18next';
import { LANGUAGES, resolveLanguage } from './languages';

/**
 * 中文 / English toggle for both apps: real buttons in a labelled group, the
 * current language pressed. Styling is the app's (`.lang-switch`, `.lang-btn`, `.active`).
 */
export function LanguageSwitch({ className = 'lang-switch' }: { className?: string }) {
  const { t, i18n } = useTranslation();
  const current = resolveLanguage(i18n.language);
  return (
    <div className={className} role="group" aria-label={t('common.languageLabel')}>
      {LANGUAGES.map((lng) => (
        <button
          key={lng}
          type="button"
          lang={lng}
          className={lng === current ? 'lang-btn active' : 'lang-btn'}
          aria-pressed={lng === current}
          data-testid={`lang-${lng}`}
          onClick={() => void i18n.changeLanguage(lng)}
        >
          {lng === 'en' ? t('common.langEn') : t('common.langZh')}
        </button>
      ))}
    </div>
  );
}
