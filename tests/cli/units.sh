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

if [ "$failures" -ne 0 ]; then
    echo "$failures failure(s)"
    exit 1
fi
echo "all passed"
