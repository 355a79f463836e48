import { Suspense, useCallback, useEffect, useState, type ComponentType, type ReactNode } from 'react';
import { Button, Flex, Layout, Menu, Result, Space, Spin, Tag, Typography } from 'antd';
import { BankOutlined, DollarOutlined, KeyOutlined, ShopOutlined, UserOutlined } from '@ant-design/icons';
import { isApiError, NO_INSTANCE_TOKEN } from '../api';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { PageErrorBoundary } from '../components/PageErrorBoundary';
import { useI18n, type I18nKey } from '../i18n';
import { useReportError } from '../lib/errors';
import { navigate, useRoute } from '../lib/route';
import { hqCall } from './api';
import { DepotsPage } from './DepotsPage';
import { DriverPage } from './DriverPage';
import { ReconciliationPage } from './ReconciliationPage';
import { RevenuePage } from './RevenuePage';

/** HQ's pages: each reads HQ's PostgreSQL through its /rpc; none writes. */
const HQ_PAGES: { key: string; label: I18nKey; icon: ReactNode; page: ComponentType }[] = [
  { key: 'depots', label: 'hq.nav.depots', icon: <ShopOutlined />, page: DepotsPage },
  { key: 'revenue', label: 'hq.nav.revenue', icon: <DollarOutlined />, page: RevenuePage },
  { key: 'driver', label: 'hq.nav.driver', icon: <UserOutlined />, page: DriverPage },
  { key: 'reconciliation', label: 'hq.nav.reconciliation', icon: <BankOutlined />, page: ReconciliationPage },
];

type State = 'loading' | 'no-token' | 'ready';

/**
 * The renderer as headquarters serves it (`depotdesk hq serve`, src-main/hq/http.ts): no operator
 * sign-in — whoever opened HQ's token URL has the role `hq`, which reads and never writes — and
 * HQ's own pages instead of the depot's.
 */
export function HqApp() {
  const { t } = useI18n();
  const report = useReportError();
  const [state, setState] = useState<State>('loading');
  const route = useRoute();
  const current = HQ_PAGES.find((p) => p.key === route.page) ?? HQ_PAGES[0];

  const load = useCallback(async () => {
    setState('loading');
    try {
      await hqCall('hq.whoami', {});
      setState('ready');
    } catch (e) {
      if (isApiError(e) && e.code === NO_INSTANCE_TOKEN) setState('no-token');
      else {
        report(e);
        setState('ready');
      }
    }
  }, [report]);
  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => {
    document.title = `${t(current.label)} · ${t('hq.app.name')}`;
  }, [current, t]);

  if (state === 'loading') {
    return (
      <Flex align="center" justify="center" style={{ minHeight: '100vh' }}>
        <Spin size="large" />
      </Flex>
    );
  }
  if (state === 'no-token') return <HqTokenMissing onRetry={() => void load()} />;
  const Page = current.page;
  return (
    <Layout style={{ minHeight: '100vh' }} data-testid="hq-app">
      <Layout.Sider width={188} theme="dark">
        <Flex align="center" gap={8} style={{ height: 56, padding: '0 20px', color: '#fff', whiteSpace: 'nowrap' }}>
          <BankOutlined style={{ fontSize: 20, color: '#4096ff' }} />
          <span style={{ fontWeight: 600, fontSize: 16 }}>{t('hq.app.name')}</span>
        </Flex>
        <Menu
          theme="dark"
          mode="inline"
          selectedKeys={[current.key]}
          items={HQ_PAGES.map((p) => ({ key: p.key, icon: p.icon, label: <span data-testid={`hq-nav-${p.key}`}>{t(p.label)}</span> }))}
          onClick={(e) => navigate(e.key)}
        />
      </Layout.Sider>
      <Layout>
        <Layout.Header style={{ background: '#fff', padding: '0 20px', height: 56, lineHeight: '56px', borderBottom: '1px solid #f0f0f0' }}>
          <Flex justify="space-between" align="center" style={{ height: '100%' }}>
            <Typography.Title level={4} style={{ margin: 0 }} data-testid="page-title">
              {t(current.label)}
            </Typography.Title>
            <Space size="middle">
              <Tag color="purple" title={t('hq.readOnly')} data-testid="hq-role" style={{ marginInlineEnd: 0 }}>
                {t('hq.role')}
              </Tag>
              <LanguageSwitch />
            </Space>
          </Flex>
        </Layout.Header>
        <Layout.Content style={{ padding: 20 }}>
          <PageErrorBoundary key={current.key}>
            <Suspense fallback={<Spin />}>
              <Page />
            </Suspense>
          </PageErrorBoundary>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}

function HqTokenMissing({ onRetry }: { onRetry(): void }) {
  const { t } = useI18n();
  return (
    <Flex vertical align="center" justify="center" style={{ minHeight: '100vh', padding: 24 }} data-testid="token-missing">
      <Result
        icon={<KeyOutlined />}
        title={t('hq.token.title')}
        subTitle={
          <Typography.Paragraph style={{ maxWidth: 560, margin: '0 auto' }}>
            {t('hq.token.body')}
            <br />
            <Typography.Text type="secondary">{t('hq.token.hint')}</Typography.Text>
          </Typography.Paragraph>
        }
        extra={
          <Flex vertical align="center" gap="middle">
            <Typography.Text code>depotdesk hq serve</Typography.Text>
            <Button type="primary" onClick={onRetry}>
              {t('hq.token.retry')}
            </Button>
            <LanguageSwitch />
          </Flex>
        }
      />
    </Flex>
  );
}
