# shellcheck shell=sh
# Shared by the run_auto_*.sh drop-in wrappers: sourced, not run. POSIX sh.
# Each wrapper checks upstream's positional arguments (check_slot), sets ARG_NAME values from them,
# shifts them off and calls run_bin with what follows them: `run_auto_cancel_submissions.sh <path>
# <token> <url> --dry-run` is a dry run.

WRAPPER_DIR=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
WRAPPER_NAME=$(basename -- "$0")

# `<wrapper> --help` (or -h) as the first argument: the wrapper's header comment, which names its
# positional arguments, and where the command's own options are listed. Nothing is run. (A sourced
# file sees the wrapper's arguments.)
wrapper_help() {
  sed -n '2,/^[^#]/{/^#/!d;/^# shellcheck/d;s/^# \{0,1\}//;p;}' "$0"
  cmd_name=$(sed -n 's/^run_bin \([a-z0-9-]*\).*/\1/p' "$0")
  echo "$cmd_name --help lists its options (node bin/$cmd_name.js --help in a clone)."
  exit 0
}
case "${1:-}" in -h | --help) wrapper_help ;; esac

# Refuses an option-looking value in positional slot $1 (named $2): `... <url> --dry-run` with one
# argument missing would otherwise take --dry-run as ENV (or the URL) and run for real. Exit 2, one
# line. $4 = secret: the value is not echoed.
check_slot() {
  case "$3" in
    -*)
      if [ "$4" = secret ]; then shown="an option-looking value"; else shown="\"$3\", an option"; fi
      echo "$WRAPPER_NAME: argument $1 ($2) is $shown: give all $POSITIONALS positional arguments first ('' keeps the environment's value), then the options; nothing was run" >&2
      exit 2
      ;;
  esac
}

# Sets variable $1 to $2 unless $2 is empty: an empty positional argument keeps the environment's
# value (upstream exported an empty one, which silently unset it).
set_from_arg() {
  if [ -n "$2" ]; then
    eval "$1=\$2"
    # shellcheck disable=SC2163 # exports the variable named by $1
    export "$1"
  fi
}

# A secret given as a positional argument is visible to every user in `ps` and /proc.
warn_visible() {
  echo "$WRAPPER_NAME: warning: $1 on the command line is visible to every user in ps; $2" >&2
}

# The staff token: AUTH_TOKEN_FILE when set (the token argument is then ignored), else the argument.
token_from_arg() {
  if [ -n "$AUTH_TOKEN_FILE" ]; then
    unset AUTH_TOKEN
    return
  fi
  if [ -n "$1" ]; then
    warn_visible "the auth token" "put it in a file (chmod 600) and set AUTH_TOKEN_FILE instead"
    AUTH_TOKEN=$1
    export AUTH_TOKEN
  fi
}

# Cron's PATH is /usr/bin:/bin, and Node from nvm or /usr/local/bin is not on it: NODE names it,
# else node on PATH, else the usual install places.
find_node() {
  if [ -n "$NODE" ]; then echo "$NODE"; return; fi
  command -v node 2>/dev/null && return
  for candidate in /usr/local/bin/node /opt/homebrew/bin/node /usr/bin/node; do
    if [ -x "$candidate" ]; then echo "$candidate"; return; fi
  done
}

# Runs bin/$1.js with the remaining arguments (the *_ARGS variable's words, then the arguments after
# the positional ones); its exit code is the wrapper's.
run_bin() {
  bin="$WRAPPER_DIR/../bin/$1.js"
  shift
  node_bin=$(find_node)
  if [ -z "$node_bin" ]; then
    echo "$WRAPPER_NAME: node not found (cron's PATH is /usr/bin:/bin): set NODE=/path/to/node in the crontab" >&2
    exit 127
  fi
  exec "$node_bin" "$bin" "$@"
}
