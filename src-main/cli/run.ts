import { main } from './main';

main(process.argv.slice(2)).then(
  (code) => {
    // serve keeps its own handles open until stopped; everything else ends here.
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`depotdesk: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
