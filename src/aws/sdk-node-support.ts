/**
 * The AWS SDK's Node-version notice, said once in the log instead of on stderr as free text.
 *
 * The SDK (v3.1169 here) prints a multi-line `NodeVersionSupportWarning` through
 * process.emitWarning when its first client is built on Node < 22: its releases after the first
 * week of January 2027 require Node 22. It reads one switch, and only from the environment,
 * AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true (documented by the SDK's team in
 * aws/aws-sdk-js-v3#7983), which the bins' entry sets (src/cli/main.ts): a cron run's stderr is
 * pino JSON only, and cron mail does not get the same paragraph at every run. The operator is told
 * here instead: one structured log line per process, when the first AWS client is built.
 */
export const SDK_MIN_NODE_MAJOR = 22;

export interface SdkNodeNotice {
  fields: { nodeVersion: string; awsSdkRequiresNode: string; see: string };
  message: string;
}

/** The notice for this Node version, or null when the SDK's coming releases support it. */
export function sdkNodeNotice(version: string): SdkNodeNotice | null {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (!Number.isFinite(major) || major >= SDK_MIN_NODE_MAJOR) return null;
  return {
    fields: { nodeVersion: version, awsSdkRequiresNode: `>=${SDK_MIN_NODE_MAJOR}`, see: 'https://github.com/aws/aws-sdk-js-v3/issues/7983' },
    message: `AWS SDK releases after the first week of January 2027 require Node ${SDK_MIN_NODE_MAJOR} or later; this is Node ${version}: upgrade Node to keep receiving SDK fixes`,
  };
}

let said = false;

/** Logs the notice once per process (a daemon builds clients at every tick), when there is one. */
export function noteSdkNodeSupport(logger: { warn: (fields: object, message: string) => void } | undefined, version = process.version): void {
  if (said || !logger) return;
  const notice = sdkNodeNotice(version);
  said = true;
  if (notice) logger.warn(notice.fields, notice.message);
}
