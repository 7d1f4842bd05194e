#!/usr/bin/env node
// Launcher that makes the nym-client stand-in executable like the real binary:
//   nym-client-standin.mjs [-c FILE] <init|run|build-info> [flags]   (see nym-standin.ts)
// tsx's ESM loader is registered in this same process, so there is no wrapper child to orphan and
// SIGINT/SIGTERM/SIGKILL reach the stand-in itself.
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
const { runStandin } = await import('./nym-standin.ts');
await runStandin(process.argv.slice(2));
