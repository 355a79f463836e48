import { useCallback, useEffect, useState } from 'react';
import { Space, Tag, Tooltip } from 'antd';
import { DisconnectOutlined } from '@ant-design/icons';
import { api, useDepotEvents } from '../api';
import { useI18n } from '../i18n';
import { offlineChannels, type ChannelView } from '../pages/settings/paymentChannels';

/**
 * The operator's offline tag in the header: a red "微信支付离线" while a real payment channel's
 * gateway did not answer its last call (payments.channels; refreshed on 'payments.channel').
 * Orders still wait safely (the core queries again when the gateway is back); the tag only says
 * why a QR code may be slow to come or a payment slow to show. A failed load shows nothing: the
 * header is no place for an error of its own.
 */
export function ChannelOfflineTag() {
  const { t } = useI18n();
  const [list, setList] = useState<ChannelView[]>([]);
  const load = useCallback(() => {
    api.payments.channels({}).then(setList, () => undefined);
  }, []);
  useEffect(load, [load]);
  useDepotEvents(['payments.channel'], load);
  const offline = offlineChannels(list);
  if (offline.length === 0) return null;
  return (
    <Space size={4}>
      {offline.map((c) => {
        const h = list.find((v) => v.channel === c)?.health;
        return (
          <Tooltip key={c} title={h?.lastError ?? undefined}>
            <Tag color="red" icon={<DisconnectOutlined />} data-testid="channel-offline-tag" data-channel={c} style={{ marginInlineEnd: 0 }}>
              {t('payments.channels.offlineTag', { channel: t(`payments.channel.${c}`) })}
            </Tag>
          </Tooltip>
        );
      })}
    </Space>
  );
}
