import { spawnSync } from 'node:child_process';
import { tempDir } from './helpers';
import { launchMosquitto, MOSQUITTO_DIRS, mosquittoAvailable, type Mosquitto } from './mosquitto-process';
import { afterTest } from './after-test';

export { mosquittoAvailable, type Mosquitto } from './mosquitto-process';

/**
 * A throw-away Mosquitto for the tests that run the back office against an external broker
 * (broker.mode = external): its own logins (password file) and the ACL docs/charger-protocol.md
 * tells a depot to use, on a free loopback port, stopped after each test. Where Mosquitto is not
 * installed the tests are skipped and say so.
 */
export const opensslAvailable = spawnSync('openssl', ['version']).status === 0;

/** Prints why `testFile` is skipped when there is no Mosquitto; true when it is missing. */
export function skipWithoutMosquitto(testFile: string): boolean {
  if (!mosquittoAvailable) process.stdout.write(`${testFile}: skipped, no mosquitto binary (looked in ${MOSQUITTO_DIRS.join(', ')})\n`);
  return !mosquittoAvailable;
}

/** The back office's own login on Mosquitto (readwrite ocpp/#). */
export const BACK_OFFICE = { username: 'depotdesk', password: 'backoffice-secret' } as const;

/**
 * Starts Mosquitto with BACK_OFFICE and one login per charger (`chargers`: id → password), the
 * chargers limited by the ACL to their own topics. Resolves once it accepts connections.
 */
export async function startMosquitto(opts: { chargers: Record<string, string>; tls?: boolean; maxPayloadBytes?: number }): Promise<Mosquitto> {
  const m = await launchMosquitto({
    dir: tempDir('depotdesk-mosquitto-'),
    users: { [BACK_OFFICE.username]: BACK_OFFICE.password, ...opts.chargers },
    acl: [
      `user ${BACK_OFFICE.username}`,
      'topic readwrite ocpp/#',
      '',
      '# every other login is a charger, limited to its own topics',
      'pattern write ocpp/cp/%u',
      'pattern write ocpp/cp/%u/Reply',
      'pattern read ocpp/cs/%u',
    ],
    tls: opts.tls,
    maxPayloadBytes: opts.maxPayloadBytes,
  });
  afterTest(() => m.kill());
  return m;
}
