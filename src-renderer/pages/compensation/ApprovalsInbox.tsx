import { Alert, Flex } from 'antd';
import { useI18n } from '../../i18n';
import { SUPERVISORS, useSession } from '../../session';
import { CampaignTable } from './CampaignTable';
import type { Campaign } from './campaignModel';

/**
 * A supervisor's approvals inbox: drafts with a dry run that someone else created, i.e. the ones
 * this supervisor may approve. Their own drafts are listed apart, waiting for a colleague.
 */
export default function ApprovalsInbox({ drafts, loading, onOpen }: { drafts: Campaign[]; loading: boolean; onOpen: (id: string) => void }) {
  const { t } = useI18n();
  const session = useSession();
  const ready = drafts.filter((c) => c.dryRun !== null);
  const mine = ready.filter((c) => c.createdBy.id !== session.operator.id);
  const own = ready.filter((c) => c.createdBy.id === session.operator.id);
  if (!session.can(SUPERVISORS)) return <Alert type="info" showIcon message={t('comp.inbox.supervisorsOnly')} />;
  return (
    <Flex vertical gap="middle" data-testid="comp-inbox">
      <Alert type="info" showIcon message={t('comp.inbox.hint')} />
      <CampaignTable rows={mine} loading={loading} onOpen={onOpen} testId="comp-inbox-table" />
      {own.length > 0 && (
        <>
          <Alert type="warning" message={t('comp.inbox.own', { n: own.length })} />
          <CampaignTable rows={own} loading={loading} onOpen={onOpen} testId="comp-inbox-own" />
        </>
      )}
    </Flex>
  );
}
