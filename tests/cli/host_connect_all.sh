#!/usr/bin/env bash
# srpadm connect-all on the test fabric (tests/fixtures/fabrics/host1.fabric) against copies
# of the sysfs fixture: dry runs, srp_daemon's rules file, srpadm's configuration with
# drop-ins, refusals that write nothing, and logins through a stand-in for ib_srp.
# Usage: host_connect_all.sh <path-to-srpadm> <source-dir>
set -u
bin=$1 src=$2
source "$src/tests/cli/lib/host.sh"
config=$src/tests/fixtures/config
ca=(connect-all --fabric "$fabric" --config none)

tgt_b="id_ext=0002C90300E00010,ioc_guid=0002c90300e00010,dgid=fe800000000000000002c90300e00011,pkey=ffff,service_id=0002c90300e00010"
tgt_c="id_ext=0002C90300F00010,ioc_guid=0002c90300f00010,dgid=fe800000000000000002c90300f00011,pkey=ffff,service_id=0002c90300f00010"
tgt_d="id_ext=20030003BA27CC7A,ioc_guid=0005ad00000013e7,dgid=fe800000000000000005ad00000013e9,pkey=ffff,service_id=0000000000000066,io_class=ff00"

# Dry run: tgt-a is connected (host7), tgt-b only from mlx5_10 (host8: not this port),
# tgt-c on P_Key 8001 (host9) but not on ffff, tgt-d's host12 is lost.
golden connect-all-dry-run.txt "${ca[@]}" --sysfs-root "$fixture" --dry-run
golden connect-all-dry-run.json "${ca[@]}" --sysfs-root "$fixture" --dry-run -f json
expect 0 "$tgt_b,initiator_ext=0002c90300e00011,queue_size=128,ch_count=2"$'\n'"# then on its remote port: fast_io_fail_tmo=5, dev_loss_tmo=60" "" \
    "${ca[@]}" --sysfs-root "$fixture" --dry-run --initiator-ext port-guid --queue-size 128 \
    --ch-count 2 --fast-io-fail-tmo 5 --dev-loss-tmo 60

# srp_daemon's rules file (its last line has no newline): first match wins, implicit allow.
expect 0 $'\n'"$tgt_c,queue_size=128,max_cmd_per_lun=128"$'\n' "" \
    "${ca[@]}" --sysfs-root "$fixture" --dry-run --rules "$config/srp_daemon.conf"
[[ "$out" != *"$tgt_b"* && "$out" != *"$tgt_d"* ]] || bad "a denied target is in the dry run" --rules
expect 0 "denied by $config/srp_daemon.conf:2" "" \
    -v "${ca[@]}" --sysfs-root "$fixture" --dry-run --rules "$config/srp_daemon.conf"
# default-deny turns the implicit final allow into a deny.
expect 0 "denied by default-deny" "" \
    -v "${ca[@]}" --sysfs-root "$fixture" --dry-run --rules "$config/srp_daemon.conf" --default-deny yes

# srpadm's configuration and its drop-ins: default-deny, a port-scoped rule for tgt-d, a
# drop-in rule for tgt-b with its own initiator_ext policy and dev_loss_tmo.
expect 0 "$tgt_b,queue_size=64"$'\n'"# then on its remote port: fast_io_fail_tmo=5, dev_loss_tmo=30"$'\n' "" \
    connect-all --fabric "$fabric" --sysfs-root "$fixture" --dry-run --config "$config/srpadm.conf"
expect 0 "$tgt_d,initiator_ext=0005ad00000013e9,queue_size=32,target_can_queue=512,max_it_iu_size=4096" "" \
    connect-all --fabric "$fabric" --sysfs-root "$fixture" --dry-run --config "$config/srpadm.conf"
# The command line overrides the configuration.
expect 0 "$tgt_c" "" connect-all --fabric "$fabric" --sysfs-root "$fixture" --dry-run \
    --config "$config/srpadm.conf" --default-deny no

# Refusals: exit status 3, file:line, and nothing written.
fresh_sysfs
fake_kernel mlx5_1 1
printf 'a queue_size=64\nallow id_ext=1\n d\na tl_retry_count=9' >"$work/bad.rules"
expect 3 "" "srpadm: $work/bad.rules:2: 'llow' is not KEY=VALUE" \
    "${ca[@]}" --sysfs-root "$sysfs" --rules "$work/bad.rules"
expect 3 "" "srpadm: $work/bad.rules:4: tl_retry_count=9: must be 2..7" \
    "${ca[@]}" --sysfs-root "$sysfs" --rules "$work/bad.rules"
expect 3 "" "$work/missing.rules: no such rules file (srp_daemon would silently allow every target; srpadm refuses)" \
    "${ca[@]}" --sysfs-root "$sysfs" --rules "$work/missing.rules"
printf '[defaults]\nqueue-size = 64\n[target]\nqueue_size = 1\n' >"$work/bad.conf"
expect 3 "" "$work/bad.conf:4: unknown key 'queue_size'; keys are spelled like the command-line options: queue-size" \
    connect-all --fabric "$fabric" --sysfs-root "$sysfs" --config "$work/bad.conf"
expect 3 "" "$work/nowhere.conf: no such file" \
    connect-all --fabric "$fabric" --sysfs-root "$sysfs" --config "$work/nowhere.conf"
expect 3 "" "option --queue-size: queue_size=1: must be 2..2147483647" "${ca[@]}" --sysfs-root "$sysfs" --queue-size 1
# Timeouts that break the kernel's rules with a target's values: found before any write.
expect 3 "" "[defaults]: timeouts for id_ext=0002C90300D00010,ioc_guid=0002c90300d00010 (dgid fe800000000000000002c90300d00011, pkey ffff) on mlx5_1:1 (host7): fast_io_fail_tmo=15 must be smaller than dev_loss_tmo=10" \
    "${ca[@]}" --sysfs-root "$sysfs" --dev-loss-tmo 10
[ ! -e "$sysfs/add_target.log" ] || bad "add_target was written although the command was refused" connect-all

# Logins through the stand-in kernel, then the timeouts, also on the logins already there.
expect 0 "$(printf '%s\n' \
    "id_ext=0002C90300D00010,ioc_guid=0002c90300d00010 (dgid fe800000000000000002c90300d00011, pkey ffff) on mlx5_1:1: already connected as host7" \
    "host7: set fast_io_fail_tmo=5, dev_loss_tmo=60" \
    "id_ext=0002C90300E00010,ioc_guid=0002c90300e00010 (dgid fe800000000000000002c90300e00011, pkey ffff) on mlx5_1:1: connected as host20" \
    "host20: set fast_io_fail_tmo=5, dev_loss_tmo=60" \
    "id_ext=0002C90300F00010,ioc_guid=0002c90300f00010 (dgid fe800000000000000002c90300f00011, pkey ffff) on mlx5_1:1: connected as host21" \
    "host21: set fast_io_fail_tmo=5, dev_loss_tmo=60" \
    "id_ext=0002C90300F00010,ioc_guid=0002c90300f00010 (dgid fe800000000000000002c90300f00011, pkey 8001) on mlx5_1:1: already connected as host9" \
    "id_ext=20030003BA27CC7A,ioc_guid=0005ad00000013e7 (dgid fe800000000000000005ad00000013e9, pkey ffff) on mlx5_1:1: connected as host22" \
    "host22: set fast_io_fail_tmo=5, dev_loss_tmo=60")" "" \
    "${ca[@]}" --sysfs-root "$sysfs" --settle 3000 --fast-io-fail-tmo 5 --dev-loss-tmo 60
[ "$(cat "$sysfs/add_target.log")" = "$(printf '%s\n' "$tgt_b" "$tgt_c" "$tgt_d,max_it_iu_size=4096")" ] ||
    bad "the kernel did not get the three lines in order" connect-all
[ "$(cat "$sysfs/class/srp_remote_ports/port-7:1/fast_io_fail_tmo")" = 5 ] || bad "host7's timeout not set" connect-all
# Run again: everything is connected, nothing is written.
expect 0 "connected as host22" "" "${ca[@]}" --sysfs-root "$sysfs" -f json
[[ "$out" == *'"state": "already-connected"'* && "$out" != *'"state": "connected"'* ]] ||
    bad "a second run connected something" connect-all -f json
[ "$(wc -l <"$sysfs/add_target.log")" -eq 3 ] || bad "a second run wrote a login" connect-all

# The kernel takes every line and removes the hosts: each named on stderr, exit status 6
# (tgt-a and tgt-c's 8001 path are connected), or 7 when nothing is.
fresh_sysfs
fake_kernel mlx5_1 1 vanish
expect 6 "" "srpadm: id_ext=0002C90300E00010,ioc_guid=0002c90300e00010 (dgid fe800000000000000002c90300e00011, pkey ffff) on mlx5_1:1: the kernel accepted the login but no SCSI host for it is left" \
    "${ca[@]}" --sysfs-root "$sysfs" --settle 300
[ "$(wc -l <"$sysfs/add_target.log")" -eq 3 ] || bad "not every login was tried" connect-all
printf 'a ioc_guid=0002c90300e00010\nd\n' >"$work/only-b.rules"
expect 7 "" "no SCSI host for it is left" "${ca[@]}" --sysfs-root "$sysfs" --settle 300 --rules "$work/only-b.rules"

# No SRP initiator port for the fabric's local port: exit status 4 before anything.
fresh_sysfs
rm -r "$sysfs/class/infiniband_srp/srp-mlx5_1-1"
expect 4 "" "mlx5_1:1 has no SRP initiator port" "${ca[@]}" --sysfs-root "$sysfs"
finish
