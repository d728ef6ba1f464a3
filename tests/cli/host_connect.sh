#!/usr/bin/env bash
# srpadm connect against copies of the sysfs fixture, with add_target as a FIFO answered by
# a small stand-in for ib_srp (tests/cli/lib/host.sh): success, already connected, a SCSI
# host that vanishes, a write that never returns, and refusals before anything is written.
# Usage: host_connect.sh <path-to-srpadm> <source-dir>
set -u
bin=$1 src=$2
source "$src/tests/cli/lib/host.sh"

tgt_b="id_ext=0002C90300E00010,ioc_guid=0002c90300e00010,dgid=fe800000000000000002c90300e00011,pkey=ffff,service_id=0002c90300e00010"
tgt_a="id_ext=0002C90300D00010,ioc_guid=0002c90300d00010,dgid=fe800000000000000002c90300d00011,pkey=ffff,service_id=0002c90300d00010"
at=class/infiniband_srp/srp-mlx5_1-1/add_target

# --dry-run: the file and the line; the parts form gives the same line.
fresh_sysfs
expect 0 "# $sysfs/$at"$'\n'"$tgt_b" "" connect --sysfs-root "$sysfs" --port mlx5_1:1 --dry-run "$tgt_b"
expect 0 "$tgt_b" "" connect --sysfs-root "$sysfs" --port mlx5_1:1 --dry-run --id-ext 0002C90300E00010 \
    --ioc-guid 0002c90300e00010 --dgid fe80:0:0:0:2:c903:e0:11 --pkey ffff --service-id 0x0002c90300e00010
expect 0 "id_ext=525400fffe123457,ioc_guid=525400fffe123457,dest=192.168.122.1:5555" "" \
    connect --sysfs-root "$sysfs" --port rxe0:1 --dry-run --id-ext 525400fffe123457 \
    --ioc-guid 525400fffe123457 --dest 192.168.122.1:5555
# An RDMA/CM host of the target on the port (host11) is the login: the kernel would refuse a
# second one (EEXIST).
expect 0 "already connected as host11" "" \
    connect --sysfs-root "$sysfs" --port rxe0:1 --dry-run --id-ext 525400fffe123456 \
    --ioc-guid 525400fffe123456 --dest 192.168.122.1:5555

# Already connected (host7): success, nothing written.
expect 0 "on mlx5_1:1: already connected as host7" "" connect --sysfs-root "$sysfs" --port mlx5_1:1 "$tgt_a"
[ ! -s "$sysfs/$at" ] || bad "add_target written for an existing login" connect "$tgt_a"

# Refused before anything is written: the line, the timeouts, the port.
expect 3 "" "tl_retry_count=9: must be 2..7" connect --sysfs-root "$sysfs" --port mlx5_1:1 "$tgt_b,tl_retry_count=9"
expect 3 "" "unknown option 'foo=1'" connect --sysfs-root "$sysfs" --port mlx5_1:1 "$tgt_b,foo=1"
expect 3 "" "fast_io_fail_tmo=15 must be smaller than dev_loss_tmo=10" \
    connect --sysfs-root "$sysfs" --port mlx5_1:1 --dev-loss-tmo 10 "$tgt_b"
expect 3 "" "dev_loss_tmo=1m: must be off or a number of seconds" \
    connect --sysfs-root "$sysfs" --port mlx5_1:1 --dev-loss-tmo 1m "$tgt_b"
expect 2 "" "several local ports have an SRP initiator port (mlx5_0:1, mlx5_1:1, mlx5_1:2, mlx5_10:1, mthca0:1, rxe0:1); choose one with --port DEV:PORT" \
    connect --sysfs-root "$sysfs" "$tgt_b"
expect 4 "" "no local port mlx5_9:1" connect --sysfs-root "$sysfs" --port mlx5_9:1 "$tgt_b"
expect 2 "" "connect needs --id-ext and --ioc-guid, or an add_target LINE" connect --sysfs-root "$sysfs" --port mlx5_1:1
expect 2 "" "" connect --sysfs-root "$sysfs" --port mlx5_1:1 --id-ext 1 "$tgt_b"
[ ! -s "$sysfs/$at" ] || bad "add_target written although the command was refused" connect

# A plain file as add_target: the write succeeds but no SCSI host appears.
expect 7 "" "the kernel accepted the login but no SCSI host for it is left" \
    connect --sysfs-root "$sysfs" --port mlx5_1:1 --settle 0 "$tgt_b"
[ "$(cat "$sysfs/$at")" = "$tgt_b" ] || bad "the line was not written as is (no newline)" connect "$tgt_b"

# The stand-in kernel: a new host, then the remote-port timeouts.
fresh_sysfs
fake_kernel mlx5_1 1
expect 0 "on mlx5_1:1: connected as host20"$'\n'"host20: set fast_io_fail_tmo=5, dev_loss_tmo=60" "" \
    connect --sysfs-root "$sysfs" --port mlx5_1:1 --settle 3000 --fast-io-fail-tmo 5 --dev-loss-tmo 60 "$tgt_b"
[ "$(cat "$sysfs/add_target.log")" = "$tgt_b" ] || bad "the kernel did not get the line" connect "$tgt_b"
[ "$(cat "$sysfs/class/srp_remote_ports/port-20:1/dev_loss_tmo")" = 60 ] || bad "dev_loss_tmo not set" connect
# Connected now: a second connect writes nothing and still sets timeouts.
expect 0 "already connected as host20"$'\n'"host20: set fast_io_fail_tmo=off" "" \
    connect --sysfs-root "$sysfs" --port mlx5_1:1 --fast-io-fail-tmo off "$tgt_b"
[ "$(wc -l <"$sysfs/add_target.log")" -eq 1 ] || bad "a second login was written" connect "$tgt_b"

# The kernel takes the line and removes the host again.
fresh_sysfs
fake_kernel mlx5_1 1 vanish
expect 7 "" "no SCSI host for it is left" connect --sysfs-root "$sysfs" --port mlx5_1:1 --settle 500 "$tgt_b"

# A write that never returns (a FIFO nobody reads): a bounded wait, then exit status 7.
fresh_sysfs
rm -f "$sysfs/$at"
mkfifo "$sysfs/$at"
start=$(date +%s)
expect 7 "" "add_target did not return within 1 s" connect --sysfs-root "$sysfs" --port mlx5_1:1 --login-timeout 1 "$tgt_b"
[ $(($(date +%s) - start)) -lt 30 ] || bad "the timeout did not bound the wait" connect --login-timeout 1
finish
