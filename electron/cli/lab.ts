// `npm run lab`: the whole app against private loopback networks it starts itself; no internet.
import { runApp } from './run';

runApp('lab', process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
