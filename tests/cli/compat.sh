#!/usr/bin/env bash
# srpadm as srp_daemon and ibsrpdm (`compat srp_daemon|ibsrpdm -- ARGS`) through the real
# srpadm-sim binary:
# - on every bundled example fabric, `srp_daemon -o -a -c` prints exactly srpadm's add-target
#   format, `-o -a -c -n` the same with initiator_ext, `-o` the listing discover prints, and
#   ibsrpdm (-c and the listing) the same;
# - on the host1 fixture (SCSI hosts already there, ib_srp with immediate data): -c without
#   -a leaves the connected targets out, the rules file denies and appends its options, -e
#   writes through a stand-in ib_srp (with -l's tl_retry_count), a named rules file that is
#   missing is an error, the usage on bad options, -v's configuration report.
# (tests/ibsim compares the same output with the real srp_daemon under libumad2sim.)
# Usage: compat.sh <path-to-srpadm-sim> <source-dir>
set -u
bin=$1 src=$2
# shellcheck source=lib/host.sh
source "$src/tests/cli/lib/host.sh"
config=$src/tests/fixtures/config
fabrics=$src/examples/fabrics
empty_rules=$work/empty.rules
: >"$empty_rules"
empty_root=$work/empty-sysfs
mkdir -p "$empty_root"

# same DESCRIPTION A... ::: B...: both commands exit 0 with the same standard output.
same() {
    local what=$1 a_out a_status
    shift
    local -a a=() b=()
    while [ "$1" != ::: ]; do a+=("$1"); shift; done
    shift
    b=("$@")
    run "${a[@]}"
    a_out=$out a_status=$status
    run "${b[@]}"
    if [ "$a_status" -ne 0 ] || [ "$status" -ne 0 ] || [ "$a_out" != "$out" ] || [ -z "$out" ]; then
        bad "$what: '${a[*]}' (status $a_status) and '${b[*]}' differ" "${b[@]}"
        diff <(printf '%s' "$a_out") <(printf '%s' "$out") | head -20
    fi
}

for f in "$fabrics"/*.fabric; do
    name=$(basename "$f" .fabric)
    sd=(compat srp_daemon --fabric "$f" --sysfs-root "$empty_root" --)
    dis=(discover --fabric "$f" --sysfs-root "$empty_root")
    same "$name: -o -a -c" "${sd[@]}" -o -a -c -f "$empty_rules" ::: "${dis[@]}" -f add-target
    same "$name: -oac, default rules file" "${sd[@]}" -oac ::: "${dis[@]}" -f add-target
    same "$name: -o -a -c -n" "${sd[@]}" -o -a -c -n -f "$empty_rules" ::: \
        "${dis[@]}" -f add-target --initiator-ext port-guid
    same "$name: -o" "${sd[@]}" -o -f "$empty_rules" ::: "${dis[@]}"
    same "$name: ibsrpdm -c" compat ibsrpdm --fabric "$f" --sysfs-root "$empty_root" -- -c ::: \
        "${dis[@]}" -f add-target
    same "$name: ibsrpdm" compat ibsrpdm --fabric "$f" --sysfs-root "$empty_root" -- ::: "${dis[@]}"
done

# ---- the host1 fixture: connected targets, rules, immediate data ----------------------------
sd=(compat srp_daemon --fabric "$fabric" --sysfs-root "$fixture" --)
tgt_a="id_ext=0002C90300D00010,ioc_guid=0002c90300d00010,dgid=fe800000000000000002c90300d00011,pkey=ffff,service_id=0002c90300d00010"
tgt_b="id_ext=0002C90300E00010,ioc_guid=0002c90300e00010,dgid=fe800000000000000002c90300e00011,pkey=ffff,service_id=0002c90300e00010"
tgt_c="id_ext=0002C90300F00010,ioc_guid=0002c90300f00010,dgid=fe800000000000000002c90300f00011,pkey=ffff,service_id=0002c90300f00010"
tgt_c8="id_ext=0002C90300F00010,ioc_guid=0002c90300f00010,dgid=fe800000000000000002c90300f00011,pkey=8001,service_id=0002c90300f00010"
tgt_d="id_ext=20030003BA27CC7A,ioc_guid=0005ad00000013e7,dgid=fe800000000000000005ad00000013e9,pkey=ffff,service_id=0000000000000066,io_class=ff00"
# lines LINE...: the lines as the output holds them, the last newline included.
lines() { printf '%s\n' "$@"; printf x; }
is() { [ "$out" = "$(lines "$@")" ] || [ "${out}x" = "$(lines "$@")" ]; }

# Without -a, what is connected (host7: tgt_a; host9: tgt_c on P_Key 8001) is left out.
expect 0 "" "" "${sd[@]}" -o -c -f "$empty_rules"
is "$tgt_b" "$tgt_c" "$tgt_d,max_it_iu_size=4096" || bad "-o -c" -o -c
expect 0 "" "" "${sd[@]}" -o -c -a -f "$empty_rules"
is "$tgt_a" "$tgt_b" "$tgt_c" "$tgt_c8" "$tgt_d,max_it_iu_size=4096" ||
    bad "-o -c -a" -o -c -a
# The rules file: tgt_b and tgt_d denied, tgt_c allowed with options (srp_daemon's order:
# io_class, initiator_ext, the rule's options, max_it_iu_size).
expect 0 "" "" "${sd[@]}" -o -c -a -n -f "$config/srp_daemon.conf"
is "$tgt_a,initiator_ext=0002c90300d00011" \
    "$tgt_c,initiator_ext=0002c90300f00011,queue_size=128,max_cmd_per_lun=128" \
    "$tgt_c8,initiator_ext=0002c90300f00011,queue_size=128,max_cmd_per_lun=128" ||
    bad "rules and -n" -o -c -a -n -f srp_daemon.conf
# -l is written with -e only: a dry run prints no tl_retry_count.
expect 0 "$tgt_b"$'\n' "" "${sd[@]}" -o -c -l 3 -f "$empty_rules"

# -e through a stand-in ib_srp: the lines written carry tl_retry_count, -c echoes them.
fresh_sysfs
fake_kernel mlx5_1 1
expect 0 "$tgt_b,tl_retry_count=3"$'\n' "" compat srp_daemon --fabric "$fabric" \
    --sysfs-root "$sysfs" -- -o -e -c -l 3 -f "$empty_rules"
[ "$(cat "$sysfs/add_target.log"; printf x)" = "$(lines "$tgt_b,tl_retry_count=3" "$tgt_c,tl_retry_count=3" \
    "$tgt_d,tl_retry_count=3,max_it_iu_size=4096")" ] || bad "-o -e -l 3 wrote other lines" -o -e
# Again: everything is connected, nothing more is written, nothing printed without -a.
expect 0 "" "" compat srp_daemon --fabric "$fabric" --sysfs-root "$sysfs" -- -o -e -c \
    -f "$empty_rules"
[ -z "$out" ] || bad "a second -o -e -c printed lines" -o -e -c
[ "$(wc -l <"$sysfs/add_target.log")" -eq 3 ] || bad "a second -o -e wrote a login" -o -e

# Failures are visible and not 0: a missing named rules file, a bad option, a bad number.
expect 3 "" "$work/missing.rules: no such rules file" "${sd[@]}" -o -c -f "$work/missing.rules"
expect 2 "" "unknown option -Z" "${sd[@]}" -o -Z
[[ "$err" == *"Usage: srp_daemon [-vVcaeon]"* ]] || bad "no usage after a bad option" -Z
expect 2 "" "option -t: '5s' is not a timeout in milliseconds" "${sd[@]}" -o -t 5s
expect 2 "" "option -j: 'mlx5_1' is not DEVICE:PORT" "${sd[@]}" -o -j mlx5_1
expect 2 "" "option -l: '9' is not a tl_retry_count (2..7)" "${sd[@]}" -o -l 9
expect 0 "Usage: ibsrpdm [-vc] [-d <umad device>]" "" compat ibsrpdm --fabric "$fabric" -- -h
# A device the host does not have (srpadm itself, on the fixture's sysfs): srp_daemon exited
# 0; this is exit status 4, and the error is on standard error.
real=(compat srp_daemon --sysfs-root "$fixture" --)
bin_sim=$bin
bin=$(dirname "$bin_sim")/srpadm
expect 4 "" "mlx9_9" "${real[@]}" -o -c -i mlx9_9 -f "$empty_rules"
SYSFS_PATH=$fixture expect 4 "" "mlx9_9" compat srp_daemon -- -o -i mlx9_9
# Without -o the same: it stops with status 4 instead of waiting for a port that is not there.
expect 4 "" "mlx9_9" "${real[@]}" -c -i mlx9_9 -f "$empty_rules"
# -e -d: the daemon serves the port the umad device names (the -v report shows it), and a umad
# device that is not there stops it with status 4 and the devices there are.
fresh_sysfs
"$bin" compat srp_daemon --sysfs-root "$sysfs" -- -e -v -d /dev/infiniband/umad2 \
    -f "$empty_rules" >"$work/d.out" 2>"$work/d.err" &
pid=$!
has_report() { grep -q "IB port .*: 2" "$work/d.out"; }
wait_for 10 has_report || bad "no -v report for umad2 ($(cat "$work/d.out" "$work/d.err"))" -e -d
grep -q 'Device name .*: "mlx5_1"' "$work/d.out" || bad "-d umad2 is not mlx5_1:2" -e -d
kill -TERM "$pid"
wait "$pid" || bad "exit status $? after SIGTERM" -e -d
expect 4 "" "umad device '/dev/infiniband/umad99' does not exist" \
    compat srp_daemon --sysfs-root "$sysfs" -- -e -d /dev/infiniband/umad99 -f "$empty_rules"
bin=$bin_sim

# -v: srp_daemon's configuration report first, then the listing with the controller slots.
expect 0 " configuration report" "" "${sd[@]}" -o -v -R 60 -f "$empty_rules"
[[ "$out" == *" Device name                "$'\t\t'": \"mlx5_1\""* &&
    "$out" == *" Performs full target rescan every 60 seconds"* &&
    "$out" == *"    controller[  1]: present"* ]] || bad "the -v report or the slots" -o -v
# Neither -o nor -e: the lines every -R seconds until SIGTERM, which ends it with status 0.
"$bin" compat srp_daemon --fabric "$fabrics/two-targets.fabric" --sysfs-root "$empty_root" -- \
    -c -a -R 1 -f "$empty_rules" >"$work/watch.out" 2>"$work/watch.err" &
pid=$!
passes() { [ "$(grep -c 'id_ext=0002C90300B00020' "$work/watch.out")" -ge "$1" ]; }
wait_for 15 passes 2 || bad "no second pass after -R 1 ($(cat "$work/watch.out"))" -c -a -R 1
kill -TERM "$pid"
wait "$pid"
status=$?
[ "$status" -eq 0 ] || bad "exit status $status after SIGTERM ($(cat "$work/watch.err"))" -c -R 1

# -o -e when the kernel takes the lines but no SCSI host stays: each target named on stderr,
# a non-zero status (srp_daemon never looked).
fresh_sysfs
fake_kernel mlx5_1 1 vanish
printf 'a ioc_guid=0002c90300e00010\nd\n' >"$work/only-b.rules"
expect 7 "" "no SCSI host for it is left" compat srp_daemon --fabric "$fabric" \
    --sysfs-root "$sysfs" -- -o -e -f "$work/only-b.rules"

# -e without -o: the daemon on a simulated host (its stand-in ib_srp), with the rules file
# (the denied targets stay out) and -n; SIGTERM ends it with exit status 0.
root=$work/daemon-host
log=$work/daemon.log
printf 'd id_ext=0002C90300C00130\n' >"$work/deny-one.rules"
"$bin" compat srp_daemon --fabric "$fabrics/two-targets.fabric" --sysfs-root "$root" -- \
    -e -c -n -R 60 -f "$work/deny-one.rules" >"$work/daemon.out" 2>"$log" &
pid=$!
hosts() { find "$root/class/scsi_host" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
has_hosts() { [ "$(hosts)" -eq "$1" ]; }
wait_for 15 has_hosts 2 || bad "the daemon did not log in to the two allowed targets ($(hosts))" -e
sleep 1
has_hosts 2 || bad "the daemon logged in to a denied target" -e
grep -rqs "0002C90300C00130\|0x0002c90300c00130" "$root/class/scsi_host"/*/id_ext &&
    bad "a denied target has a SCSI host" -e
grep -q "connected as host" "$log" || bad "no login in the daemon's log" -e
# -c: each line on standard output as it is written, with -n's initiator_ext.
[ "$(grep -c '^id_ext=.*,initiator_ext=0002c903' "$work/daemon.out")" -eq 2 ] ||
    bad "-e -c did not echo the two lines written ($(cat "$work/daemon.out"))" -e -c -n
kill -TERM "$pid"
wait "$pid"
status=$?
[ "$status" -eq 0 ] || bad "exit status $status after SIGTERM" -e
finish
