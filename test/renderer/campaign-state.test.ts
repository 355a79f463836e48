import { describe, expect, it } from 'vitest';
import { wordingFor } from '../../src-renderer/i18n';
import { campaignStateLabel } from '../../src-renderer/pages/compensation/campaignModel';

describe("a campaign's state as the screens say it", () => {
  it('an approval still freezing its items (approved, no approval time yet) reads 审批中, not 已批准; a finished approval reads 已批准', () => {
    const zh = wordingFor('zh-CN');
    expect(zh.t(campaignStateLabel({ state: 'approved', approvedAt: null }))).toBe('审批中（正在冻结名单）');
    expect(zh.t(campaignStateLabel({ state: 'approved', approvedAt: Date.parse('2026-12-07T06:00:00Z') }))).toBe('已批准');
    expect(wordingFor('en-US').t(campaignStateLabel({ state: 'approved', approvedAt: null }))).toBe('Being approved (freezing the list)');
    expect(zh.t(campaignStateLabel({ state: 'draft', approvedAt: null }))).toBe(zh.t('comp.state.draft'));
  });
});
