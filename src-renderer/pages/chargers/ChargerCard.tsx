import { Badge, Button, Card, Descriptions, Flex, Popconfirm, Switch, Tag, Tooltip, Typography } from 'antd';
import { FileTextOutlined, PlayCircleOutlined, StopOutlined } from '@ant-design/icons';
import { useI18n } from '../../i18n';
import { errorName } from '../../lib/ocppWords';
import { RelativeTime } from './RelativeTime';
import { CONDITION_COLOR, chargerCondition, connectorBusy, connectorColor, connectorStartable, realError, type Charger, type Connector } from './model';

/** Put in maintenance by a risk rule (the reason the core writes then starts so), not by a person. */
const autoMaintenance = (reason: string) => reason.startsWith('自动维护 auto:');

export interface CardActions {
  /** Present for supervisors: switches maintenance on or off. */
  onMaintenance?(charger: Charger, on: boolean): void;
  onMessages(charger: Charger): void;
  /** Present when the session methods exist: a walk-in start on this connector. */
  onStart?(charger: Charger, connector: Connector): void;
  onStop?(charger: Charger, connector: Connector): void;
  busy: boolean;
}

/** One charger: its condition, each connector's OCPP status, what it is, when it was last heard. */
export function ChargerCard({ charger, actions }: { charger: Charger; actions: CardActions }) {
  const { t, maybe } = useI18n();
  const condition = chargerCondition(charger);
  const fault = realError(charger.errorCode);
  const connectorFaults = charger.connectors.filter((k) => k.faulted || realError(k.errorCode));
  return (
    <Card
      size="small"
      data-testid={`charger-card-${charger.id}`}
      data-condition={condition}
      style={{ borderTop: `3px solid ${CONDITION_COLOR[condition]}`, height: '100%' }}
      title={
        <Flex align="center" gap={8}>
          <Typography.Text strong style={{ fontFamily: 'monospace' }}>
            {charger.id}
          </Typography.Text>
          <Badge color={CONDITION_COLOR[condition]} text={t(`chargers.condition.${condition}`)} data-testid="charger-condition" />
          {!charger.registered && <Tag color="warning">{t('chargers.unconfirmed')}</Tag>}
        </Flex>
      }
      extra={
        <Tooltip title={t('chargers.messages')}>
          <Button
            size="small"
            type="text"
            icon={<FileTextOutlined />}
            aria-label={t('chargers.messages')}
            data-testid="charger-messages"
            onClick={() => actions.onMessages(charger)}
          />
        </Tooltip>
      }
    >
      <Flex vertical gap={8}>
        <Flex vertical gap={4} data-testid="charger-connectors">
          {charger.connectors.length === 0 && <Typography.Text type="secondary">{t('chargers.noConnectorStatus')}</Typography.Text>}
          {charger.connectors.map((k) => (
            <ConnectorRow key={k.connectorId} charger={charger} connector={k} actions={actions} />
          ))}
        </Flex>
        <Descriptions size="small" column={1} colon={false} styles={{ label: { width: 72, color: '#8c8c8c' } }}>
          <Descriptions.Item label={t('chargers.model')}>
            {[charger.vendor, charger.model].filter(Boolean).join(' ') || <Typography.Text type="secondary">{t('chargers.notBooted')}</Typography.Text>}
          </Descriptions.Item>
          <Descriptions.Item label={t('chargers.firmware')}>{charger.firmwareVersion ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('chargers.lastSeen')}>
            <RelativeTime at={charger.lastSeenAt} testId="charger-last-seen" />
          </Descriptions.Item>
        </Descriptions>
        {(fault || connectorFaults.length > 0) && (
          <Typography.Text type="danger" data-testid="charger-faults" style={{ fontSize: 12 }}>
            {t('chargers.faults')}:{' '}
            {[
              fault && errorName(maybe, fault),
              ...connectorFaults.map((k) => `#${k.connectorId} ${realError(k.errorCode) ? errorName(maybe, k.errorCode!) : (k.status ?? '')}`),
            ]
              .filter(Boolean)
              .join('; ')}
          </Typography.Text>
        )}
        {charger.maintenance && charger.maintenanceReason && <MaintenanceReason reason={charger.maintenanceReason} />}
        <Flex align="center" gap={8}>
          <Switch
            size="small"
            checked={charger.maintenance}
            disabled={!actions.onMaintenance || actions.busy}
            onChange={(on) => actions.onMaintenance?.(charger, on)}
            data-testid="charger-maintenance"
          />
          <Typography.Text type="secondary">{t('chargers.maintenance')}</Typography.Text>
        </Flex>
      </Flex>
    </Card>
  );
}

/** A connector's OCPP status and error, with a walk-in start when it is free or a remote stop when it is in use. */
function ConnectorRow({ charger, connector: k, actions }: { charger: Charger; connector: Connector; actions: CardActions }) {
  const { t, maybe } = useI18n();
  return (
    <Flex align="center" gap={6} data-testid={`connector-${k.connectorId}`}>
      <Typography.Text type="secondary" style={{ width: 56, flex: 'none' }}>
        {t('chargers.connectorN', { n: k.connectorId })}
      </Typography.Text>
      <Tag color={connectorColor(k.status)} style={{ marginInlineEnd: 0 }} data-testid="connector-status">
        {k.status ? (maybe(`connector.${k.status}`) ?? k.status) : t('chargers.statusUnknown')}
      </Tag>
      {realError(k.errorCode) && (
        <Tooltip title={[k.info, k.vendorErrorCode].filter(Boolean).join(' · ') || undefined}>
          <Typography.Text type="danger" style={{ fontSize: 12 }}>
            {k.errorCode}
          </Typography.Text>
        </Tooltip>
      )}
      <span style={{ flex: 1 }} />
      {actions.onStart && connectorStartable(charger, k) && (
        <Button size="small" icon={<PlayCircleOutlined />} data-testid="connector-start" onClick={() => actions.onStart?.(charger, k)}>
          {t('chargers.remoteStart')}
        </Button>
      )}
      {actions.onStop && connectorBusy(k) && (
        <Popconfirm title={t('chargers.remoteStopConfirm', { charger: charger.id, n: k.connectorId })} onConfirm={() => actions.onStop?.(charger, k)}>
          <Button size="small" danger icon={<StopOutlined />} data-testid="connector-stop" disabled={actions.busy}>
            {t('chargers.remoteStop')}
          </Button>
        </Popconfirm>
      )}
    </Flex>
  );
}

/**
 * Why a charger is in maintenance. A reason the risk rules wrote (risk/chargers.ts evaluateChargers:
 * "自动维护 auto: …") is the core's record, in both languages at once: worded here, kept as the
 * tooltip. One typed by a supervisor is shown as typed.
 */
function MaintenanceReason({ reason }: { reason: string }) {
  const { t } = useI18n();
  const auto = autoMaintenance(reason);
  return (
    <Tooltip title={auto ? reason : undefined}>
      <Typography.Text type="warning" style={{ fontSize: 12 }} data-testid="charger-maintenance-reason">
        {auto ? t('chargers.autoMaintenance') : reason}
      </Typography.Text>
    </Tooltip>
  );
}
