#!/usr/bin/env bash
# srpadm-sim daemon: the daemon on a simulated host (a host tree under --sysfs-root, the
# stand-in ib_srp taking its writes), as a real process with real signals and real time.
# Usage: sim_daemon.sh <path-to-srpadm-sim> <source-dir>
set -u
bin=$1 src=$2
source "$src/tests/cli/lib/host.sh"

# two-targets, with storage2 admitting nobody until an acl-allow 2 s after the start.
fab=$work/acl.fabric
acl_fabric "$fab"
echo 'event 2s acl-allow "storage2 mlx5_0"/1 any' >>"$fab"
root=$work/host
log=$work/daemon.log

hosts() { find "$root/class/scsi_host" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
has_hosts() { [ "$(hosts)" -eq "$1" ]; }
logged() { grep -q -- "$1" "$log"; }

start() {
    "$bin" daemon --fabric "$fab" --sysfs-root "$root" --config none --retry-first 1 \
        --retry-max 1 --log-level debug 2>"$log" &
    pid=$!
}
stop() {
    kill -TERM "$pid"
    wait "$pid"
    status=$?
    [ "$status" -eq 0 ] || bad "exit status $status after SIGTERM" daemon
    logged "stopped" || bad "no 'stopped' in the log" daemon
}

# storage1 at once; storage2's two IOCs rejected (ECONNRESET), retried, and logged in once
# the access list admits us, without a restart.
start
wait_for 10 has_hosts 1 || bad "storage1 not connected" daemon
wait_for 10 logged "ECONNRESET" || bad "no rejection in the log" daemon
wait_for 15 has_hosts 3 || bad "storage2 not connected after the ACL fix ($(hosts) hosts)" daemon
"$bin" list --sysfs-root "$root" >"$work/list" || bad "list failed" list
grep -q "0002c90300c00130" "$work/list" || bad "list does not show storage2's second IOC" list
# Each login's LUN 0 as the stand-in ib_srp's SCSI scan found it: a LIO RAM disk.
"$bin" list --sysfs-root "$root" -f json >"$work/list.json" || bad "list -f json failed" list
[ "$(grep -c '"vendor": "LIO-ORG"' "$work/list.json")" -eq 3 ] &&
    [ "$(grep -c '"model": "RAMDISK-MCP"' "$work/list.json")" -eq 3 ] ||
    bad "list -f json does not show the three LUNs' vendor and model" list -f json
"$bin" list --sysfs-root "$root" --multipath-conf >"$work/multipath.conf" ||
    bad "list --multipath-conf failed" list --multipath-conf
grep -qF 'product "^RAMDISK-MCP$"' "$work/multipath.conf" ||
    bad "no device entry for the LUNs" list --multipath-conf
# SIGHUP reloads, SIGUSR1 rescans; neither logs anything in twice.
kill -HUP "$pid"
wait_for 5 logged "configuration reloaded" || bad "no reload in the log" daemon
kill -USR1 "$pid"
sleep 1
has_hosts 3 || bad "a reload or rescan changed the logins ($(hosts) hosts)" daemon
stop

# A second daemon on the same host finds the logins there and adds none.
start
wait_for 10 logged "connected as host" || bad "the second run did not see the logins" daemon
sleep 1
has_hosts 3 || bad "the second run logged in again ($(hosts) hosts)" daemon
logged "EEXIST" && bad "the second run wrote a login that was there" daemon
stop

# connect-all run by hand while the daemon's login is under way: it waits for the port's lock,
# finds the daemon's login and writes nothing (one login, never two).
race=$work/race.fabric
sed '/^target "storage1 mlx5_0"\/1/a\    login-delay 3s' \
    "$src/examples/fabrics/two-targets.fabric" >"$race"
printf '[defaults]\ndefault-deny = yes\n\n[target]\naction = allow\nid-ext = 0002c90300b00020\n' \
    >"$work/only1.conf"
root=$work/race-host
"$bin" daemon --fabric "$race" --sysfs-root "$root" --config "$work/only1.conf" \
    --log-level debug 2>"$log" &
pid=$!
wait_for 10 logged "0002C90300B00020.*: connecting" || bad "the daemon's login did not start" daemon
"$bin" connect-all --fabric "$race" --sysfs-root "$root" --config "$work/only1.conf" \
    >"$work/race.out" 2>&1
status=$?
[ "$status" -eq 0 ] || bad "connect-all beside the daemon: exit status $status" connect-all
grep -q "already connected as host0 (logged in meanwhile by another srpadm; nothing was written)" \
    "$work/race.out" || bad "connect-all did not wait for the daemon's login: $(cat "$work/race.out")" \
    connect-all
has_hosts 1 || bad "$(hosts) hosts after the race" connect-all
[ ! -s "$root/class/infiniband_srp/srp-mlx5_0-1/add_target" ] ||
    bad "connect-all wrote a login" connect-all
stop

# Never the real /sys, nor a directory that holds something else.
expect 2 "" "srpadm-sim daemon runs a simulated host: give --sysfs-root DIR" \
    daemon --fabric "$fab" --config none
mkdir -p "$work/other" && touch "$work/other/file"
expect 2 "" "not empty, and not a host tree laid out for $fab" \
    daemon --fabric "$fab" --config none --sysfs-root "$work/other"

finish
