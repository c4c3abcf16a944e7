#!/usr/bin/env node
// The fake sbatch/squeue/scancel as an executable: node cli.mjs <table.json> <command> [args...].
import { Buffer } from 'node:buffer';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { setInterval, clearInterval } from 'node:timers';
import { handle } from './core.mjs';

const [tablePath, command, ...args] = process.argv.slice(2);
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  // A held command (table.hold[command] = path) says it started, then waits for the path to exist.
  const hold = JSON.parse(readFileSync(tablePath, 'utf8')).hold?.[command];
  if (!hold) return run();
  writeFileSync(`${hold}.started`, String(process.pid));
  const wait = setInterval(() => {
    if (!existsSync(hold)) return;
    clearInterval(wait);
    run();
  }, 20);
});

function run() {
  const table = JSON.parse(readFileSync(tablePath, 'utf8'));
  const stdin = Buffer.concat(chunks).toString('utf8');
  const env = process.env.SLURM_TIME_FORMAT ? { SLURM_TIME_FORMAT: process.env.SLURM_TIME_FORMAT } : {};
  const out = handle(table, command, args, stdin, env);
  writeFileSync(`${tablePath}.tmp`, JSON.stringify(table));
  renameSync(`${tablePath}.tmp`, tablePath);
  process.stdout.write(out.stdout);
  process.stderr.write(out.stderr);
  process.exitCode = out.code;
}
