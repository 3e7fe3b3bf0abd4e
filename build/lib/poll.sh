# shellcheck shell=bash
# Sourced by build/ scripts: the one bounded wait they use.
#
#   cadml_poll SECONDS INTERVAL COMMAND [ARG...]
#       runs COMMAND every INTERVAL seconds until it succeeds (returns 0) or SECONDS have
#       passed (returns 1). COMMAND's output is discarded; it is tried at least once.

cadml_poll() {
  local limit="$1" interval="$2"; shift 2
  local deadline=$((SECONDS + ${limit%.*}))
  while true; do
    "$@" >/dev/null 2>&1 && return 0
    ((SECONDS < deadline)) || return 1
    sleep "$interval"
  done
}
