import { lazy, Suspense, useRef, useState } from 'react';
import { Spin, Tabs } from 'antd';
import { useDepotEvents } from '../../api';
import { useI18n } from '../../i18n';
import { useHashParam } from '../../lib/route';
import { DebtsTable, HoldsTable } from './DebtsHolds';
import { DriverDetail } from './DriverDetail';
import { DriversTable } from './DriversTable';
import { useCrumb } from '../../components/Breadcrumbs';

// Payment orders (the QR counter, orders, 长款) are the payments domain's screen, hosted here.
const PaymentsPage = lazy(() => import('../payments'));

// A settlement run can change many wallets in a burst; one reload per burst is plenty.
const EVENT_DEBOUNCE_MS = 300;

/**
 * The Ledger page (钱包与账本): drivers with their balances, a driver's wallet and statement with
 * the counter top-up, open debts, open holds, and the payments domain's order screens. Everything goes through the contract; the
 * page reloads when the core announces `ledger.changed`.
 */
export default function LedgerPage() {
  const { t, maybe } = useI18n();
  // `view`, not `tab`: the hosted payments screen keeps its own `tab` parameter. The area opens
  // on the payments counter, the front desk's most frequent job.
  const [tab, setTab] = useHashParam('view', 'payments');
  useCrumb(maybe(`ledger.tab.${tab}`) ?? null);
  const [driverId, setDriverId] = useHashParam('driver', '');
  const [version, setVersion] = useState(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const bump = () => setVersion((v) => v + 1);
  useDepotEvents(['ledger.changed'], () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(bump, EVENT_DEBOUNCE_MS);
  });

  if (driverId) return <DriverDetail driverId={driverId} version={version} onBack={() => setDriverId('')} onChanged={bump} />;
  return (
    <div data-testid="ledger-page">
      <Tabs
        activeKey={tab}
        onChange={setTab}
        items={[
          {
            key: 'payments',
            label: t('ledger.tab.payments'),
            children: (
              <Suspense fallback={<Spin />}>
                <PaymentsPage />
              </Suspense>
            ),
          },
          { key: 'drivers', label: t('ledger.tab.drivers'), children: <DriversTable version={version} onOpen={setDriverId} onChanged={bump} /> },
          { key: 'debts', label: t('ledger.tab.debts'), children: <DebtsTable version={version} onOpen={setDriverId} /> },
          { key: 'holds', label: t('ledger.tab.holds'), children: <HoldsTable version={version} onOpen={setDriverId} onChanged={bump} /> },
        ]}
      />
    </div>
  );
}
