import { Settings } from 'luxon';

/**
 * Pins luxon's locale to en-US. Nothing this tool prints depends on a locale (its times are ISO
 * 8601 in UTC, its durations its own), but luxon's default is the system's, which it asks ICU for
 * at the first DateTime: about 6 MiB of ICU data paged into every run's RSS and 10 ms of CPU
 * (issue 13). Pinned, a run's output is also the same whatever LANG cron gives it.
 */
export function pinTimeLocale(): void {
  Settings.defaultLocale = 'en-US';
}
