import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { App as AntApp, ConfigProvider } from 'antd';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import 'dayjs/locale/en';
import { LOCALES, wordingFor, type Locale, type Wording } from './wording';
import { ANTD_LOCALES } from './antd-locales';

export type { I18nKey, Locale } from './wording';
export { LOCALES, wordingFor } from './wording';

const dayjsLocales = { 'zh-CN': 'zh-cn', 'en-US': 'en' } as const;
const STORAGE_KEY = 'depotdesk.locale';

export interface I18n extends Wording {
  locale: Locale;
  setLocale(locale: Locale): void;
}

function initialLocale(): Locale {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved && (LOCALES as readonly string[]).includes(saved)) return saved as Locale;
  } catch {
    // localStorage can be unavailable (privacy settings); the default language still works.
  }
  return 'zh-CN';
}

const I18nContext = createContext<I18n | null>(null);

const REDUCED_MOTION = '(prefers-reduced-motion: reduce)';

/** The system's "reduce motion" setting, followed live: antd's zooms and slides are switched off
 * for operators who asked for less motion (and for the e2e browser, which asks the same). */
function useReducedMotion(): boolean {
  const query = useMemo(() => (typeof window !== 'undefined' && typeof window.matchMedia === 'function' ? window.matchMedia(REDUCED_MOTION) : null), []);
  const [reduced, setReduced] = useState(() => query?.matches ?? false);
  useEffect(() => {
    if (!query) return;
    const onChange = (e: MediaQueryListEvent) => setReduced(e.matches);
    query.addEventListener('change', onChange);
    return () => query.removeEventListener('change', onChange);
  }, [query]);
  return reduced;
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(() => {
    const l = initialLocale();
    dayjs.locale(dayjsLocales[l]);
    return l;
  });

  const setLocale = useCallback((next: Locale) => {
    dayjs.locale(dayjsLocales[next]);
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Not persisted; the switch still applies to this window.
    }
    document.documentElement.lang = next;
    setLocaleState(next);
  }, []);

  const value = useMemo<I18n>(() => ({ locale, setLocale, ...wordingFor(locale) }), [locale, setLocale]);
  const reducedMotion = useReducedMotion();
  const theme = useMemo(() => ({ token: { colorPrimary: '#1668dc', borderRadius: 4, motion: !reducedMotion } }), [reducedMotion]);

  return (
    <I18nContext.Provider value={value}>
      <ConfigProvider locale={ANTD_LOCALES[locale]} theme={theme} componentSize="middle">
        <AntApp>{children}</AntApp>
      </ConfigProvider>
    </I18nContext.Provider>
  );
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error('useI18n outside I18nProvider');
  return ctx;
}
