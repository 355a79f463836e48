import { Button, Flex, Result, Typography } from 'antd';
import { KeyOutlined } from '@ant-design/icons';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { useI18n } from '../i18n';

/**
 * Browser mode without the instance-token cookie: nothing can work until the operator opens the
 * URL that `depotdesk serve` printed, so say exactly that instead of failing call by call.
 */
export function TokenMissingScreen({ onRetry }: { onRetry(): void }) {
  const { t } = useI18n();
  return (
    <Flex vertical align="center" justify="center" style={{ minHeight: '100vh', padding: 24 }} data-testid="token-missing">
      <Result
        icon={<KeyOutlined />}
        title={t('token.title')}
        subTitle={
          <Typography.Paragraph style={{ maxWidth: 560, margin: '0 auto' }}>
            {t('token.body')}
            <br />
            <Typography.Text type="secondary">{t('token.hint')}</Typography.Text>
          </Typography.Paragraph>
        }
        extra={
          <Flex vertical align="center" gap="middle">
            <Typography.Text code>depotdesk serve</Typography.Text>
            <Button type="primary" onClick={onRetry}>
              {t('token.retry')}
            </Button>
            <LanguageSwitch />
          </Flex>
        }
      />
    </Flex>
  );
}
