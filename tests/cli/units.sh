#!/usr/bin/env bash
# The systemd unit and the udev rule: systemd-analyze verifies the unit (with ExecStart pointed
# at the srpadm under test), the rule starts exactly that unit with DEV:PORT as its instance,
# and srpadm accepts the unit's command line with such an instance.
# Usage: units.sh <path-to-srpadm> <source-dir>
set -u
bin=$(realpath "$1") src=$2
out= err= status=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
errf=$work/stderr
source "$src/tests/cli/lib/common.sh"

template=$src/systemd/srpadm-connect@.service.in
rules=$src/udev/60-srpadm.rules
unit=$work/srpadm-connect@.service
sed "s|@SRPADM_SBINDIR@/srpadm|$bin|" "$template" >"$unit"
grep -q '@' <(grep -v '^#' "$unit" | grep -v '%I') && { out=$(cat "$unit"); bad "a placeholder is left in the unit" sed; }

# systemd's own parser: any complaint (an unknown key, a bad value, a missing program) fails.
out=$(systemd-analyze verify --man=no "$unit" 2>&1)
status=$?
[ "$status" -eq 0 ] && [ -z "$out" ] || bad "systemd-analyze verify complains about the unit" "$unit"

# The rule: one line that matches umad devices of InfiniBand ports and wants the unit above.
mapfile -t lines < <(grep -v -e '^#' -e '^$' "$rules")
[ "${#lines[@]}" -eq 1 ] || { out=${lines[*]}; bad "the rules file should hold one rule" "$rules"; }
rule=${lines[0]:-}
for part in 'ACTION=="add"' 'SUBSYSTEM=="infiniband_mad"' 'KERNEL=="umad*"' 'RESULT=="InfiniBand"' \
    'TAG+="systemd"' 'ENV{SYSTEMD_WANTS}+="srpadm-connect@$attr{ibdev}:$attr{port}.service"'; do
    [[ "$rule" == *"$part"* ]] || { out=$rule; bad "the rule lacks $part" "$rules"; }
done
# Every assignment and match is KEY op "value", comma-separated (udev's syntax).
key='[A-Z_]+(\{[A-Za-z_]+\})?'
pair="$key(==|!=|=|\\+=|:=)\"[^\"]*\""
[[ "$rule" =~ ^$pair(,\ $pair)*$ ]] || { out=$rule; bad "the rule is not a list of KEY op \"value\"" "$rules"; }

# The unit's command line with an instance the rule makes: srpadm parses it (no usage error,
# exit 2) and gets as far as opening the port's umad device, which this machine lacks.
exec_line=$(sed -n 's/^ExecStart=//p' "$unit")
read -r -a argv <<<"${exec_line//%I/mlx5_1:1}"
[ "${argv[0]}" = "$bin" ] || { out=$exec_line; bad "ExecStart does not run srpadm" "$unit"; }
run_srpadm "${argv[@]:1}" --sysfs-root "$src/tests/fixtures/sysfs/host1" --config none
[ "$status" -ne 2 ] || bad "srpadm refuses the unit's command line" "${argv[@]:1}"
[[ "$err" == *"umad"* ]] || bad "srpadm did not get as far as the umad device" "${argv[@]:1}"

# The one-shot unit steps aside for the daemon: with srpadm.service enabled its ExecCondition=
# starts the daemon (without waiting) and exits 1, which skips the unit; without it, it exits 0
# and the login runs. A stand-in systemctl records what it was asked.
cond=$(sed -n 's/^ExecCondition=//p' "$unit")
[[ "$cond" == "/bin/sh -c '"*"'" ]] || { out=$cond; bad "ExecCondition= is not one /bin/sh -c '...'" "$unit"; }
script=${cond#"/bin/sh -c '"}
script=${script%"'"}
mkdir -p "$work/fakebin"
cat >"$work/fakebin/systemctl" <<'SH'
#!/bin/sh
echo "$*" >>"$SYSTEMCTL_LOG"
case "$*" in
  "-q is-enabled srpadm.service") exit "$DAEMON_DISABLED" ;;
esac
exit 0
SH
chmod +x "$work/fakebin/systemctl"
for disabled in 0 1; do
    : >"$work/systemctl.log"
    PATH=$work/fakebin:$PATH SYSTEMCTL_LOG=$work/systemctl.log DAEMON_DISABLED=$disabled /bin/sh -c "$script"
    status=$?
    out=$(cat "$work/systemctl.log")
    if [ "$disabled" -eq 0 ]; then
        [ "$status" -eq 1 ] && [ "$out" = $'-q is-enabled srpadm.service\n-q --no-block start srpadm.service' ] ||
            bad "with the daemon enabled the one-shot unit should start it and be skipped" "$cond"
    else
        [ "$status" -eq 0 ] && [ "$out" = "-q is-enabled srpadm.service" ] ||
            bad "without the daemon the one-shot unit should run" "$cond"
    fi
done

# The daemon's unit: systemd's parser, Type=notify running `srpadm daemon`, reload by SIGHUP,
# and a sandbox that leaves the daemon what it needs.
dunit=$work/srpadm.service
sed "s|@SRPADM_SBINDIR@/srpadm|$bin|" "$src/systemd/srpadm.service.in" >"$dunit"
out=$(systemd-analyze verify --man=no "$dunit" 2>&1)
status=$?
[ "$status" -eq 0 ] && [ -z "$out" ] || bad "systemd-analyze verify complains about the daemon's unit" "$dunit"
for line in 'Type=notify' "ExecStart=$bin daemon" 'ExecReload=kill -HUP $MAINPID' \
    'Restart=on-failure' 'RuntimeDirectory=srpadm' 'ProtectSystem=strict'; do
    grep -qxF -- "$line" "$dunit" || { out=$line; bad "the daemon's unit lacks this line" "$dunit"; }
done
# Settings that would make the sysfs files it writes read-only or hide them (ProtectSystem=strict
# leaves /sys writable), cut the uevents or move RDMA/CM logins to another network namespace,
# or hide the umad and verbs devices.
for key in ProtectKernelTunables PrivateNetwork PrivateDevices ReadOnlyPaths InaccessiblePaths \
    TemporaryFileSystem PrivateMounts RootDirectory RootImage; do
    grep -q "^$key=" "$dunit" && { out=$(grep "^$key=" "$dunit"); bad "$key= breaks the daemon" "$dunit"; }
done
# systemd's own exposure figure: below 4.0 ("OK").
out=$(systemd-analyze security --offline=true "$dunit" 2>&1)
level=$(sed -n 's/.*Overall exposure level for srpadm.service: \([0-9.]*\) .*/\1/p' <<<"$out")
awk -v l="$level" 'BEGIN { exit !(l != "" && l + 0 < 4.0) }' ||
    bad "exposure level '$level', not below 4.0" "$dunit"
echo "srpadm.service: exposure level $level"
# srpadm accepts the unit's command line: the daemon starts (on a fixture without umad
# devices it waits for a port) and SIGTERM ends it with status 0.
read -r -a argv <<<"$(sed -n 's/^ExecStart=//p' "$dunit")"
"${argv[@]}" --sysfs-root "$src/tests/fixtures/sysfs/host1" --config none \
    --run-dir "$work/run" 2>"$work/daemon.log" &
pid=$!
sleep 1
kill -TERM "$pid"
wait "$pid"
status=$?
[ "$status" -eq 0 ] || { out=$(cat "$work/daemon.log"); bad "the unit's daemon exited $status" "${argv[@]}"; }

if [ "$failures" -ne 0 ]; then
    echo "$failures failure(s)"
    exit 1
fi
echo "all passed"
