// `npm start`: the app on the real Tor, I2P and Nym networks.
import { runApp } from './run';

runApp('real', process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
