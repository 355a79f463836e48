/** Masked the way the screens show it: 138****5678 (a number too short to mask is shown as it is). */
export function maskPhone(phone: string): string {
  return phone.length >= 7 ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : phone;
}
