import { Alert, Flex } from 'antd';
import { useI18n } from '../../i18n';
import { SUPERVISORS, useSession } from '../../session';
import { useList } from '../../components/DataTable';
import { pageOf, type PageQuery } from '../../components/listController';
import { CampaignTable } from './CampaignTable';
import type { Campaign } from './campaignModel';

/**
 * A supervisor's approvals inbox: drafts with a dry run that someone else created, i.e. the ones
 * this supervisor may approve. Their own drafts are listed apart, waiting for a colleague.
 */
export default function ApprovalsInbox({ drafts, onOpen }: { drafts: Campaign[] | undefined; onOpen: (id: string) => void }) {
  const { t } = useI18n();
  const session = useSession();
  const ready = (drafts ?? []).filter((c) => c.dryRun !== null);
  const mine = ready.filter((c) => c.createdBy.id !== session.operator.id);
  const own = ready.filter((c) => c.createdBy.id === session.operator.id);
  // The drafts come from the tab (its badge counts them too): these lists page what is there,
  // again whenever the tab's query brings a new answer (undefined until the first one).
  // Until then the load stays pending (the list shows its spinner, not "nothing to approve"); the
  // controller drops it when the answer's reload supersedes it.
  const pageOfDrafts = (rows: Campaign[]) => (q: PageQuery<object>) => (drafts ? Promise.resolve(pageOf(rows, q)) : new Promise<never>(() => undefined));
  const mineList = useList<object, Campaign>({ id: 'compensation.inbox', defaults: {}, load: pageOfDrafts(mine) }, [drafts]);
  const ownList = useList<object, Campaign>({ id: 'compensation.inboxOwn', defaults: {}, load: pageOfDrafts(own) }, [drafts]);
  if (!session.can(SUPERVISORS)) return <Alert type="info" showIcon message={t('comp.inbox.supervisorsOnly')} />;
  const empty = { none: t('list.empty.inbox'), filtered: t('list.empty.inbox') };
  return (
    <Flex vertical gap="middle" data-testid="comp-inbox">
      <Alert type="info" showIcon message={t('comp.inbox.hint')} />
      <CampaignTable list={mineList} onOpen={onOpen} testId="comp-inbox-table" empty={empty} />
      {own.length > 0 && (
        <>
          <Alert type="warning" message={t('comp.inbox.own', { n: own.length })} />
          <CampaignTable list={ownList} onOpen={onOpen} testId="comp-inbox-own" empty={empty} />
        </>
      )}
    </Flex>
  );
}
