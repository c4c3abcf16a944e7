#!/usr/bin/env node
// scale-ec2: see docs/. Built code lives in dist/ (npm ci runs the build).
import { runMain } from '../dist/cli/main.js';

await runMain(['scale-ec2', ...process.argv.slice(2)]);
