#!/bin/sh
# Drop-in for EvalAI's scripts/monitoring/run_auto_scale_ec2_workers.sh: the same positional
# arguments, so an existing crontab line keeps working when only the script path changes.
#   $1 path (upstream's EvalAI checkout; not needed, accepted)  $2 auth token  $3 API host URL  $4 ENV
# Extra options for scale-ec2 go after the four arguments (`... <url> prod --dry-run`; '' as ENV keeps
# the environment's), or in SCALE_EC2_ARGS, e.g. SCALE_EC2_ARGS="--via aws".
# shellcheck source=SCRIPTDIR/wrapper-common.sh
. "$(dirname -- "$0")/wrapper-common.sh"
POSITIONALS=4
check_slot 1 "path" "$1"
check_slot 2 "auth token" "$2" secret
check_slot 3 "API host URL" "$3"
check_slot 4 "ENV" "$4"
token_from_arg "$2"
set_from_arg API_HOST_URL "$3"
set_from_arg ENV "$4"
if [ $# -gt 4 ]; then shift 4; else shift $#; fi
# shellcheck disable=SC2086 # word splitting of the extra options is intended
run_bin scale-ec2 ${SCALE_EC2_ARGS:-} "$@"
