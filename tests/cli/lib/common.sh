# Helpers for the CLI tests (sourced; not a test of its own). Expects $bin (the srpadm
# binary) and $errf (a file for standard error); counts failures in $failures.
failures=0

# run_srpadm ARGS...: runs srpadm; sets out (exact stdout), err (stderr) and status.
run_srpadm() {
    out=$("$bin" "$@" 2>"$errf"; rc=$?; printf x; exit $rc)
    status=$?
    out=${out%x}
    err=$(cat "$errf")
}

# bad WHAT ARGS...: reports a failed check.
bad() {
    echo "FAIL: $1"
    echo "  args:   ${*:2}"
    echo "  status: $status"
    echo "  stdout: $out"
    echo "  stderr: $err"
    failures=$((failures + 1))
}
