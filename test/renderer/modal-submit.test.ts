import { describe, expect, it } from 'vitest';
import type { FormInstance } from 'antd';
import { ApiError } from '../../src-renderer/api/client';
import { showFailure } from '../../src-renderer/lib/useModalSubmit';

/** A form with the given fields that records what was put under each. */
function fakeForm(fields: string[]) {
  const shown: { name: unknown; errors: string[] }[] = [];
  const form = {
    getFieldsValue: () => Object.fromEntries(fields.map((f) => [f, undefined])),
    setFields: (list: { name: unknown; errors: string[] }[]) => shown.push(...list),
  } as unknown as FormInstance;
  return { form, shown };
}

function recorder() {
  const reported: unknown[] = [];
  return { reported, report: (e: unknown) => void reported.push(e) };
}

const phoneTaken = new ApiError('invalid_input', 'phone 13800000000 is already registered', { field: 'phone' });
const offline = new ApiError('refused', 'charger CP-7 is offline', { reason: 'offline' });

describe('a failed modal submit reaches the operator once', () => {
  it('a refusal the modal shows in its own alert is not notified as well', () => {
    const { form, shown } = fakeForm(['driver']);
    const { reported, report } = recorder();
    showFailure(offline, { form, onError: () => true, report });
    expect(reported).toEqual([]);
    expect(shown).toEqual([]);
  });

  it("'beside' puts the core's complaint under its field and notifies too", () => {
    const { form, shown } = fakeForm(['name', 'phone']);
    const { reported, report } = recorder();
    showFailure(phoneTaken, { form, fieldErrors: 'beside', report });
    expect(shown).toEqual([{ name: 'phone', errors: ['phone 13800000000 is already registered'] }]);
    expect(reported).toEqual([phoneTaken]);
  });

  it("'instead' notifies only when no field of the form took the complaint", () => {
    const landed = fakeForm(['phone']);
    const missed = fakeForm(['amount']);
    const { reported, report } = recorder();
    showFailure(phoneTaken, { form: landed.form, fieldErrors: 'instead', report });
    expect(reported).toEqual([]);
    showFailure(phoneTaken, { form: missed.form, fieldErrors: 'instead', report });
    expect(reported).toEqual([phoneTaken]);
    expect(missed.shown).toEqual([]);
  });

  it("'ignore', or no form at all, only notifies", () => {
    const { form, shown } = fakeForm(['phone']);
    const { reported, report } = recorder();
    showFailure(phoneTaken, { form, fieldErrors: 'ignore', report });
    showFailure(offline, { onError: () => false, report });
    expect(shown).toEqual([]);
    expect(reported).toEqual([phoneTaken, offline]);
  });
});
