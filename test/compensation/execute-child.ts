/**
 * Run by crash.test.ts in a child process: executes a campaign one driver per transaction, so the
 * parent can kill it (SIGKILL, no cleanup) in the middle. Usage: execute-child.ts DATA_DIR CAMPAIGN OPERATOR
 */
import { openCore } from '../../src-main/boot/core';
import { silentLogger } from '../../src-main/kernel/logger';
import { beginExecution, runCampaign } from '../../src-main/compensation';

const [dataDir, campaignId, operatorId] = process.argv.slice(2);
const app = openCore({ dataDir, mode: 'cli', log: silentLogger() });
beginExecution(app, campaignId, { operatorId });
process.stdout.write('started\n');
await runCampaign(app, campaignId, { operatorId }, { chunkSize: 1 });
process.stdout.write('finished\n');
app.close();
