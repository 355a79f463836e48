import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { I18nProvider } from '../../src-renderer/i18n';
import { CouponSource } from '../../src-renderer/pages/ledger/DriverDetail';

/**
 * The driver page's coupons say where each coupon came from (issue 16): a compensation campaign by
 * its name, never its id; another grant by its label. Rendered as the page first shows it (zh-CN),
 * before the campaign's name has been read.
 */
const render = (campaignId: string | null) => renderToString(createElement(I18nProvider, null, createElement(CouponSource, { campaignId })));
const CAMPAIGN = '01M99C0K7X4V2B8N6Q3R5T7WYZ';

describe("a coupon's source", () => {
  it('a compensation campaign reads 补偿活动 until its name is read, never its id', () => {
    const html = render(CAMPAIGN);
    expect(html).not.toContain(CAMPAIGN);
    expect(html).toContain('补偿活动');
  });

  it('a grant with a label reads as its label; one without reads as a dash', () => {
    expect(render('充200送20')).toContain('充200送20');
    expect(render(null)).toContain('—');
  });
});
