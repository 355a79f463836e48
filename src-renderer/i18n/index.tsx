import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { App as AntApp, ConfigProvider } from 'antd';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import 'dayjs/locale/en';
import { zhCN, type Dictionary, type I18nKey } from './zh-CN';
import { enUS } from './en-US';
import { ANTD_LOCALES } from './antd-locales';

export type { I18nKey } from './zh-CN';
export type Locale = 'zh-CN' | 'en-US';
export const LOCALES: readonly Locale[] = ['zh-CN', 'en-US'];

const dictionaries: Record<Locale, Dictionary> = { 'zh-CN': zhCN, 'en-US': enUS };
const dayjsLocales = { 'zh-CN': 'zh-cn', 'en-US': 'en' } as const;
const STORAGE_KEY = 'depotdesk.locale';

type Params = Record<string, string | number>;

export interface I18n {
  locale: Locale;
  setLocale(locale: Locale): void;
  t(key: I18nKey, params?: Params): string;
  /** For keys built at run time (figure labels, error codes): the text, or undefined if absent. */
  maybe(key: string, params?: Params): string | undefined;
}

function interpolate(text: string, params?: Params): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** The dictionary lookups of one language, outside React (tests, and the provider below). */
export function wordingFor(locale: Locale): Pick<I18n, 't' | 'maybe'> {
  const dict = dictionaries[locale];
  return {
    t: (key, params) => interpolate(dict[key], params),
    maybe: (key, params) => (Object.hasOwn(dict, key) ? interpolate(dict[key as I18nKey], params) : undefined),
  };
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
