import { createRequire } from 'node:module';

/**
 * The AWS SDK's client packages, through `require`, each when first asked for. They are CommonJS
 * (one bundled file each: @aws-sdk/client-ec2's is 2 MB), and an ESM `import` of one makes Node
 * read that source twice more before running it: once to detect its module format and once to
 * find its export names (cjs-module-lexer). For client-ec2 that is about 270 ms of CPU and 25 MiB
 * of peak RSS more than `require` (measured on Node 20: 525 against 250 ms, 132 against 111 MiB),
 * even when it was required first. Same classes, same types (as src/cli/commander.ts does for
 * commander). Value imports of `@aws-sdk/client-*` go through here; type imports are free.
 */
const load = createRequire(import.meta.url);

export const ec2Sdk = (): typeof import('@aws-sdk/client-ec2') => load('@aws-sdk/client-ec2') as typeof import('@aws-sdk/client-ec2');
export const sqsSdk = (): typeof import('@aws-sdk/client-sqs') => load('@aws-sdk/client-sqs') as typeof import('@aws-sdk/client-sqs');
export const stsSdk = (): typeof import('@aws-sdk/client-sts') => load('@aws-sdk/client-sts') as typeof import('@aws-sdk/client-sts');
export const eksSdk = (): typeof import('@aws-sdk/client-eks') => load('@aws-sdk/client-eks') as typeof import('@aws-sdk/client-eks');
export const s3Sdk = (): typeof import('@aws-sdk/client-s3') => load('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
