#!/usr/bin/env bash
# srpadm-sim daemon with its control socket and metrics file, as real processes: srpadm status
# (text and JSON, with the daemon and without it), rescan, reload (a good and a bad
# configuration), and the metrics file read by a real Prometheus parser (python3's
# prometheus_client, from Debian's python3-prometheus-client).
# Usage: sim_daemon_control.sh <path-to-srpadm-sim> <source-dir>
set -u
bin=$1 src=$2
source "$src/tests/cli/lib/host.sh"

# two-targets with storage2 admitting nobody: its two IOCs are rejected (ECONNRESET) and
# retried, while storage1 connects.
fab=$work/acl.fabric
acl_fabric "$fab"
root=$work/host
log=$work/daemon.log
metrics=$work/srpadm.prom
conf=$work/srpadm.conf
printf '[defaults]\n' >"$conf"
sock=$root/.srpadm/srpadm.sock

json_is() { "$bin" status --sysfs-root "$root" -f json 2>/dev/null | jq -e "$1" >/dev/null; }

# Without the daemon: sysfs alone, the daemon's fields unknown.
mkdir -p "$root"
expect 0 "daemon: not running (no srpadm daemon listens on $sock)" "" status --sysfs-root "$root"
expect 8 "" "srpadm: no srpadm daemon listens on $sock" rescan --sysfs-root "$root"
expect 8 "" "srpadm: no srpadm daemon listens on $sock" reload --sysfs-root "$root"

"$bin" daemon --fabric "$fab" --sysfs-root "$root" --config "$conf" --retry-first 1 \
    --retry-max 2 --metrics-file "$metrics" 2>"$log" &
pid=$!
wait_for 10 test -S "$sock" || bad "no control socket at $sock" daemon
wait_for 15 json_is '[.targets[].paths[] | select(.state == "backing-off")] | length == 2' ||
    bad "storage2's two IOCs not backing off" status
wait_for 10 json_is '[.targets[].paths[] | select(.state == "connected")] | length == 1' ||
    bad "storage1 not connected" status

# Text: the port with its LID, traps and scan; storage1 connected with its SCSI host; storage2
# backing off with the kernel's error in words and the next try.
# (A retry may be under way at any instant: take a view with one backing off.)
text_backing_off() { run status --sysfs-root "$root" && [[ "$out" == *"backing-off  attempt"* ]]; }
wait_for 10 text_backing_off || bad "status text shows no target backing off" status
for want in "daemon: running, pid $pid" "port mlx5_0:1 (InfiniBand): up, LID 2, SM LID 1" \
    "  traps: subscribed, renewed " "  last scan: full " "3 target(s) on 2 I/O unit(s)" \
    "target id_ext 0002c90300b00020 ioc_guid 0x0002c90300b00020: connected through 1 of 1 port(s)" \
    "  mlx5_0:1   connected    host0 running" \
    "target id_ext 0002c90300c00030 ioc_guid 0x0002c90300c00030: connected through 0 of 1 port(s)" \
    "  mlx5_0:1   backing-off  attempt " "ECONNRESET" "; next try in " \
    "  warning: reachable on 1 port, connected through 0"; do
    [[ "$out" == *"$want"* ]] || bad "status text lacks '$want'" status
done
# JSON: the documented schema (docs/control-protocol.md).
json_is '.version == 1 and .daemon.running and (.daemon.pid | type) == "number"' ||
    bad "status JSON: daemon" status
json_is '.ports[0].daemon | .lid == 2 and .sm_lid == 1 and .subscribed and .last_scan.ok
    and .last_scan.targets == 3 and (.next_rescan_in_s > 3000)' || bad "status JSON: port" status
json_is '[.targets[].paths[] | select(.state == "backing-off") | .daemon
    | .failures >= 1 and .failures_by_reason.rejected >= 1 and (.last_error | test("ECONNRESET"))
    and .next_try_in_s != null] | all' || bad "status JSON: backing-off paths" status

# list asks the daemon too: the paths sysfs cannot show as missing.
run list --sysfs-root "$root"
[[ "$err" == *"srpadm: warning: target id_ext 0002c90300c00030 ioc_guid 0x0002c90300c00030: reachable on 1 port, connected through 0"* ]] ||
    bad "list does not warn about storage2's missing path" list

# rescan and reload through the socket.
expect 0 "rescanning mlx5_0:1" "" rescan --sysfs-root "$root"
expect 0 "rescanning mlx5_0:1" "" rescan --sysfs-root "$root" --port mlx5_0
expect 4 "" "srpadm: no served port matches mlx5_1 (served: mlx5_0:1)" \
    rescan --sysfs-root "$root" --port mlx5_1
expect 0 "configuration reloaded" "" reload --sysfs-root "$root"
printf '[defaults]\nbogus line\n' >"$conf"
expect 3 "" "srpadm: $conf:2:" reload --sysfs-root "$root"
grep -q "configuration not reloaded, the last good one stays" "$log" ||
    bad "the refused reload is not in the daemon's log" daemon
printf '[defaults]\n' >"$conf"

# Metrics: parsed by prometheus_client; the figures agree with the daemon's state.
wait_for 5 test -s "$metrics" || bad "no metrics file" metrics
sleep 1.5
# Debian's interpreter, which python3-prometheus-client installs for (not one earlier in PATH).
py=/usr/bin/python3
[ -x "$py" ] || py=python3
"$py" - "$metrics" >"$work/metrics.check" 2>&1 <<'PY' || bad "metrics: $(cat "$work/metrics.check")" metrics
import sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1]).read()
families = {f.name: f for f in text_string_to_metric_families(text)}
def samples(name, **labels):
    family = families[name[:-len("_total")] if name.endswith("_total") else name]
    return [s for s in family.samples
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]
def one(name, **labels):
    got = samples(name, **labels)
    assert len(got) == 1, (name, labels, got)
    return got[0].value
want_types = {
    "srpadm_info": "gauge", "srpadm_port_up": "gauge", "srpadm_port_subscribed": "gauge",
    "srpadm_targets_found": "gauge", "srpadm_targets_wanted": "gauge",
    "srpadm_targets_connected": "gauge", "srpadm_target_state": "gauge",
    # prometheus_client names counter families without the _total suffix
    "srpadm_login_attempts": "counter", "srpadm_login_failures": "counter",
    "srpadm_sa_mads_sent": "counter", "srpadm_dm_mads_sent": "counter",
    "srpadm_mad_timeouts": "counter", "srpadm_reports_received": "counter",
    "srpadm_subscriptions_renewed": "counter", "srpadm_scans": "counter",
    "srpadm_scan_failures": "counter", "srpadm_last_scan_duration_seconds": "gauge",
}
for name, kind in want_types.items():
    assert name in families, ("missing", name, sorted(families))
    assert families[name].type == kind, (name, families[name].type)
port = "mlx5_0:1"
assert one("srpadm_port_up", port=port) == 1
assert one("srpadm_targets_found", port=port) == 3
assert one("srpadm_targets_wanted", port=port) == 3
assert one("srpadm_targets_connected", port=port) == 1
storage1 = "0002c90300b00020,0002c90300b00020"
assert one("srpadm_target_state", port=port, target=storage1, state="connected") == 1
# storage2's two IOCs back off; at any instant one may be in a retry (connecting).
assert sum(len(samples("srpadm_target_state", port=port, state=st))
           for st in ("backing-off", "connecting")) == 2
assert one("srpadm_login_attempts_total", port=port, target=storage1) == 1
rejected = samples("srpadm_login_failures_total", port=port, reason="rejected")
assert len(rejected) == 2 and all(s.value >= 1 for s in rejected), rejected
assert one("srpadm_sa_mads_sent_total", port=port) >= 4
assert one("srpadm_dm_mads_sent_total", port=port) >= 8
assert one("srpadm_subscriptions_renewed_total", port=port) >= 1
assert one("srpadm_scans_total", port=port, kind="full") >= 3  # start, two rescans
assert one("srpadm_last_scan_duration_seconds", port=port) >= 0
print("ok", len(families), "families")
PY
[ -z "$(find "$work" -maxdepth 1 -name 'srpadm.prom.*.tmp')" ] || bad "a temporary metrics file was left" metrics
[ "$(stat -c %a "$metrics")" = 644 ] || bad "metrics file mode $(stat -c %a "$metrics"), want 644" metrics

# A second daemon on the same run directory stops at once.
run daemon --fabric "$fab" --sysfs-root "$root" --config "$conf"
[ "$status" -eq 8 ] && [[ "$err" == *"another srpadm daemon listens on $sock"* ]] ||
    bad "a second daemon did not stop with exit status 8" daemon

kill -TERM "$pid"
wait "$pid" || bad "exit status $? after SIGTERM" daemon
[ ! -e "$sock" ] || bad "the socket is left after the daemon stopped" daemon
expect 0 "daemon: not running" "" status --sysfs-root "$root"
finish
