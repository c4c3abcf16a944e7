#!/usr/bin/env node
// scale-eks: see docs/. Built code lives in dist/ (npm ci runs the build).
import { runMain } from '../dist/cli/main.js';

await runMain(['scale-eks', ...process.argv.slice(2)]);
