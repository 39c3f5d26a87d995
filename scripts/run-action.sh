#!/usr/bin/env bash
# Runs one shipline tool for the GitHub Action (action.yml, second step).
#
# Every action input arrives as IN_<NAME>; only the non-empty ones become SHIPLINE_<FLAG>, because the
# tools treat a variable that is set but empty as a flag given without a value.
set -euo pipefail

case "${IN_COMMAND:-}" in
  risk | status | promote | revert) ;;
  *)
    printf '::error title=shipline::the command input is "%s"; use risk, status, promote or revert\n' "${IN_COMMAND:-}" >&2
    exit 2
    ;;
esac

pass() {
  # $1 the tool's variable, $2 the input's value
  if [ -n "$2" ]; then
    export "$1=$2"
  fi
}
pass SHIPLINE_CONFIG "${IN_CONFIG:-}"
pass SHIPLINE_REPO "${IN_REPO:-}"
pass SHIPLINE_FORMAT "${IN_FORMAT:-}"
pass SHIPLINE_BACKEND "${IN_BACKEND:-}"
pass SHIPLINE_BASE "${IN_BASE:-}"
pass SHIPLINE_HEAD "${IN_HEAD:-}"
pass SHIPLINE_COMMENT "${IN_COMMENT:-}"
pass SHIPLINE_LABEL "${IN_LABEL:-}"
pass SHIPLINE_FAIL_ABOVE "${IN_FAIL_ABOVE:-}"
pass SHIPLINE_MAX_COMMITS "${IN_MAX_COMMITS:-}"
pass SHIPLINE_ENV "${IN_ENV:-}"
pass SHIPLINE_REF "${IN_REF:-}"
pass SHIPLINE_URL "${IN_URL:-}"
pass SHIPLINE_VERSION "${IN_VERSION:-}"
pass SHIPLINE_DESCRIPTION "${IN_DESCRIPTION:-}"
pass SHIPLINE_STATE "${IN_STATE:-}"
pass SHIPLINE_DEPLOYMENT "${IN_DEPLOYMENT:-}"
pass SHIPLINE_SINCE "${IN_SINCE:-}"
pass SHIPLINE_TO "${IN_TO:-}"
pass SHIPLINE_COMPONENT "${IN_COMPONENT:-}"
pass SHIPLINE_RISK_LEVEL "${IN_RISK_LEVEL:-}"
pass SHIPLINE_RISK_SCORE "${IN_RISK_SCORE:-}"
pass SHIPLINE_OUT "${IN_OUT:-}"
pass SHIPLINE_DRY_RUN "${IN_DRY_RUN:-}"
pass SHIPLINE_REVERT_ON_FAILURE "${IN_REVERT_ON_FAILURE:-}"
pass SHIPLINE_SHA "${IN_SHA:-}"
pass SHIPLINE_PR "${IN_PR:-}"
pass SHIPLINE_RANGE "${IN_RANGE:-}"
pass SHIPLINE_REASON "${IN_REASON:-}"
pass SHIPLINE_PUSH "${IN_PUSH:-}"

exe=""
[ "${RUNNER_OS:-}" = Windows ] && exe=.exe
bin="${SHIPLINE_BIN_DIR:+$SHIPLINE_BIN_DIR/}shipline-$IN_COMMAND$exe"

cmd=("$bin")
[ -n "${IN_SUBCOMMAND:-}" ] && cmd+=("$IN_SUBCOMMAND")
extra=()
# Split on whitespace without globbing or quote processing: the input is data, not shell.
read -r -a extra <<<"${IN_ARGS:-}"
exec "${cmd[@]}" ${extra[@]+"${extra[@]}"}
