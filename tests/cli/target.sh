#!/usr/bin/env bash
# srpadm target end to end through the binaries: srpadm-sim on simulated target hosts (the
# stand-in kernel takes the changes, each command a process of its own, as an admin runs them),
# srpadm's real writer on the same trees, detection, dry runs, bad input and save.
# Usage: target.sh <path-to-srpadm-sim> <source-dir>
set -u
bin=$1 src=$2
source "$src/tests/cli/lib/host.sh"
sim=$bin
real=$(dirname "$bin")/srpadm
ini=0x00000000000000000002c90300a0b1d1
ini_gid=fe80:0000:0000:0000:0002:c903:00a0:b1d1

host() {  # host NAME FLAVOUR: lays out a target host; sets R to its root options
    R=(--sysfs-root "$work/$1/sys" --configfs-root "$work/$1/config")
    bin=$sim
    expect 0 "laid out a" "" target-host lay-out "$2" "${R[@]}" \
        --port mlx5_0:1:fe80:0000:0000:0000:e41d:2d03:00a0:0011 \
        --port rxe0:1:fe80:0000:0000:0000:0202:c9ff:fe00:0001:roce
}

# No target driver: what to load, exit 4.
mkdir -p "$work/none/sys/module" "$work/none/config"
bin=$real
expect 4 "" "no SRP target driver is loaded" \
    target status --sysfs-root "$work/none/sys" --configfs-root "$work/none/config"
expect 4 "" "modprobe ib_srpt" \
    target export --ram 1G --sysfs-root "$work/none/sys" --configfs-root "$work/none/config"

# LIO: the seed's flow in one command, then the session seen from the target.
host lio lio
bin=$real
expect 0 "LIO ib_srpt: id_ext = ioc_guid = service_id = e41d2d0300a00010" "" target status "${R[@]}"
expect 0 "not configured (nothing exported)" "" target status "${R[@]}"
before=$(cd "$work/lio" && find . | sort)
expect 0 "targetcli /backstores/ramdisk create name=ram0 size=10737418240" "" \
    target export --ram 10G --allow "$ini" --port mlx5_0:1 --dry-run "${R[@]}"
[[ "$out" == *"mkdir $work/lio/config/target/srpt/0xfe80000000000000e41d2d0300a00011"* ]] ||
    bad "the dry run shows no mkdir of the port" target export --dry-run
[ "$before" = "$(cd "$work/lio" && find . | sort)" ] || bad "the dry run changed the tree" target export
bin=$sim
expect 0 "applied to LIO ib_srpt (14 step(s))" "" \
    target export --ram 10G --allow "$ini" --port mlx5_0:1 "${R[@]}"
# A new storage object gets a random unit serial, from which LIO makes the disk's WWID.
serial=$(cat "$work/lio/config/target/core/rd_mcp_0/ram0/wwn/vpd_unit_serial")
[[ "$serial" =~ ^"T10 VPD Unit Serial Number: "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]] ||
    bad "no unit serial: '$serial'" target export
expect 0 "" "" target-host login --port mlx5_0:1 "${R[@]}" "$ini"
bin=$real
expect 0 "session $ini (ACL $ini)" "" target status "${R[@]}"
run target status -f json "${R[@]}"
printf '%s' "$out" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["version"] == 1 and d["flavour"] == "LIO", d
p = [p for p in d["ports"] if p["local_port"] == "mlx5_0:1"][0]
assert p["enabled"] and p["luns"][0]["device"] == "ram0", p
assert p["groups"][0]["name"] == sys.argv[1] and p["sessions"][0]["initiator"] == sys.argv[1], p
assert d["devices"][0]["size"] == 10 << 30, d
' "$ini" || bad "target status -f json" target status -f json

# Bad input stops before the first write, naming the input.
before=$(cd "$work/lio" && find . -newer "$work/lio/sys" | sort)
expect 3 "" "'host1' is not an initiator name" target allow host1 "${R[@]}"
expect 3 "" "device name 'a b'" target export --ram 1G --name 'a b' "${R[@]}"
expect 7 "" "port 0xfe80000000000000e41d2d0300a00011: LUN 0 is in use by ram0" \
    target export --ram 1G --lun 0 --port mlx5_0:1 "${R[@]}"
expect 4 "" "/dev/srpadm-nope: no such block device" target export --device /dev/srpadm-nope "${R[@]}"
expect 4 "" "option --port mlx9_9:1: no such target port; there are:" \
    target export --ram 1G --port mlx9_9:1 "${R[@]}"
expect 2 "" "LIO's ib_srpt has no demo mode" target allow --any "${R[@]}"
expect 2 "" "give exactly one of --device, --file, --ram and --null" \
    target export --ram 1G --null 1G "${R[@]}"
expect 3 "" "option --ram 10Q: give a size" target export --ram 10Q "${R[@]}"
[ "$before" = "$(cd "$work/lio" && find . -newer "$work/lio/sys" | sort)" ] ||
    bad "bad input changed the tree" target export

# The real writer on a tree where configfs does not act as configfs: the first attribute
# write fails, and what was made before it is undone.
mkdir -p "$work/plain/config/target/core" "$work/plain/sys"
cp -r "$work/lio/sys/." "$work/plain/sys/"
bin=$real
expect 7 "" "step 3 of " target export --ram 1G --port mlx5_0:1 \
    --sysfs-root "$work/plain/sys" --configfs-root "$work/plain/config"
[[ "$err" == *"control: No such file or directory; the 2 step(s) applied before it were undone"* ]] ||
    bad "no undo report" target export
[ -z "$(ls "$work/plain/config/target/core")" ] || bad "the undo left directories" target export

# save: rtslib's saveconfig.json, merged into what is there.
cat > "$work/saveconfig.json" <<'JSON'
{"fabric_modules": [], "storage_objects": [{"name": "disk1", "plugin": "fileio", "dev": "/srv/disk1.img", "size": 1048576}],
 "targets": [{"fabric": "iscsi", "wwn": "iqn.2003-01.org.linux-iscsi.t:sn.1", "tpgs": [{"tag": 1, "luns": [{"index": 0, "storage_object": "/backstores/fileio/disk1"}]}]}]}
JSON
expect 0 "wrote $work/saveconfig.json" "" target save -o "$work/saveconfig.json" "${R[@]}"
/usr/bin/python3 - "$work/saveconfig.json" <<'PY' || bad "saveconfig.json" target save
import json, sys
d = json.load(open(sys.argv[1]))
fabrics = sorted(t["fabric"] for t in d["targets"])
assert fabrics == ["iscsi", "srpt"], fabrics
assert sorted(s["name"] for s in d["storage_objects"]) == ["disk1", "ram0"], d["storage_objects"]
srpt = [t for t in d["targets"] if t["fabric"] == "srpt"][0]
assert srpt["wwn"] == "ib.fe80000000000000e41d2d0300a00011", srpt
PY
[ "$(stat -c %a "$work/saveconfig.json")" = 600 ] || bad "saveconfig.json is not 0600" target save
echo '{"targets": [' > "$work/broken.json"
expect 3 "" "$work/broken.json" target save -o "$work/broken.json" "${R[@]}"

# SCST: the seed's flow in one command; the initiator lands in the group.
host scst scst
bin=$sim
expect 0 "scstadmin -add_init $ini_gid -driver ib_srpt -target fe80:0000:0000:0000:e41d:2d03:00a0:0011 -group host1" \
    "SCST has no RAM disk handler" \
    target export --ram 10G --group host1 --allow "$ini" --port mlx5_0:1 --ram-dir "$work" \
    --dry-run "${R[@]}"
expect 0 "applied to SCST ib_srpt (6 step(s))" "" \
    target export --ram 10G --group host1 --allow "$ini" --port mlx5_0:1 --ram-dir "$work" "${R[@]}"
[ "$(stat -c %s "$work/srpadm-ram0.img")" = 10737418240 ] || bad "no sparse RAM file" target export
expect 0 "" "" target-host login --port mlx5_0:1 "${R[@]}" "$ini_gid"
bin=$real
expect 0 "session $ini_gid (group host1)" "" target status "${R[@]}"
expect 0 "group host1: initiators $ini_gid" "" target status "${R[@]}"
expect 0 "TARGET fe80:0000:0000:0000:e41d:2d03:00a0:0011 {" "" target save --dry-run "${R[@]}"
[[ "$out" == *"INITIATOR $ini_gid"* ]] || bad "scst.conf has no INITIATOR line" target save
mkdir -p "$work/scst/sys/kernel/scst_tgt/targets/iscsi"
expect 7 "" "SCST also serves iscsi" target save -o "$work/scst.conf" "${R[@]}"
expect 0 "wrote $work/scst.conf" "" target save --force -o "$work/scst.conf" "${R[@]}"

# srpadm-sim never touches the real target.
bin=$sim
expect 2 "" "srpadm-sim never changes the real target" target enable
expect 2 "" "srpadm-sim never writes the real target's configuration" target save "${R[@]}"
finish
