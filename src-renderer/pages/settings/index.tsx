import { Suspense } from 'react';
import { Spin, Tabs } from 'antd';
import { useI18n } from '../../i18n';
import { useSession } from '../../session';
import { useHashParam } from '../../lib/route';
import { settingsTabs } from './tabs';
import { useCrumb } from '../../components/Breadcrumbs';

/** Settings: one tab per entry of the tab registry the operator's role may see. */
export default function SettingsPage() {
  const { t } = useI18n();
  const { can } = useSession();
  const visible = settingsTabs.filter((tab) => can(tab.roles));
  const [active, setActive] = useHashParam('tab', visible[0]?.key ?? 'general');
  const current = visible.some((tab) => tab.key === active) ? active : visible[0]?.key;
  const currentTab = visible.find((tab) => tab.key === current);
  useCrumb(currentTab ? t(currentTab.label) : null);
  return (
    <Tabs
      data-testid="settings-tabs"
      activeKey={current}
      onChange={setActive}
      destroyOnHidden
      items={visible.map((tab) => ({
        key: tab.key,
        label: t(tab.label),
        children: (
          <Suspense fallback={<Spin />}>
            <tab.page />
          </Suspense>
        ),
      }))}
    />
  );
}
