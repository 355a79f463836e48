import crypto from 'node:crypto';

/**
 * Signed-in operators, by an opaque random token. Kept in memory: a restart signs everyone out,
 * which on a depot PC is what an operator expects. A token idle longer than idleMs is forgotten.
 * Who the operator is (and whether the account is still enabled) is the operators domain's
 * question: see signedInOperator.
 */
export class LoginSessions {
  private readonly byToken = new Map<string, { operatorId: string; lastSeen: number }>();
  constructor(
    private readonly now: () => number,
    private readonly idleMs = 12 * 60 * 60 * 1000,
  ) {}

  create(operator: { id: string }): string {
    const token = crypto.randomBytes(24).toString('base64url');
    this.byToken.set(token, { operatorId: operator.id, lastSeen: this.now() });
    return token;
  }

  /** The operator id behind a live token, marking it used now; null for an unknown or idle token. */
  touch(token: string | undefined | null): string | null {
    if (!token) return null;
    const s = this.byToken.get(token);
    if (!s) return null;
    if (this.now() - s.lastSeen > this.idleMs) {
      this.byToken.delete(token);
      return null;
    }
    s.lastSeen = this.now();
    return s.operatorId;
  }

  revoke(token: string | undefined | null): void {
    if (token) this.byToken.delete(token);
  }
}
