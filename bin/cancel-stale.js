#!/usr/bin/env node
// cancel-stale: see docs/. Built code lives in dist/ (npm ci runs the build).
import { runMain } from '../dist/cli/main.js';

await runMain(['cancel-stale', ...process.argv.slice(2)]);
