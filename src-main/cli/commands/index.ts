import type { Command } from '../framework';
import { foundationCommands } from './foundation';
import { chargerCommands } from './chargers';
import { jobCommands } from './jobs';
import { tariffCommands } from './tariffs';
import { ledgerCommands } from './ledger';
import { paymentCommands } from './payments';
import { refundCommands } from './refunds';
import { campaignCommands } from './campaigns';
import { sessionCommands } from './sessions';
import { sweepCommands } from './sweep';
import { inboxCommands } from './inbox';
import { riskCommands } from './risk';
import { reconCommands } from './recon';

/** Every CLI command; domains add their list here. */
export const commands: Command[] = [
  ...foundationCommands,
  ...jobCommands,
  ...tariffCommands,
  ...chargerCommands,
  ...ledgerCommands,
  ...sessionCommands,
  ...sweepCommands,
  ...inboxCommands,
  ...paymentCommands,
  ...refundCommands,
  ...campaignCommands,
  ...riskCommands,
  ...reconCommands,
];
