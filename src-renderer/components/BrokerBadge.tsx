import { Badge } from 'antd';
import { useI18n } from '../i18n';

const STATUS: Record<string, 'success' | 'processing' | 'error' | 'default'> = {
  connected: 'success',
  connecting: 'processing',
  offline: 'error',
  not_started: 'default',
};

/** The MQTT broker state as a coloured dot; an unknown state shows as reported. */
export function BrokerBadge({ state }: { state: string }) {
  const { maybe } = useI18n();
  return <Badge data-testid="broker-state" status={STATUS[state] ?? 'warning'} text={maybe(`broker.${state}`) ?? state} />;
}
