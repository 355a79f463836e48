import { describe, expect, it } from 'vitest';
import { wordingFor } from '../../src-renderer/i18n';
import { uplinkText } from '../../src-renderer/pages/settings/uplinkText';
import type { UplinkStatus } from '../../src-main/headquarters';
import { addOperator, makeApp, ok } from '../helpers';

const zh = wordingFor('zh-CN');
const en = wordingFor('en-US');

describe('Settings → General words the uplink to headquarters', () => {
  it('off, current, behind by some records, or refused', () => {
    const base = { enabled: true, connection: 'connected' as const, lagRows: 0, ackedSeq: 120, tipSeq: 120, refused: null };
    expect(uplinkText(en, { ...base, enabled: false, connection: 'off' })).toBe('Off: this depot does not send its records to headquarters');
    expect(uplinkText(zh, { ...base, enabled: false, connection: 'off' })).toBe('未启用：本场站不向总部发送记录');
    expect(uplinkText(en, base)).toBe('connected; headquarters has every record');
    expect(uplinkText(zh, { ...base, connection: 'offline', lagRows: 30, tipSeq: 150 })).toBe('离线；30 条记录尚未送达总部（已送达 120/150）');
    expect(uplinkText(en, { ...base, connection: 'offline', lagRows: 30, tipSeq: 150 })).toBe('offline; 30 records not yet at headquarters (it has 120 of 150)');
    const refused = { ...base, lagRows: 5, tipSeq: 125, refused: { seq: 121, reason: 'hash_mismatch', detail: null, at: 0 } };
    expect(uplinkText(en, refused)).toBe('connected; headquarters refused record 121: see the alerts');
    expect(uplinkText(zh, refused)).toBe('已连接；总部拒收了第 121 条记录，请查看告警');
  });

  it('words what the core reports for a depot that does not send to headquarters', async () => {
    const { app } = makeApp();
    const admin = await addOperator(app, 'admin');
    const status = await ok<UplinkStatus>(app, admin, 'headquarters.status');
    expect(uplinkText(en, status)).toBe('Off: this depot does not send its records to headquarters');
  });
});
