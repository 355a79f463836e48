/**
 * A driver's phone number as screens show it: the first three and last four digits (138****5678),
 * as on the exports and in the CLI (which load this rule through src-main/kernel/phone.ts). Tables, pickers and drawers are read at the
 * counter and over shoulders, the driver page included; the full number is shown only when a role
 * that needs it to call the driver asks for it (显示完整号码 on the driver page, supervisors and
 * admins). Search still takes the full number: the core matches on the stored one.
 */
export function maskPhone(phone: string | null | undefined): string {
  const p = (phone ?? '').trim();
  if (p.length < 8) return p;
  return `${p.slice(0, 3)}${'*'.repeat(p.length - 7)}${p.slice(-4)}`;
}
