# Helpers for a CLI test of one srpadm subcommand (sourced; not a test of its own): `run ARGS`
# runs `srpadm <subcommand> ARGS`, and `finish` ends with a summary. Before sourcing, set `bin`
# (the srpadm binary) and `subcommand`; files listed in `cleanup` are removed on exit.
errf=$(mktemp)
cleanup=("$errf")
trap 'rm -f "${cleanup[@]}"' EXIT
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# run ARGS...: sets out (exact stdout), err (stderr) and status.
run() {
    run_srpadm "$subcommand" "$@"
}

# finish: exit 1 if a check failed.
finish() {
    if [ "$failures" -ne 0 ]; then
        echo "$failures check(s) failed"
        exit 1
    fi
    echo "$subcommand: all checks passed"
}
