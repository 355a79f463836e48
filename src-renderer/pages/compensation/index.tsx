import { Tabs } from 'antd';
import { useI18n } from '../../i18n';
import { useHashParam } from '../../lib/route';
import AdjustmentsTab from './AdjustmentsTab';
import CampaignsTab from './CampaignsTab';
import RefundTasksTab from './RefundTasksTab';
import { useCrumb } from '../../components/Breadcrumbs';

/**
 * The Compensation page (补偿): batch campaigns (wizard, approvals inbox, execution, results),
 * manual adjustments awaiting approval, and refund tasks going back through the payment channels.
 */
export default function CompensationPage() {
  const { t } = useI18n();
  const [tab, setTab] = useHashParam('view', 'campaigns');
  useCrumb(t(tab === 'adjustments' ? 'comp.tab.adjustments' : tab === 'refunds' ? 'comp.tab.refundTasks' : 'comp.tab.campaigns'));
  return (
    <div data-testid="compensation-page">
      <Tabs
        activeKey={tab}
        onChange={setTab}
        items={[
          { key: 'campaigns', label: t('comp.tab.campaigns'), children: <CampaignsTab /> },
          { key: 'adjustments', label: t('comp.tab.adjustments'), children: <AdjustmentsTab /> },
          { key: 'refunds', label: t('comp.tab.refundTasks'), children: <RefundTasksTab /> },
        ]}
      />
    </div>
  );
}
