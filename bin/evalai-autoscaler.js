#!/usr/bin/env node
// evalai-autoscaler: see docs/. Built code lives in dist/ (npm ci runs the build).
import { runMain } from '../dist/cli/main.js';

await runMain(process.argv.slice(2));
