import { lazy, type ComponentType, type LazyExoticComponent } from 'react';
import type { I18nKey } from '../../i18n';
import { SUPERVISORS, type Role } from '../../session';

/**
 * The Settings tabs, in order. A domain adds its tab with one line, e.g.
 * `{ key: 'tariffs', label: 'settings.tariffs', page: lazy(() => import('../tariffs')) }`.
 * `roles` hides a tab from operators whose calls it would only get refused.
 */
export interface SettingsTab {
  key: string;
  label: I18nKey;
  page: LazyExoticComponent<ComponentType>;
  roles?: readonly Role[];
}

export const settingsTabs: readonly SettingsTab[] = [
  { key: 'general', label: 'settings.general', page: lazy(() => import('./GeneralTab')) },
  { key: 'operators', label: 'settings.operators', page: lazy(() => import('./OperatorsTab')), roles: SUPERVISORS },
  { key: 'audit', label: 'settings.audit', page: lazy(() => import('./AuditTab')), roles: SUPERVISORS },
  { key: 'tariffs', label: 'settings.tariffs', page: lazy(() => import('../tariffs')) },
  { key: 'alerts', label: 'settings.alerts', page: lazy(() => import('./AlertDeliveryTab')) },
  { key: 'paymentChannels', label: 'settings.paymentChannels', page: lazy(() => import('./PaymentChannelsTab')) },
];
