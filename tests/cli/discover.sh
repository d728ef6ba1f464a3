#!/usr/bin/env bash
# srpadm discover through the real binary on the example fabrics: exact add_target lines
# (srp_daemon -o -a -c), the text listing against a golden file written by hand from
# srp_daemon's format, the JSON document (checked with jq), exit status 6 with warnings on a
# fabric with a failing port, 4 when the local port goes down, 2 for a missing file.
# Usage: discover.sh <path-to-srpadm> <source-dir>
set -u
bin=$1
src=$2
fabrics=$src/examples/fabrics
subcommand=discover
# shellcheck source=lib/run.sh
source "$(dirname "$0")/lib/run.sh"
downed=$(mktemp --suffix=.fabric)
cleanup+=("$downed")

# lines FABRIC LINE...: `-f add-target` prints exactly these lines, exit 0, nothing on stderr.
lines() {
    local fabric=$1
    shift
    local want
    want=$(printf '%s\n' "$@"; printf x)
    want=${want%x}
    run --fabric "$fabrics/$fabric.fabric" -f add-target
    if [ "$status" -ne 0 ] || [ "$out" != "$want" ] || [ -n "$err" ]; then
        bad "expected status 0 and the add_target lines of $fabric" --fabric "$fabric" -f add-target
        diff <(printf '%s' "$want") <(printf '%s' "$out")
    fi
}

# jcheck DESCRIPTION JQ-FILTER: the filter is true of the JSON in $out.
jcheck() {
    if ! printf '%s' "$out" | jq -e "$2" >/dev/null; then
        bad "JSON: $1 ($2)" -f json
    fi
}

# ---- add_target lines, byte for byte what srp_daemon -o -a -c prints ------------------------

lines two-targets \
    "id_ext=0002C90300B00020,ioc_guid=0002c90300b00020,dgid=fe800000000000000002c90300b00021,pkey=ffff,service_id=0002c90300b00020" \
    "id_ext=0002C90300C00030,ioc_guid=0002c90300c00030,dgid=fe800000000000000002c90300c00031,pkey=ffff,service_id=0002c90300c00030" \
    "id_ext=0002C90300C00130,ioc_guid=0002c90300c00130,dgid=fe800000000000000002c90300c00031,pkey=ffff,service_id=0002c90300c00130"

many=()
for i in 0 1 2 3 4 5 6 7 8; do
    many+=("id_ext=0002C90300B1002$i,ioc_guid=0002c90300b10020,dgid=fe800000000000000002c90300b10021,pkey=ffff,service_id=0002c90300b1002$i")
done
lines many-services "${many[@]}"

lines partitions \
    "id_ext=0002C90300D20010,ioc_guid=0002c90300d20010,dgid=fe800000000000000002c90300d20011,pkey=8001,service_id=0002c90300d20010" \
    "id_ext=0002C90300D20020,ioc_guid=0002c90300d20020,dgid=fe800000000000000002c90300d20021,pkey=8001,service_id=0002c90300d20020" \
    "id_ext=0002C90300D20020,ioc_guid=0002c90300d20020,dgid=fe800000000000000002c90300d20021,pkey=8002,service_id=0002c90300d20020"

lines mixed \
    "id_ext=0002c90300e30010,ioc_guid=0002c90300e30010,dgid=fe800000000000000002c90300e30011,pkey=ffff,service_id=0002c90300e30010" \
    "id_ext=0002C90300E30020,ioc_guid=0002c90300e30020,dgid=fe800000000000000002c90300e30021,pkey=ffff,service_id=0002c90300e30020,io_class=ff00" \
    "id_ext=0002C90300E30130,ioc_guid=0002c90300e30230,dgid=fe800000000000000002c90300e30031,pkey=ffff,service_id=0002c90300e30130"

# srp_daemon -n: initiator_ext is the target port GUID.
run --fabric "$fabrics/two-targets.fabric" -f add-target --initiator-ext port-guid
case $out in
    "id_ext=0002C90300B00020,ioc_guid=0002c90300b00020,dgid=fe800000000000000002c90300b00021,pkey=ffff,service_id=0002c90300b00020,initiator_ext=0002c90300b00021"$'\n'*) ;;
    *) bad "expected initiator_ext=<target port GUID>" --initiator-ext port-guid ;;
esac

# ---- the text listing -------------------------------------------------------------------------

golden=$src/tests/cli/golden/two-targets.txt
for format in "" "-f text"; do
    # shellcheck disable=SC2086
    run --fabric "$fabrics/two-targets.fabric" $format
    if [ "$status" -ne 0 ] || [ -n "$err" ] || ! diff -q "$golden" <(printf '%s' "$out") >/dev/null; then
        bad "listing differs from tests/cli/golden/two-targets.txt" $format
        diff "$golden" <(printf '%s' "$out")
    fi
done

# ---- JSON -------------------------------------------------------------------------------------

run --fabric "$fabrics/two-targets.fabric" -f json
[ "$status" -eq 0 ] || bad "expected status 0" -f json
jcheck "schema" '.schema == "srpadm.discover/1"'
jcheck "local port" '.local_port == {ca: "mlx5_0", port: 1, lid: 2,
                                     gid: "fe800000000000000002c90300a00011", sm_lid: 1}'
jcheck "target fields" '[.targets[] | keys] | all(. == ["add_target", "dgid", "id_ext",
    "io_class", "ioc_guid", "ioc_id", "ioc_slot", "lid", "pkey", "send_size", "service_id",
    "service_name", "target_port_guid"])'
jcheck "first target" '.targets[0] == {
    id_ext: "0002C90300B00020", ioc_guid: "0x0002c90300b00020",
    dgid: "fe800000000000000002c90300b00021", pkey: "0xffff",
    service_id: "0x0002c90300b00020", io_class: "0x0100",
    target_port_guid: "0x0002c90300b00021", lid: 3, ioc_slot: 1, ioc_id: "SCST SRP target",
    service_name: "SRP.T10:0002C90300B00020", send_size: 8192,
    add_target: "id_ext=0002C90300B00020,ioc_guid=0002c90300b00020,dgid=fe800000000000000002c90300b00021,pkey=ffff,service_id=0002c90300b00020"}'
jcheck "targets in order" '[.targets[].id_ext] ==
    ["0002C90300B00020", "0002C90300C00030", "0002C90300C00130"]'
jcheck "slots" '[.targets[].ioc_slot] == [1, 1, 2]'
jcheck "no problems" '.problems == []'
jcheck "stats" '.stats == {dm_ports: 2, dm_ports_unchanged: 0, sa_requests: 4,
    sa_response_mads: 4, dm_requests: 8, retries: 0, timeouts: 0, elapsed_us: 750}'

run --fabric "$fabrics/mixed.fabric" -f json
jcheck "rev10 io_class" '[.targets[].io_class] == ["0x0100", "0xff00", "0x0100"]'
jcheck "rev10 add_target" '.targets[1].add_target | endswith(",io_class=ff00")'
jcheck "LIO id string" '.targets[0].ioc_id == "Linux SRP target"'

# ---- a fabric with a failing port: the targets found, warnings, status 6 ----------------------

failing=$src/tests/scenario/fabrics/failing-port.fabric
warn_hex="srpadm: warning: LID 0x0003 slot 1 service 1 'SRP.T10:NOT-HEX-AT-ALL': the id_ext is not 1-16 hex digits; skipped"
warn_dead="srpadm: warning: LID 0x0004 (GUID 0x0002c90300f50021): IOUnitInfo: no answer (4 attempts)"
run --fabric "$failing" -f add-target
if [ "$status" -ne 6 ] ||
   [ "$out" != "id_ext=0002C90300F50010,ioc_guid=0002c90300f50010,dgid=fe800000000000000002c90300f50011,pkey=ffff,service_id=0002c90300f50010"$'\n' ] ||
   [ "$err" != "$warn_hex"$'\n'"$warn_dead" ]; then
    bad "expected status 6, the good target and two warnings" --fabric failing-port.fabric
fi
run --fabric "$failing" -f add-target --retries 1 --timeout 50
[ "$status" -eq 6 ] && [[ $err == *"IOUnitInfo: no answer (2 attempts)"* ]] ||
    bad "expected status 6 and 2 attempts" --retries 1 --timeout 50
run --fabric "$failing" -f json
[ "$status" -eq 6 ] || bad "expected status 6" --fabric failing-port.fabric -f json
jcheck "problems listed" '.problems | length == 2 and (.[1] | contains("LID 0x0004"))'
jcheck "timeouts counted" '.stats.timeouts == 4 and .stats.retries == 3'
run --fabric "$failing"
[ "$status" -eq 6 ] && [[ $out == "IO Unit Info:"* ]] || bad "expected status 6 and a listing"

# ---- the local port goes down during the scan: status 4 ---------------------------------------

{ cat "$fabrics/two-targets.fabric"; echo 'event 300us port-down "host1 mlx5_0"/1'; } >"$downed"
run --fabric "$downed" -f add-target
if [ "$status" -ne 4 ] || [ -n "$out" ] ||
   [[ $err != *"port mlx5_0:1 went down during the scan"* ]]; then
    bad "expected status 4 and the port named" --fabric "two-targets + port-down"
fi

# ---- usage ------------------------------------------------------------------------------------

run --fabric "$src/tests/scenario/fabrics/no-such.fabric"
if [ "$status" -ne 2 ] || [ -n "$out" ] || [[ $err != *"no-such.fabric"* ]]; then
    bad "expected status 2 naming the missing file" --fabric no-such.fabric
fi
run --fabric "$fabrics/two-targets.fabric" -f yaml
[ "$status" -eq 2 ] && [ -z "$out" ] || bad "expected status 2 for an unknown format" -f yaml

finish
