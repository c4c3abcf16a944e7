#!/usr/bin/env node
// stop-idle: see docs/. Built code lives in dist/ (npm ci runs the build).
import { runMain } from '../dist/cli/main.js';

await runMain(['stop-idle', ...process.argv.slice(2)]);
