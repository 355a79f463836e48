import { lazy, type ComponentType, type LazyExoticComponent, type ReactNode } from 'react';
import {
  AlertOutlined,
  DashboardOutlined,
  FileExcelOutlined,
  GiftOutlined,
  InteractionOutlined,
  ApiOutlined,
  ScheduleOutlined,
  SettingOutlined,
  ThunderboltOutlined,
  WalletOutlined,
} from '@ant-design/icons';
import type { I18nKey } from '../i18n';
import type { Role } from '../session';

/**
 * The side navigation, one entry per area, in menu order. Each page loads lazily so an area's
 * code (and its failures) stay out of the others. An area is one line here:
 * `page: lazy(() => import('./ledger'))`.
 */
export type NavKey = 'dashboard' | 'sessions' | 'chargers' | 'ledger' | 'compensation' | 'reconciliation' | 'risk' | 'jobs' | 'reports' | 'settings';

export interface PageEntry {
  key: NavKey;
  label: I18nKey;
  icon: ReactNode;
  page: LazyExoticComponent<ComponentType>;
  /** Roles that see this area; absent means everyone signed in. */
  roles?: readonly Role[];
}

export const pages: readonly PageEntry[] = [
  { key: 'dashboard', label: 'nav.dashboard', icon: <DashboardOutlined />, page: lazy(() => import('./dashboard')) },
  { key: 'sessions', label: 'nav.sessions', icon: <ThunderboltOutlined />, page: lazy(() => import('./sessions')) },
  { key: 'chargers', label: 'nav.chargers', icon: <ApiOutlined />, page: lazy(() => import('./chargers')) },
  // The Ledger page hosts the payments screens (counter, orders, 长款) as its Payment orders tab.
  { key: 'ledger', label: 'nav.ledger', icon: <WalletOutlined />, page: lazy(() => import('./ledger')) },
  { key: 'compensation', label: 'nav.compensation', icon: <GiftOutlined />, page: lazy(() => import('./compensation')) },
  { key: 'reconciliation', label: 'nav.reconciliation', icon: <InteractionOutlined />, page: lazy(() => import('./reconciliation')) },
  { key: 'risk', label: 'nav.risk', icon: <AlertOutlined />, page: lazy(() => import('./risk')) },
  { key: 'jobs', label: 'nav.jobs', icon: <ScheduleOutlined />, page: lazy(() => import('./jobs')) },
  { key: 'reports', label: 'nav.reports', icon: <FileExcelOutlined />, page: lazy(() => import('./reports')) },
  { key: 'settings', label: 'nav.settings', icon: <SettingOutlined />, page: lazy(() => import('./settings')) },
];

export const DEFAULT_PAGE: NavKey = 'dashboard';

export function findPage(key: string): PageEntry | undefined {
  return pages.find((p) => p.key === key);
}
