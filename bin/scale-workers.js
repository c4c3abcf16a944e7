#!/usr/bin/env node
// scale-workers: see docs/. Built code lives in dist/ (npm ci runs the build).
import { runMain } from '../dist/cli/main.js';

await runMain(['scale-workers', ...process.argv.slice(2)]);
