import { useEffect, useSyncExternalStore } from 'react';
import { Breadcrumb } from 'antd';
import { useI18n, type I18nKey } from '../i18n';
import { navigate } from '../lib/route';
import { DEFAULT_PAGE } from '../pages/registry';

/**
 * 首页 / page / tab above each page. The page is the shell's; the tab is whatever the page says
 * it shows (useCrumb), so a page with tabs names the one open and a page without names none.
 */

let crumb: string | null = null;
const listeners = new Set<() => void>();
const subscribe = (l: () => void) => (listeners.add(l), () => void listeners.delete(l));
const current = () => crumb;

function setCrumb(next: string | null): void {
  if (next === crumb) return;
  crumb = next;
  for (const l of listeners) l();
}

/** The open tab's name, shown as the last crumb while the calling component is mounted. */
export function useCrumb(label: string | null): void {
  useEffect(() => {
    setCrumb(label);
    return () => setCrumb(null);
  }, [label]);
}

export function PageBreadcrumb({ page, label }: { page: string; label: I18nKey }) {
  const { t } = useI18n();
  const tab = useSyncExternalStore(subscribe, current, current);
  const home = { title: <a onClick={() => navigate(DEFAULT_PAGE)}>{t('crumb.home')}</a> };
  const items = [home, { title: tab ? <a onClick={() => navigate(page)}>{t(label)}</a> : t(label) }];
  if (tab) items.push({ title: tab });
  return <Breadcrumb items={items} data-testid="breadcrumb" style={{ marginBottom: 12 }} />;
}
