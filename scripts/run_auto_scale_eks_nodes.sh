#!/bin/sh
# Drop-in for EvalAI's scripts/monitoring/run_auto_scale_eks_nodes.sh: the same positional
# arguments, so an existing crontab line keeps working when only the script path changes.
#   $1 path (upstream's EvalAI checkout; not needed, accepted)  $2 JSON_PATH (the config file)
#   $3 API host URL  $4 ENV  $5 EKS_AWS_ACCOUNT_ID  $6 EKS_AWS_ACCESS_KEY_ID
#   $7 EKS_AWS_SECRET_ACCESS_KEY  $8 EKS_AWS_REGION  $9 EKS_AWS_STORAGE_BUCKET_NAME
# The staff token comes from AUTH_TOKEN_FILE or AUTH_TOKEN in the environment, as upstream.
# Extra options for scale-eks go after the nine arguments ('' keeps the environment's value), or in
# SCALE_EKS_ARGS.
# shellcheck source=SCRIPTDIR/wrapper-common.sh
. "$(dirname -- "$0")/wrapper-common.sh"
POSITIONALS=9
check_slot 1 "path" "$1"
check_slot 2 "JSON_PATH" "$2"
check_slot 3 "API host URL" "$3"
check_slot 4 "ENV" "$4"
check_slot 5 "EKS_AWS_ACCOUNT_ID" "$5"
check_slot 6 "EKS_AWS_ACCESS_KEY_ID" "$6"
check_slot 7 "EKS_AWS_SECRET_ACCESS_KEY" "$7" secret
check_slot 8 "EKS_AWS_REGION" "$8"
check_slot 9 "EKS_AWS_STORAGE_BUCKET_NAME" "$9"
set_from_arg JSON_PATH "$2"
set_from_arg API_HOST_URL "$3"
set_from_arg ENV "$4"
set_from_arg EKS_AWS_ACCOUNT_ID "$5"
set_from_arg EKS_AWS_ACCESS_KEY_ID "$6"
if [ -n "$7" ]; then
  warn_visible "the AWS secret access key" "set EKS_AWS_SECRET_ACCESS_KEY in a root-only environment file, or use an instance role"
fi
set_from_arg EKS_AWS_SECRET_ACCESS_KEY "$7"
set_from_arg EKS_AWS_REGION "$8"
set_from_arg EKS_AWS_STORAGE_BUCKET_NAME "$9"
if [ $# -gt 9 ]; then shift 9; else shift $#; fi
# shellcheck disable=SC2086 # word splitting of the extra options is intended
run_bin scale-eks ${SCALE_EKS_ARGS:-} "$@"
