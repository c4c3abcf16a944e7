#!/bin/sh
# Drop-in for EvalAI's scripts/monitoring/run_auto_cancel_submissions.sh: the same positional
# arguments, so an existing crontab line keeps working when only the script path changes.
#   $1 path (upstream's EvalAI checkout; not needed, accepted)  $2 auth token  $3 API host URL
# Extra options for cancel-stale go after the three arguments (`... <url> --dry-run`), or in
# CANCEL_STALE_ARGS, e.g. CANCEL_STALE_ARGS="--older-than 21d".
# shellcheck source=SCRIPTDIR/wrapper-common.sh
. "$(dirname -- "$0")/wrapper-common.sh"
POSITIONALS=3
check_slot 1 "path" "$1"
check_slot 2 "auth token" "$2" secret
check_slot 3 "API host URL" "$3"
token_from_arg "$2"
set_from_arg API_HOST_URL "$3"
if [ $# -gt 3 ]; then shift 3; else shift $#; fi
# shellcheck disable=SC2086 # word splitting of the extra options is intended
run_bin cancel-stale ${CANCEL_STALE_ARGS:-} "$@"
