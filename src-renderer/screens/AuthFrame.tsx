import type { ReactNode } from 'react';
import { Card, Flex, Typography } from 'antd';
import { ThunderboltFilled } from '@ant-design/icons';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { useI18n } from '../i18n';

/** The frame around the screens shown before anyone is signed in. */
export function AuthFrame({ title, subtitle, children }: { title: string; subtitle: string; children: ReactNode }) {
  const { t } = useI18n();
  return (
    <Flex vertical align="center" justify="center" style={{ minHeight: '100vh', background: '#f0f2f5', padding: 24 }}>
      <Flex justify="space-between" align="center" style={{ width: 420, maxWidth: '100%', marginBottom: 16 }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          <ThunderboltFilled style={{ color: '#1668dc' }} /> {t('app.name')}
        </Typography.Title>
        <LanguageSwitch />
      </Flex>
      <Card style={{ width: 420, maxWidth: '100%' }}>
        <Typography.Title level={4} style={{ marginTop: 0 }}>
          {title}
        </Typography.Title>
        <Typography.Paragraph type="secondary">{subtitle}</Typography.Paragraph>
        {children}
      </Card>
    </Flex>
  );
}
