# Helpers the CLI tests source: run one srpadm subcommand and record what it did, report a
# failed check, and end with a summary. Before sourcing, set `bin` (the srpadm binary) and
# `subcommand`; files listed in `cleanup` are removed on exit.
errf=$(mktemp)
cleanup=("$errf")
trap 'rm -f "${cleanup[@]}"' EXIT
failures=0

# run ARGS...: sets out (exact stdout), err (stderr) and status.
run() {
    out=$("$bin" "$subcommand" "$@" 2>"$errf"; rc=$?; printf x; exit $rc)
    status=$?
    out=${out%x}
    err=$(cat "$errf")
}

# bad WHAT ARGS...: one failed check, with what the last run printed.
bad() {
    echo "FAIL: $1"
    echo "  args:   ${*:2}"
    echo "  status: $status"
    echo "  stdout: $out"
    echo "  stderr: $err"
    failures=$((failures + 1))
}

# finish: exit 1 if a check failed.
finish() {
    if [ "$failures" -ne 0 ]; then
        echo "$failures check(s) failed"
        exit 1
    fi
    echo "$subcommand: all checks passed"
}
