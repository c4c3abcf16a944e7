#!/bin/sh
# Drop-in for EvalAI's scripts/monitoring/run_auto_scale_workers.sh: the same positional arguments,
# so an existing crontab line keeps working when only the script path changes.
#   $1 path (upstream's EvalAI checkout; not needed, accepted)  $2 auth token  $3 API host URL
#   $4 upstream's monitoring API URL (exported, never used; ignored), or, like the other runners'
#      fourth argument, ENV: a value that is not a URL is taken as ENV.
# Otherwise ENV comes from the environment, as upstream. Extra options for scale-workers go after the
# four arguments (`... <url> prod --dry-run`; '' as the fourth keeps the environment's ENV), or in
# SCALE_WORKERS_ARGS, e.g. SCALE_WORKERS_ARGS="--max-actions 20".
# shellcheck source=SCRIPTDIR/wrapper-common.sh
. "$(dirname -- "$0")/wrapper-common.sh"
POSITIONALS=4
check_slot 1 "path" "$1"
check_slot 2 "auth token" "$2" secret
check_slot 3 "API host URL" "$3"
check_slot 4 "ENV or monitoring URL" "$4"
token_from_arg "$2"
set_from_arg API_HOST_URL "$3"
case "$4" in
  http://* | https://* | '') ;;
  *) set_from_arg ENV "$4" ;;
esac
if [ $# -gt 4 ]; then shift 4; else shift $#; fi
# shellcheck disable=SC2086 # word splitting of the extra options is intended
run_bin scale-workers ${SCALE_WORKERS_ARGS:-} "$@"
