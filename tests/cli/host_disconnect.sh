#!/usr/bin/env bash
# srpadm disconnect against copies of the sysfs fixture: the remote port's delete attribute,
# the selection (exact host numbers and device names), waiting for the host to go.
# Usage: host_disconnect.sh <path-to-srpadm> <source-dir>
set -u
bin=$1 src=$2
source "$src/tests/cli/lib/host.sh"

fresh_sysfs
rp=$sysfs/class/srp_remote_ports
expect 0 "# host9 (id_ext 0002c90300f00010, ioc_guid 0002c90300f00010, mlx5_1:1)"$'\n'"echo 1 > $rp/port-9:1/delete" "" \
    disconnect --sysfs-root "$sysfs" --host host9 --dry-run
[ ! -s "$rp/port-9:1/delete" ] || bad "a dry run wrote delete" disconnect --dry-run
run disconnect --sysfs-root "$sysfs" --all --dry-run
[ "$(grep -c '^echo 1 >' <<<"$out")" -eq 6 ] || bad "--all does not select the six SRP hosts" disconnect --all --dry-run

# By host number (exactly: host1 is not host10, host11 or host12, and is not SRP).
expect 0 "host9 (id_ext 0002c90300f00010, ioc_guid 0002c90300f00010, mlx5_1:1): disconnect requested" "" \
    disconnect --sysfs-root "$sysfs" --host 9 --wait 0
[ "$(cat "$rp/port-9:1/delete")" = 1 ] || bad "port-9:1/delete not written" disconnect --host 9
expect 0 "" "no connected SRP target matches; nothing to disconnect" disconnect --sysfs-root "$sysfs" --host host1
# By target and local port: tgt-a from mlx5_0 is host10, not host7.
expect 0 "host10 (id_ext 0002c90300d00010" "" \
    disconnect --sysfs-root "$sysfs" --id-ext 2c90300d00010 --port mlx5_0 --wait 0
[ ! -s "$rp/port-7:1/delete" ] && [ "$(cat "$rp/port-10:1/delete")" = 1 ] ||
    bad "the wrong remote port was deleted" disconnect --id-ext --port mlx5_0
# The kernel removes the host: disconnect waits for it.
(
    while [ ! -s "$rp/port-8:1/delete" ]; do sleep 0.05; done
    rm -r "$sysfs/class/scsi_host/host8"
) &
kernel_pids+=($!)
expect 0 "host8 (id_ext 0002c90300e00010, ioc_guid 0002c90300e00010, mlx5_10:1): disconnected" "" \
    disconnect --sysfs-root "$sysfs" --ioc-guid 0x0002c90300e00010 --wait 20
# The host stays: exit status 7 after the wait.
expect 7 "" "host11 (id_ext 525400fffe123456, ioc_guid 525400fffe123456, rxe0:1): delete was accepted, but the SCSI host is still there after 1 s" \
    disconnect --sysfs-root "$sysfs" --port rxe0 --all --wait 1
# A remote port whose delete cannot be written.
rm "$rp/port-12:1/delete"
expect 7 "" "host12 (port-12:1): writing delete failed: No such file or directory" \
    disconnect --sysfs-root "$sysfs" --host 12 --wait 0

expect 2 "" "say which targets: --id-ext, --ioc-guid, --host, or --all" disconnect --sysfs-root "$sysfs"
expect 2 "" "--all does not go with --id-ext, --ioc-guid or --host" disconnect --sysfs-root "$sysfs" --all --host 7
expect 2 "" "option --host: 'hostx' is not a SCSI host (hostN or N)" disconnect --sysfs-root "$sysfs" --host hostx
expect 2 "" "option --id-ext: 'xyz' is not 1-16 hex digits" disconnect --sysfs-root "$sysfs" --id-ext xyz
finish
