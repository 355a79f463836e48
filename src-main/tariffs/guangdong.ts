import type { TariffFile } from './format';

/**
 * A Guangdong-shaped plan (the demo depot's, and docs/examples/tariff-guangdong.json): 谷 0–8,
 * 平 8–10, 12–14 and 19–24, 峰 10–12 and 14–19, and 尖 11–12 and 15–17 in July–September.
 * Prices follow the national guidance: 峰 ≈ 3.2 × 谷, 尖 = 1.25 × 峰; service 0.80 in every period.
 */
const V = 'valley' as const;
const F = 'flat' as const;
const P = 'peak' as const;

export const GUANGDONG_PLAN: TariffFile = {
  name: '广东分时电价（示例）',
  currency: 'CNY',
  timezone: 'Asia/Shanghai',
  effectiveFrom: '2024-01-01',
  prices: {
    sharp: { electricity: '1.30113', service: '0.80000' },
    peak: { electricity: '1.04090', service: '0.80000' },
    flat: { electricity: '0.62540', service: '0.80000' },
    valley: { electricity: '0.32150', service: '0.80000' },
  },
  slots: [
    ...Array<typeof V>(16).fill(V), // 00:00–08:00
    ...Array<typeof F>(4).fill(F), // 08:00–10:00
    ...Array<typeof P>(4).fill(P), // 10:00–12:00
    ...Array<typeof F>(4).fill(F), // 12:00–14:00
    ...Array<typeof P>(10).fill(P), // 14:00–19:00
    ...Array<typeof F>(10).fill(F), // 19:00–24:00
  ],
  rules: [{ months: [7, 8, 9], slots: { '22': 'sharp', '23': 'sharp', '30': 'sharp', '31': 'sharp', '32': 'sharp', '33': 'sharp' } }],
};
