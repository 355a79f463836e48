import { hostCore, type ParentPortLike } from './shell/core-host';

/**
 * The core process's entry: Electron starts it with utilityProcess.fork (src-main/index.ts, through
 * shell/core-relay.ts), and everything it does is in shell/core-host.ts. It never imports
 * `electron`: the parent port arrives as `process.parentPort`, typed here.
 */
const port = (process as NodeJS.Process & { parentPort?: ParentPortLike }).parentPort;
if (!port) {
  process.stderr.write("core-process.js runs only as the DepotDesk window's utility process (it has no parent port here)\n");
  process.exit(2);
}
hostCore(port);
