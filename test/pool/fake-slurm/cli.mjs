#!/usr/bin/env node
// The fake sbatch/squeue/scancel as an executable: node cli.mjs <table.json> <command> [args...].
import { Buffer } from 'node:buffer';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { handle } from './core.mjs';

const [tablePath, command, ...args] = process.argv.slice(2);
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  const table = JSON.parse(readFileSync(tablePath, 'utf8'));
  const stdin = Buffer.concat(chunks).toString('utf8');
  const env = process.env.SLURM_TIME_FORMAT ? { SLURM_TIME_FORMAT: process.env.SLURM_TIME_FORMAT } : {};
  const out = handle(table, command, args, stdin, env);
  writeFileSync(`${tablePath}.tmp`, JSON.stringify(table));
  renameSync(`${tablePath}.tmp`, tablePath);
  process.stdout.write(out.stdout);
  process.stderr.write(out.stderr);
  process.exitCode = out.code;
});
