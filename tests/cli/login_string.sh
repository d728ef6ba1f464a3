#!/usr/bin/env bash
# srpadm login-string through the real binary: exact stdout and exit statuses
# (0 ok, 2 usage, 3 invalid value with the option named on stderr).
# Usage: login_string.sh <path-to-srpadm> <source-dir>
set -u
bin=$1
errf=$(mktemp)
trap 'rm -f "$errf"' EXIT
source "$2/tests/cli/lib/common.sh"

# run ARGS...: runs srpadm login-string ARGS.
run() {
    run_srpadm login-string "$@"
}

# ok WANT ARGS...: exit 0, stdout is WANT and one newline, stderr empty.
ok() {
    local want=$1
    shift
    run "$@"
    if [ "$status" -ne 0 ] || [ "$out" != "$want"$'\n' ] || [ -n "$err" ]; then
        bad "expected status 0 and: $want" "$@"
    fi
}

# refused STATUS STDERR-TEXT ARGS...: exit STATUS, no stdout, stderr contains STDERR-TEXT.
refused() {
    local want_status=$1 want_err=$2
    shift 2
    run "$@"
    if [ "$status" -ne "$want_status" ] || [ -n "$out" ] || [[ "$err" != *"$want_err"* ]]; then
        bad "expected status $want_status and stderr containing: $want_err" "$@"
    fi
}

ib=(--id-ext 20030003BA27CC7A --ioc-guid 0005ad00000013e7
    --dgid fe800000000000000005ad00000013e9 --pkey ffff --service-id 0000000000000066)
line="id_ext=20030003BA27CC7A,ioc_guid=0005ad00000013e7,dgid=fe800000000000000005ad00000013e9,pkey=ffff,service_id=0000000000000066"
suffixed="$line,initiator_ext=0005ad00000013e9,tl_retry_count=3,queue_size=128,max_cmd_per_lun=128,max_it_iu_size=4096"

# Rendering: srp_daemon's lines byte for byte.
ok "$line" "${ib[@]}"
ok "$suffixed" "${ib[@]}" -o initiator_ext=0005ad00000013e9 -o tl_retry_count=3 \
    -o queue_size=128 -o max_cmd_per_lun=128 -o max_it_iu_size=4096
ok "$line,io_class=ff00" "${ib[@]}" -o io_class=ff00
ok "$line" --id-ext 20030003BA27CC7A --ioc-guid 0x5ad00000013e7 \
    --dgid fe80:0:0:0:5:ad00:0:13e9 --pkey 0xFFFF --service-id 66
ok "id_ext=1,ioc_guid=0000000000000002,dest=192.168.1.10:4420,src=192.168.1.2" \
    --id-ext 1 --ioc-guid 2 --dest 192.168.1.10:4420 --src 192.168.1.2
ok "id_ext=1,ioc_guid=0000000000000002,dest=[fe80::5054:ff:fe4a:b7b%rxe0]:4420,ch_count=2" \
    --id-ext 1 --ioc-guid 2 --dest '[fe80::5054:ff:fe4a:b7b%rxe0]:4420' -o ch_count=2

# No length limit: 60 options give a line far past srp_daemon's 255 bytes.
many=()
long="$line"
for i in $(seq 100 159); do
    many+=(-o "queue_size=$i")
    long="$long,queue_size=$i"
done
ok "$long" "${ib[@]}" "${many[@]}"
[ ${#long} -gt 900 ] || { echo "FAIL: long line only ${#long} bytes"; failures=$((failures + 1)); }

# --check prints the canonical line.
ok "$suffixed" --check "$suffixed"
ok "$line" --check $'service_id=66\npkey=0xFFFF,dgid=FE800000000000000005AD00000013E9,,ioc_guid=5ad00000013e7,id_ext=20030003BA27CC7A\n'
ok "id_ext=1,ioc_guid=0000000000000002,dest=[::1]:4420,queue_size=64,queue_size=32" \
    --check 'queue_size=64,id_ext=1,dest=[::1]:4420,ioc_guid=2,queue_size=32'

# Invalid values: status 3, the option and the value named.
refused 3 "srpadm: tl_retry_count=9: must be 2..7" "${ib[@]}" -o tl_retry_count=9
refused 3 "srpadm: queue_size=1: must be 2..2147483647" "${ib[@]}" -o queue_size=1
refused 3 "srpadm: pkey=10000: must be at most ffff" "${ib[@]:0:6}" --pkey 10000 \
    --service-id 66
refused 3 "srpadm: ioc_guid=xyz: must be 1-16 hex digits" --id-ext 1 --ioc-guid xyz --dest 1.2.3.4:5
refused 3 "srpadm: id_ext=0x12: must be 1-16 hex digits without a 0x prefix" \
    --id-ext 0x12 --ioc-guid 2 --dest 1.2.3.4:5
refused 3 "srpadm: dgid=fe80: must be 32 hex digits" --id-ext 1 --ioc-guid 2 --dgid fe80 \
    --pkey ffff --service-id 1
refused 3 "srpadm: dest=storage1:4420: 'storage1' is not an IP address" \
    --id-ext 1 --ioc-guid 2 --dest storage1:4420
refused 3 "srpadm: dest=10.0.0.1: needs a port" --id-ext 1 --ioc-guid 2 --dest 10.0.0.1
refused 3 "srpadm: src=[::1]: must be of the same address family as dest=10.0.0.1:4420" \
    --id-ext 1 --ioc-guid 2 --dest 10.0.0.1:4420 --src '[::1]'
refused 3 "srpadm: unknown option 'queue_depth'" "${ib[@]}" -o queue_depth=4
refused 3 "srpadm: queue_size=010: must be a decimal number 2..2147483647 without leading zeros" \
    --check "$line,queue_size=010"
refused 3 "srpadm: dest given twice" --check 'id_ext=1,ioc_guid=2,dest=1.2.3.4:5,dest=1.2.3.4:6'
refused 3 "srpadm: login string lacks a mandatory set" --check 'id_ext=1,ioc_guid=2'
refused 3 "srpadm: login string lacks a mandatory set" --check ''
refused 3 "srpadm: 'pkey' has no value (expected pkey=VALUE)" --check "$line,pkey"

# Usage errors: status 2.
refused 2 "needs --id-ext and --ioc-guid" 
refused 2 "needs --id-ext and --ioc-guid" --id-ext 1 --dest 1.2.3.4:5
refused 2 "not both" --id-ext 1 --ioc-guid 2 --dest 1.2.3.4:5 --dgid fe800000000000000005ad00000013e9
refused 2 "--src needs --dest" --id-ext 1 --ioc-guid 2 --src 1.2.3.4 "${ib[@]:4}"
refused 2 "needs --dgid, --pkey and --service-id" --id-ext 1 --ioc-guid 2 \
    --dgid fe800000000000000005ad00000013e9
refused 2 "'queue_size' is not KEY=VALUE" "${ib[@]}" -o queue_size
refused 2 "'dgid=1' is an address key; use --dgid instead" "${ib[@]}" -o dgid=1
refused 2 "excludes" --check "$line" --id-ext 1
refused 2 "bogus" "${ib[@]}" --bogus

if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed"
    exit 1
fi
echo "login-string: all checks passed"
