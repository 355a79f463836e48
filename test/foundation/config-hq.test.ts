import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseOverrides } from '../../src-main/kernel/config';
import { tempDir } from '../helpers';

/** The hq.* settings of a depot's uplink to headquarters (docs/headquarters.md "Each depot's settings"). */
describe('hq settings', () => {
  const file = () => path.join(tempDir(), 'config.json');

  it('are off by default, with the documented defaults', () => {
    expect(loadConfig(file()).hq).toEqual({
      enabled: false,
      brokerUrl: '',
      username: '',
      password: '',
      clientId: '',
      caFile: '',
      depotName: '',
      batchRows: 500,
      maxBatchBytes: 262_144,
      ackTimeoutMs: 10_000,
      pollMs: 1_000,
      keepDays: 7,
    });
  });

  it('switched on without a broker URL, the error names hq.brokerUrl', () => {
    expect(() => loadConfig(file(), parseOverrides(['hq.enabled=true']))).toThrowError(/hq\.brokerUrl: required when hq\.enabled is true/);
    expect(loadConfig(file(), parseOverrides(['hq.enabled=true', 'hq.brokerUrl=mqtts://hq.example.com:8883'])).hq.brokerUrl).toBe('mqtts://hq.example.com:8883');
  });

  it('refuses a URL that is not mqtt:// or mqtts:// and a batch size out of range, naming the key', () => {
    expect(() => loadConfig(file(), parseOverrides(['hq.brokerUrl=https://hq.example.com']))).toThrowError(/hq\.brokerUrl: must be an mqtt:\/\/ or mqtts:\/\/ URL/);
    expect(() => loadConfig(file(), parseOverrides(['hq.batchRows=5001']))).toThrowError(/hq\.batchRows/);
    expect(() => loadConfig(file(), parseOverrides(['hq.batchRows=0']))).toThrowError(/hq\.batchRows/);
    expect(() => loadConfig(file(), parseOverrides(['hq.brokerURL=mqtt://x']))).toThrowError(/hq: Unrecognized key: "brokerURL"/);
  });
});
