// The child half of utility-process.mjs: `process.parentPort` as Electron's utility process has
// it (on('message', ({ data }) => …), postMessage), over Node's IPC channel; then the entry.
//   node [--import tsx] utility-child.mjs <entry> [args…]
import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';

const port = new EventEmitter();
port.postMessage = (message) => {
  if (process.connected) process.send(message);
};
// As Electron's port, messages wait until someone listens for them.
const queued = [];
process.on('message', (data) => {
  if (port.listenerCount('message') > 0) port.emit('message', { data, ports: [] });
  else queued.push(data);
});
port.on('newListener', (event) => {
  if (event !== 'message') return;
  setImmediate(() => {
    while (queued.length > 0 && port.listenerCount('message') > 0) port.emit('message', { data: queued.shift(), ports: [] });
  });
});
// Electron ends a utility process when its parent goes; so does this one.
process.on('disconnect', () => process.exit(0));
process.parentPort = port;

await import(pathToFileURL(process.argv[2]).href);
