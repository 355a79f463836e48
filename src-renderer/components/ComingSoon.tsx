import { Result, Typography } from 'antd';
import { ToolOutlined } from '@ant-design/icons';
import { useI18n, type I18nKey } from '../i18n';

/**
 * The placeholder for an area whose domain work has not landed yet: it says what will be here,
 * so the operator never meets a blank screen.
 */
export function ComingSoon({ title, description }: { title: I18nKey; description: I18nKey }) {
  const { t } = useI18n();
  return (
    <div data-testid="coming-soon">
      <Result
        icon={<ToolOutlined />}
        title={t('soon.title', { area: t(title) })}
        subTitle={<Typography.Paragraph style={{ maxWidth: 640, margin: '0 auto' }}>{t(description)}</Typography.Paragraph>}
        extra={<Typography.Text type="secondary">{t('soon.hint')}</Typography.Text>}
      />
    </div>
  );
}

export default ComingSoon;
