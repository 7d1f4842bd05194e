#!/usr/bin/env node
// Launcher for the lab mixnet: registers tsx's ESM loader in this same process (no child, so a
// signal to this pid reaches the mixnet itself) and runs mixnet-main.ts with the given argv.
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
const { runMixnet } = await import('./mixnet-main.ts');
await runMixnet(process.argv.slice(2));
