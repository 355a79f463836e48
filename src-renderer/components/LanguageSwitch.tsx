import { Segmented } from 'antd';
import { LOCALES, useI18n, type Locale } from '../i18n';

/** Switches the whole UI (texts, antd, dates) at once; the choice is remembered. */
export function LanguageSwitch() {
  const { locale, setLocale, t } = useI18n();
  return (
    <Segmented<Locale>
      size="small"
      aria-label={t('header.language')}
      data-testid="language-switch"
      value={locale}
      onChange={setLocale}
      options={LOCALES.map((l) => ({ value: l, label: t(`lang.${l}`) }))}
    />
  );
}
