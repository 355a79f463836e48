import { useState } from 'react';
import { Badge, Button, Flex, Form, Segmented, Space } from 'antd';
import { api, useDepotEvents } from '../../api';
import { useI18n } from '../../i18n';
import { useHashParam } from '../../lib/route';
import { useQuery } from '../../lib/useQuery';
import { SUPERVISORS, useSession } from '../../session';
import ApprovalsInbox from './ApprovalsInbox';
import CampaignDetail from './CampaignDetail';
import CampaignWizard from './CampaignWizard';
import { CampaignTable } from './CampaignTable';
import { STATES, stateLabel, type Campaign, type CampaignState } from './campaignModel';
import { useList } from '../../components/DataTable';

/**
 * Batch compensation campaigns (批量补偿): the list, the approvals inbox, the wizard and one
 * campaign's detail. Which of them shows lives in the hash (`campaign=<id>` or `campaign=new`,
 * `list=inbox`), so a reload or a link from the dashboard lands on the same screen.
 */
export default function CampaignsTab() {
  const [open, setOpen] = useHashParam('campaign', '');
  const [list, setList] = useHashParam('list', 'all');
  const { t } = useI18n();
  const session = useSession();
  const [version, setVersion] = useState(0);
  useDepotEvents(['compensation.changed'], () => setVersion((v) => v + 1));
  const drafts = useQuery(() => api.compensation.list({ state: 'draft', limit: 500 }), [version]);
  const awaiting = (drafts.data?.campaigns ?? []).filter((c) => c.dryRun !== null);
  const mine = awaiting.filter((c) => c.createdBy.id !== session.operator.id);
  const supervisor = session.can(SUPERVISORS);

  if (open === 'new') return <CampaignWizard onCancel={() => setOpen('')} onCreated={(id) => setOpen(id)} />;
  if (open) return <CampaignDetail key={open} campaignId={open} onBack={() => setOpen('')} onOpen={setOpen} />;

  return (
    <Flex vertical gap="middle" data-testid="comp-campaigns-tab">
      <Flex justify="space-between" align="center" wrap gap="small">
        <Segmented
          value={list}
          onChange={(v) => setList(String(v))}
          data-testid="comp-list-switch"
          options={[
            { value: 'all', label: t('comp.list.all') },
            {
              value: 'inbox',
              label: (
                <Space size={6}>
                  {t('comp.inbox.title')}
                  {supervisor && mine.length > 0 && <Badge count={mine.length} size="small" data-testid="comp-inbox-count" />}
                </Space>
              ),
            },
          ]}
        />
        <Button type="primary" onClick={() => setOpen('new')} data-testid="comp-new">
          {t('comp.list.new')}
        </Button>
      </Flex>
      {list === 'inbox' ? (
        <ApprovalsInbox drafts={drafts.data?.campaigns} onOpen={setOpen} />
      ) : (
        <CampaignList version={version} draftCount={awaiting.length} onOpen={setOpen} />
      )}
    </Flex>
  );
}

type Filters = { state: CampaignState | 'all' };

function CampaignList({ version, draftCount, onOpen }: { version: number; draftCount: number; onOpen: (id: string) => void }) {
  const { t } = useI18n();
  const list = useList<Filters, Campaign>(
    {
      id: 'compensation.campaigns',
      defaults: { state: 'all' },
      load: ({ filters, limit, offset }) =>
        api.compensation.list({ state: filters.state === 'all' ? undefined : filters.state, limit, offset }).then((r) => ({ rows: r.campaigns, total: r.total })),
    },
    [version],
  );
  return (
    <CampaignTable<Filters>
      list={list}
      onOpen={onOpen}
      testId="comp-list"
      empty={{ none: t('list.empty.campaigns'), filtered: t('list.empty.campaigns.filtered') }}
      filters={
        <Form.Item name="state">
          <Segmented<CampaignState | 'all'>
            data-testid="comp-state-filter"
            options={[
              { value: 'all', label: t('comp.list.allStates') },
              ...STATES.map((s) => ({
                value: s,
                label:
                  s === 'draft' ? (
                    <Space size={6}>
                      {t(stateLabel(s))}
                      {draftCount > 0 && <Badge count={draftCount} size="small" data-testid="comp-draft-count" />}
                    </Space>
                  ) : (
                    t(stateLabel(s))
                  ),
              })),
            ]}
          />
        </Form.Item>
      }
    />
  );
}
