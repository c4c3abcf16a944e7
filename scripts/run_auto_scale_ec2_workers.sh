#!/bin/sh
# Drop-in for EvalAI's scripts/monitoring/run_auto_scale_ec2_workers.sh: the same positional
# arguments, so an existing crontab line keeps working when only the script path changes.
#   $1 path (upstream's EvalAI checkout; not needed, accepted)  $2 auth token  $3 API host URL  $4 ENV
# Extra options for scale-ec2 go in SCALE_EC2_ARGS, e.g. SCALE_EC2_ARGS="--via aws".
# shellcheck source=SCRIPTDIR/wrapper-common.sh
. "$(dirname -- "$0")/wrapper-common.sh"
token_from_arg "$2"
set_from_arg API_HOST_URL "$3"
set_from_arg ENV "$4"
# shellcheck disable=SC2086 # word splitting of the extra options is intended
run_bin scale-ec2 ${SCALE_EC2_ARGS:-}
