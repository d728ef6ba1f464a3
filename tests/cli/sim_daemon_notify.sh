#!/usr/bin/env bash
# srpadm-sim daemon under a stand-in for systemd's notification socket (sd_notify(3)): a
# Python listener on $NOTIFY_SOCKET records every datagram. READY=1 with a STATUS= line once
# the simulated host's ports have scanned, WATCHDOG=1 at half of WATCHDOG_USEC, RELOADING=1
# then READY=1 on SIGHUP, STOPPING=1 on SIGTERM.
# Usage: sim_daemon_notify.sh <path-to-srpadm-sim> <source-dir>
set -u
bin=$1 src=$2
out= err= status=0
work=$(mktemp -d)
listener=
trap '[ -n "$listener" ] && kill "$listener" 2>/dev/null; rm -rf "$work"' EXIT
errf=$work/stderr
source "$src/tests/cli/lib/common.sh"

sock=$work/notify
got=$work/notifications
python3 - "$sock" "$got" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        f.write(s.recv(65536).decode().replace("\n", "|") + "\n")
PY
listener=$!
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || bad "the listener did not start" python3

# wait_for SECONDS PATTERN: until a notification matches the extended regular expression.
wait_for() {
    local n=$(($1 * 10))
    while [ "$n" -gt 0 ]; do
        grep -qE -- "$2" "$got" 2>/dev/null && return 0
        sleep 0.1
        n=$((n - 1))
    done
    return 1
}

NOTIFY_SOCKET=$sock WATCHDOG_USEC=1000000 "$bin" daemon \
    --fabric "$src/examples/fabrics/two-targets.fabric" --sysfs-root "$work/host" \
    --config none 2>"$work/daemon.log" &
pid=$!
out=
err_log() { err=$(cat "$work/daemon.log"); out=$(cat "$got" 2>/dev/null); }
# READY=1 once the port has scanned (its logins under way), then the status as they complete.
wait_for 10 '^READY=1\|STATUS=1 of 1 ports up; [0-3] of 3 targets connected$' ||
    { err_log; bad "no READY=1 after the port's scan" daemon; }
wait_for 10 'STATUS=1 of 1 ports up; 3 of 3 targets connected$' ||
    { err_log; bad "no STATUS= with every target connected" daemon; }
sleep 2
pings=$(grep -c '^WATCHDOG=1$' "$got")
[ "$pings" -ge 3 ] || { err_log; bad "$pings WATCHDOG=1 in about 2.5 s at WATCHDOG_USEC=1 s" daemon; }
kill -HUP "$pid"
wait_for 5 '^RELOADING=1\|MONOTONIC_USEC=[0-9]+$' || { err_log; bad "no RELOADING=1 on SIGHUP" daemon; }
[ "$(grep -c '^READY=1' "$got")" -eq 2 ] || { err_log; bad "no second READY=1 after the reload" daemon; }
kill -TERM "$pid"
wait "$pid"
status=$?
[ "$status" -eq 0 ] || { err_log; bad "exit status $status after SIGTERM" daemon; }
grep -qx 'STOPPING=1' "$got" || { err_log; bad "no STOPPING=1 on SIGTERM" daemon; }

if [ "$failures" -ne 0 ]; then
    echo "$failures failure(s)"
    exit 1
fi
echo "all passed"
