import { Suspense, useEffect, useState } from 'react';
import { api } from '../api';
import { Badge, Button, Flex, Layout, Menu, Space, Spin, Tag, Typography } from 'antd';
import { LogoutOutlined, ThunderboltFilled, UserOutlined } from '@ant-design/icons';
import { AlertBanner } from '../components/AlertBanner';
import { PageBreadcrumb } from '../components/Breadcrumbs';
import { ChannelOfflineTag } from '../components/ChannelOfflineTag';
import { NotificationPrompt, useAlertDelivery, useOpenAlerts } from '../components/AlertDelivery';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { PageErrorBoundary } from '../components/PageErrorBoundary';
import { useI18n } from '../i18n';
import { navigate, useRoute } from '../lib/route';
import { DEFAULT_ZONE, setDepotZone } from '../lib/time';
import { DEFAULT_PAGE, pages, type PageEntry } from '../pages/registry';
import { useSession } from '../session';

const SIDER_WIDTH = 188;

/** The signed-in frame: side navigation, a header with who is on duty, and the current page. */
export function Shell({ onLogout }: { onLogout(): void }) {
  const { t } = useI18n();
  const { operator, can } = useSession();
  const route = useRoute();
  const [collapsed, setCollapsed] = useState(false);
  const visible = pages.filter((p) => can(p.roles));
  const openAlerts = useOpenAlerts();
  useAlertDelivery();
  const current = visible.find((p) => p.key === route.page) ?? visible.find((p) => p.key === DEFAULT_PAGE) ?? visible[0];

  // The depot's zone for every time shown; pages re-render (key) only if it is not the default.
  const [zone, setZone] = useState<string | null>(null);
  useEffect(() => {
    api.system.about({}).then(
      (about) => {
        setDepotZone(about.timeZone);
        setZone(about.timeZone);
      },
      // Not fatal: times stay in the default depot zone, and the page's own calls report errors.
      () => undefined,
    );
  }, []);

  useEffect(() => {
    document.title = `${t(current.label)} · ${t('app.name')}`;
  }, [current, t]);

  const Page = current.page;
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider width={SIDER_WIDTH} collapsible collapsed={collapsed} onCollapse={setCollapsed} theme="dark">
        <Flex align="center" gap={8} style={{ height: 56, padding: '0 20px', color: '#fff', overflow: 'hidden', whiteSpace: 'nowrap' }}>
          <ThunderboltFilled style={{ fontSize: 20, color: '#4096ff' }} />
          {!collapsed && <span style={{ fontWeight: 600, fontSize: 16 }}>{t('app.name')}</span>}
        </Flex>
        <NavMenu entries={visible} current={current.key} alertCount={openAlerts?.total ?? 0} />
      </Layout.Sider>
      <Layout>
        <Layout.Header style={{ background: '#fff', padding: '0 20px', height: 56, lineHeight: '56px', borderBottom: '1px solid #f0f0f0' }}>
          <Flex justify="space-between" align="center" style={{ height: '100%' }}>
            <Typography.Title level={4} style={{ margin: 0 }} data-testid="page-title">
              {t(current.label)}
            </Typography.Title>
            <Space size="middle">
              <Space size={6} data-testid="operator">
                <UserOutlined />
                <Typography.Text strong>{operator.displayName}</Typography.Text>
                <Tag color="blue" style={{ marginInlineEnd: 0 }}>
                  {t(`role.${operator.role}`)}
                </Tag>
              </Space>
              <ChannelOfflineTag />
              <NotificationPrompt />
              <LanguageSwitch />
              <Button icon={<LogoutOutlined />} onClick={onLogout} data-testid="logout">
                {t('header.logout')}
              </Button>
            </Space>
          </Flex>
        </Layout.Header>
        <AlertBanner open={openAlerts} />
        <Layout.Content style={{ padding: 16 }} data-testid={`page-${current.key}`}>
          <PageBreadcrumb page={current.key} label={current.label} />
          <PageErrorBoundary key={`${current.key}:${zone === null || zone === DEFAULT_ZONE ? '' : zone}`}>
            <Suspense fallback={<Spin style={{ display: 'block', marginTop: 64 }} />}>
              <Page />
            </Suspense>
          </PageErrorBoundary>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}

/** The side navigation; the 任务 entry carries the count of open alerts (they are on its 告警 tab). */
function NavMenu({ entries, current, alertCount }: { entries: readonly PageEntry[]; current: string; alertCount: number }) {
  const { t } = useI18n();
  return (
    <Menu
      theme="dark"
      mode="inline"
      data-testid="nav"
      selectedKeys={[current]}
      onClick={({ key }) => navigate(key)}
      items={entries.map((p) => ({
        key: p.key,
        icon: p.icon,
        // The open alerts are on the 任务 page's 告警 tab: its entry carries their count.
        label:
          p.key === 'jobs' && alertCount > 0 ? (
            <Badge count={alertCount} size="small" offset={[10, 0]} data-testid="nav-alerts-badge">
              <span>{t(p.label)}</span>
            </Badge>
          ) : (
            t(p.label)
          ),
        'data-testid': `nav-${p.key}`,
      }))}
    />
  );
}
