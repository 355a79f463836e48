import { Component, type ReactNode } from 'react';
import { Button, Result } from 'antd';
import { useI18n } from '../i18n';

function PageFailed({ error, onRetry }: { error: Error; onRetry(): void }) {
  const { t } = useI18n();
  return (
    <Result
      status="error"
      title={t('error.page')}
      subTitle={t('error.pageHint', { message: error.message })}
      extra={<Button onClick={onRetry}>{t('common.reload')}</Button>}
    />
  );
}

/** A page that throws while rendering shows what failed; the navigation and other pages stay usable. */
export class PageErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override render() {
    if (this.state.error) return <PageFailed error={this.state.error} onRetry={() => this.setState({ error: null })} />;
    return this.props.children;
  }
}
