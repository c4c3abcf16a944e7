#!/usr/bin/env node
// scale-pool: see docs/. Built code lives in dist/ (npm ci runs the build).
import { runMain } from '../dist/cli/main.js';

await runMain(['scale-pool', ...process.argv.slice(2)]);
