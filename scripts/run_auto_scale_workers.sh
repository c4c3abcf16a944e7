#!/bin/sh
# Drop-in for EvalAI's scripts/monitoring/run_auto_scale_workers.sh: the same positional arguments,
# so an existing crontab line keeps working when only the script path changes.
#   $1 path (upstream's EvalAI checkout; not needed, accepted)  $2 auth token  $3 API host URL
#   $4 upstream's monitoring API URL (exported, never used; ignored), or, like the other runners'
#      fourth argument, ENV: a value that is not a URL is taken as ENV.
# Otherwise ENV comes from the environment, as upstream. Extra options for scale-workers go in
# SCALE_WORKERS_ARGS, e.g. SCALE_WORKERS_ARGS="--max-actions 20".
# shellcheck source=SCRIPTDIR/wrapper-common.sh
. "$(dirname -- "$0")/wrapper-common.sh"
token_from_arg "$2"
set_from_arg API_HOST_URL "$3"
case "$4" in
  http://* | https://* | '') ;;
  *) set_from_arg ENV "$4" ;;
esac
# shellcheck disable=SC2086 # word splitting of the extra options is intended
run_bin scale-workers ${SCALE_WORKERS_ARGS:-}
