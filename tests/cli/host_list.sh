#!/usr/bin/env bash
# srpadm list and srpadm initiator-id against the sysfs fixture (tests/fixtures/README.md),
# with worked examples (see include/srpadm/model/initiator_id.hpp for the kernel sources).
# Usage: host_list.sh <path-to-srpadm> <source-dir>
set -u
bin=$1 src=$2
source "$src/tests/cli/lib/host.sh"

# list: every ib_srp host, grouped by target; nothing of the ahci hosts.
golden list.txt list --sysfs-root "$fixture"
golden list.json list --sysfs-root "$fixture" -f json
golden list-mlx5_1-verbose.txt -v list --sysfs-root "$fixture" --port mlx5_1
# Exact device names: mlx5_1 is not a prefix match of mlx5_10.
expect 0 "host8   mlx5_10:1" "" list --sysfs-root "$fixture" --port mlx5_10
run list --sysfs-root "$fixture" --port mlx5_1
[[ "$out" != *host8* && "$out" != *host10* ]] || bad "mlx5_1 lists another device's host" list --port mlx5_1
expect 0 "no SRP logins" "" list --sysfs-root "$fixture" --port mthca0:1
[ -z "$err" ] || bad "a note although ib_srp is loaded" list --port mthca0:1
expect 2 "" "option --port: 'mlx5_0:x': the port must be a decimal number 1..255" list --sysfs-root "$fixture" --port mlx5_0:x
expect 0 "no SRP logins" "srpadm: note: ib_srp is not loaded ($work/class/infiniband_srp does not exist)" \
    list --sysfs-root "$work"

# list --multipath-conf: a device entry per vendor/product of the SRP disks (sdb sdc sdf,
# sdd, sde; not sda of ahci host1, nor anything of host12, going away), values escaped.
golden list-multipath-conf.txt list --sysfs-root "$fixture" --multipath-conf
[ -z "$err" ] || bad "stderr output for the fixture" list --multipath-conf
# Nothing connected: a comment, exit 0.
nothing="# srpadm list --multipath-conf: no SRP disks are connected: nothing to configure"
expect 0 "$nothing" "" list --sysfs-root "$fixture" --port mthca0:1 --multipath-conf
[ "$out" = "$nothing"$'\n' ] || bad "more than the comment with nothing connected" list --multipath-conf
expect 0 "$nothing" "srpadm: note: ib_srp is not loaded" list --sysfs-root "$work" --multipath-conf
# Only the disks of the --port's paths: mlx5_1:1 has host7 (sdb, sdc), host9 (none), host12.
expect 0 'product "^IBLOCK$"' "" list --sysfs-root "$fixture" --port mlx5_1:1 --multipath-conf
[[ "$out" != *sdf* && "$out" != *SCST* && "$out" != *FILEIO* ]] ||
    bad "another port's disks" list --port mlx5_1:1 --multipath-conf
# It prints a configuration, not a listing: no --format with it.
expect 2 "" "--format excludes --multipath-conf" list --sysfs-root "$fixture" --multipath-conf -f json
[ -z "$out" ] || bad "output although refused" list --multipath-conf -f json
expect 2 "" "excludes" list --sysfs-root "$fixture" -f text --multipath-conf
# A vendor that is not printable ASCII is left out, with a note; its disk gets no entry.
fresh_sysfs
printf 'LIO\033[2J\n' >"$sysfs/class/scsi_device/11:0:0:0/device/vendor"
expect 0 "# note: sde (11:0:0:0): no usable vendor or product: no device entry" \
    "srpadm: note: $sysfs/class/scsi_device/11:0:0:0/device/vendor: left out: 'LIO\x1b[2J' is not printable ASCII" \
    list --sysfs-root "$sysfs" --multipath-conf
[[ "$out" != *'"^FILEIO$"'* && "$out" != *$'\033'* ]] || bad "the unprintable vendor's disk got an entry" list --multipath-conf
expect 0 '"vendor": null' "left out" list --sysfs-root "$sysfs" -f json

# initiator-id: every port; JSON of the RoCE port.
golden initiator-id.txt initiator-id --sysfs-root "$fixture"
golden initiator-id-rxe0.json initiator-id --sysfs-root "$fixture" --port rxe0 -f json
# "initiator_ext=0x0005ad00000bf4d4 with port GUID 0x0005ad00000bf3d0 gives
# 0x0005ad00000bf4d40005ad00000bf3d0" (the port GUID is mthca0:1's).
expect 0 "LIO GID-named port:        0x0005ad00000bf4d40005ad00000bf3d0" "" \
    initiator-id --sysfs-root "$fixture" --port mthca0:1 --initiator-ext 0x0005ad00000bf4d4
expect 0 "LIO GID-named port:        0x0005ad00000bf3d00005ad00000bf4d4" "" \
    initiator-id --sysfs-root "$fixture" --port mthca0:1 --initiator-ext 0005ad00000bf4d4 --io-class ff00
expect 0 "Topspin/Cisco targets:     0x00000000000000000005ad00000bf3cf" "" \
    initiator-id --sysfs-root "$fixture" --port mthca0
# LIO's own examples: 0x0000000000000000505400fffe4a0b7b, 5054:00ff:fe4a:0b7b, 192.168.122.76.
expect 0 "LIO GID-named port:        0x0000000000000000505400fffe4a0b7b" "" \
    initiator-id --sysfs-root "$fixture" --port rxe0:1
expect 0 "192.168.122.76" "" initiator-id --sysfs-root "$fixture" --port rxe0:1
expect 0 "rxe0:1 (Ethernet, port GUID 5054:00ff:fe4a:0b7b" "" initiator-id --sysfs-root "$fixture" --port rxe0
expect 0 "LIO GUID-named port:       0002:c903:00a1:0011" "" \
    initiator-id --sysfs-root "$fixture" --port mlx5_1:1 --initiator-ext 0x1234
expect 0 '"initiator_port_id_without_0x": "0000000000000000505400fffe4a0b7b"' "" \
    initiator-id --sysfs-root "$fixture" --port rxe0 -f json
expect 4 "" "no local port mlx5 (ports: mlx5_0:1" initiator-id --sysfs-root "$fixture" --port mlx5
expect 2 "" "give that GUID as --initiator-ext HEX" initiator-id --sysfs-root "$fixture" --initiator-ext port-guid
expect 2 "" "option --io-class: io_class=0200: must be 100" initiator-id --sysfs-root "$fixture" --io-class 0200
finish
