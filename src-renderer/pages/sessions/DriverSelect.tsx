import { useEffect, useRef, useState, type CSSProperties } from 'react';
import { Select, Spin, Typography } from 'antd';
import { api } from '../../api';
import type { MethodOutput } from '../../../src-main/contract/types';
import { useI18n } from '../../i18n';
import { maskPhone } from '../../lib/phone';
import { useReportError } from '../../lib/errors';

type DriverHit = MethodOutput<'drivers.list'>['drivers'][number];
const SEARCH_DEBOUNCE_MS = 250;

/** Finds a driver by phone, card (id tag), VIN or name as the operator types; the value is the driver id. */
export function DriverSelect({
  id,
  value,
  onChange,
  testId,
  allowClear,
  style,
}: {
  /** Set by Form.Item so its label and errors point at this control. */
  id?: string;
  value?: string;
  onChange?(v: string | undefined): void;
  testId?: string;
  allowClear?: boolean;
  style?: CSSProperties;
}) {
  const { t } = useI18n();
  const report = useReportError();
  const [drivers, setDrivers] = useState<DriverHit[]>([]);
  const [searching, setSearching] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const seq = useRef(0);

  function search(text: string) {
    if (timer.current) clearTimeout(timer.current);
    const q = text.trim();
    if (!q) return;
    timer.current = setTimeout(() => {
      const mine = ++seq.current;
      setSearching(true);
      api.drivers
        .list({ search: q, limit: 20 })
        .then((r) => mine === seq.current && setDrivers(r.drivers), report)
        .finally(() => mine === seq.current && setSearching(false));
    }, SEARCH_DEBOUNCE_MS);
  }

  return (
    <Select
      id={id}
      showSearch
      allowClear={allowClear}
      value={value}
      onChange={(v) => onChange?.(v)}
      filterOption={false}
      onSearch={search}
      data-testid={testId}
      style={style}
      placeholder={t('sessions.driverPlaceholder')}
      notFoundContent={searching ? <Spin size="small" /> : t('sessions.noDriver')}
      options={drivers.map((d) => ({
        value: d.id,
        label: (
          <span>
            {driverLabel(d)}{' '}
            <Typography.Text type={d.owed.fen > 0 ? 'danger' : 'secondary'}>
              {d.owed.fen > 0 ? t('sessions.driverOwes', { amount: d.owed.yuan }) : t('sessions.driverAvailable', { amount: d.available.yuan })}
            </Typography.Text>
          </span>
        ),
      }))}
    />
  );
}

/** A driver as the lists name them: name and masked phone (138****5678). */
export function driverLabel(d: { name: string; phone: string }): string {
  return `${d.name} · ${maskPhone(d.phone)}`;
}

// Sessions carry the driver id; names are looked up once per id and shared by every row.
const names = new Map<string, Promise<string | null>>();

function driverName(id: string): Promise<string | null> {
  let p = names.get(id);
  if (!p) {
    p = api.drivers.get({ driverId: id }).then(driverLabel, () => {
      // Forget the failure so a later render asks again.
      names.delete(id);
      return null;
    });
    names.set(id, p);
  }
  return p;
}

/**
 * A driver's name and masked phone, for lists that hold only the id. The id itself is never shown,
 * not even as a tooltip (issue 16): while the name loads, or if it cannot be had, the cell says so.
 */
export function DriverName({ id }: { id: string }) {
  const { t } = useI18n();
  const [name, setName] = useState<string | null | undefined>(undefined);
  useEffect(() => {
    let live = true;
    void driverName(id).then((n) => live && setName(n));
    return () => {
      live = false;
    };
  }, [id]);
  if (name === undefined) return <Typography.Text type="secondary">…</Typography.Text>;
  return name === null ? <Typography.Text type="secondary">{t('sessions.driverUnavailable')}</Typography.Text> : <span>{name}</span>;
}
