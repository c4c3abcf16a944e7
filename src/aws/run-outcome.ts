import { isAwsError } from './errors.js';

/**
 * Whether a RunInstances error is a definite refusal (EC2 answered with an error code that says
 * the request was not carried out: nothing launched) or an unknown outcome (a network error, a
 * timeout, a 5xx, an answer that could not be read: instances may have been launched).
 */
const DEFINITE_KINDS = new Set(['invalid-parameter', 'access-denied', 'bad-credentials', 'expired-credentials', 'no-credentials', 'no-region', 'throttled', 'not-found', 'malformed-id']);

/** EC2 error codes that refuse a launch outright (beyond the kinds above): capacity, limits, bad input. */
const DEFINITE_CODE = /^(Invalid|Missing|Unsupported|InsufficientInstanceCapacity$|InsufficientFreeAddressesInSubnet$|SpotMaxPriceTooLow$|MaxSpotInstanceCountExceeded$|DryRunOperation$|Blocked$|PendingVerification$|OptInRequired$)|LimitExceeded$/;

export function isDefiniteRefusal(err: unknown): boolean {
  if (!isAwsError(err)) return false;
  if (err.code === 'IdempotentParameterMismatch') return false; // the token was used: instances exist
  if (DEFINITE_KINDS.has(err.kind)) return true;
  return err.code !== undefined && DEFINITE_CODE.test(err.code);
}
