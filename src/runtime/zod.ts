import { createRequire } from 'node:module';
import type { z as Zod } from 'zod';

/**
 * zod through require, as commander (src/cli/commander.ts) and the AWS SDK (src/aws/sdk.ts): zod 4's
 * ES module entry is 95 files (every locale included), each resolved, read and compiled by Node's
 * ES module loader on every run; its CommonJS build is the same code, and on Node 20 only CommonJS
 * has the compile cache (runtime/compile-cache.ts). Measured alone: 60 to 95 ms of CPU through
 * `import`, 35 to 50 through `require` with the cache warm. Same schemas, same errors, same types.
 */
export const z = (createRequire(import.meta.url)('zod') as { z: typeof Zod }).z;

// The types read through `z.` (z.output<typeof S>, z.ZodType, ...), as zod's own namespace has them.
/* eslint-disable @typescript-eslint/no-namespace -- type-only namespaces, merged with the value z */
export declare namespace z {
  export type output<T> = Zod.output<T>;
  export type input<T> = Zod.input<T>;
  export type infer<T> = Zod.infer<T>;
  export type ZodType<Output = unknown, Input = unknown> = Zod.ZodType<Output, Input>;
  export type ZodError<T = unknown> = Zod.ZodError<T>;
  export namespace core {
    export type $ZodIssue = Zod.core.$ZodIssue;
  }
}
/* eslint-enable @typescript-eslint/no-namespace */
