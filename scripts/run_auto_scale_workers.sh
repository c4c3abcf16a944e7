#!/bin/sh
# Drop-in for EvalAI's scripts/monitoring/run_auto_scale_workers.sh: the same positional arguments,
# so an existing crontab line keeps working when only the script path changes.
#   $1 path (upstream's EvalAI checkout; not needed, accepted)  $2 auth token  $3 API host URL
#   $4 monitoring API URL (upstream exports it and never uses it; ignored)
# ENV comes from the environment, as upstream (its wrapper does not pass it). Extra options for
# scale-workers go in SCALE_WORKERS_ARGS, e.g. SCALE_WORKERS_ARGS="--max-actions 20".
. "$(dirname -- "$0")/wrapper-common.sh"
token_from_arg "$2"
set_from_arg API_HOST_URL "$3"
# shellcheck disable=SC2086 # word splitting of the extra options is intended
run_bin scale-workers ${SCALE_WORKERS_ARGS:-}
