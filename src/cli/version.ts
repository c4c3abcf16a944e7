import { createRequire } from 'node:module';

/**
 * The version, read from package.json when the program starts, so it can never drift from what
 * npm installed. The path is the same from src/cli/ and dist/cli/. (createRequire rather than a
 * JSON import: it works unchanged on Node 20.19 and 24, without import attributes.)
 */
export const VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
