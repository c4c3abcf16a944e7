import { createRequire } from 'node:module';
import type * as Commander from 'commander';

// commander through require: its ESM entry wraps the same CommonJS code, and going through it
// (Node parses the CommonJS source for its export names) costs every --help and usage error about
// 5 ms of CPU, an eighth of a bare node's start. Same classes, same types.
const commander = createRequire(import.meta.url)('commander') as typeof Commander;

export const Command: typeof Commander.Command = commander.Command;
export type Command = Commander.Command;
export const Option: typeof Commander.Option = commander.Option;
export type Option = Commander.Option;
export const InvalidArgumentError: typeof Commander.InvalidArgumentError = commander.InvalidArgumentError;
export const CommanderError: typeof Commander.CommanderError = commander.CommanderError;
