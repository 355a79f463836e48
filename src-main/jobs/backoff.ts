/**
 * How long a failed job waits before its next attempt (attempt n = the attempt that just failed):
 *
 *   delay(n) = min(maxMs, baseMs · 2^(n−1)) · (1 − jitter + 2 · jitter · random())
 *
 * 15 s, 30 s, 1 min, 2 min … capped at 1 h, each ±20 %. The jitter keeps jobs that failed together
 * (the payment gateway was down) from all coming back in the same second. `random` is injectable
 * so tests know the exact delay.
 */
export const BACKOFF = { baseMs: 15_000, maxMs: 60 * 60_000, jitter: 0.2 } as const;

export function exponentialBackoff(attempt: number, random: () => number = Math.random, policy = BACKOFF): number {
  const n = Math.max(1, Math.floor(attempt));
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** (n - 1));
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(exp * (1 - policy.jitter + 2 * policy.jitter * r));
}
