#!/bin/sh
# /init of the e2e guest (busybox ash): brings up Soft-RoCE, then drives the kernel's SRP
# target (LIO ib_srpt) and initiator (ib_srp) with srpadm alone, logging in over the rxe device
# back into the same guest. Every step prints "PASS <name>" or "FAIL <name>" on the console;
# the first failure prints dmesg and powers off, a full pass ends with the line E2E-DONE.
# Checks read sysfs and configfs; only srpadm writes to them.
export PATH=/bin:/sbin:/usr/bin
set -u

ADDR=192.0.2.15        # a documentation range; all traffic stays in the guest
MAC=52:54:00:12:34:56  # fixed, so that the GUIDs derived from it are the same every run
PORT=rxe0:1
CONFIG=/sys/kernel/config

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev  # the kernel has no DEVTMPFS_MOUNT

# The console gets what the steps print, not the kernel's log (dmesg is printed on failure).
echo 1 >/proc/sys/kernel/printk

# Every srpadm call under a deadline, so that a hang fails its step instead of the whole run.
srpadm() {
  timeout 60 /usr/bin/srpadm "$@"
}

finish() {
  sync
  poweroff -f
}

# run CMD...: prints the command, runs it with stdout in /tmp/out and stderr in /tmp/err,
# prints both and returns its status.
run() {
  echo "\$ $*"
  "$@" >/tmp/out 2>/tmp/err
  rc=$?
  cat /tmp/out /tmp/err
  [ "$rc" -eq 0 ] || echo "(exit status $rc)"
  return "$rc"
}

# fail MESSAGE: says what a check found wrong, for the step's output, and fails the step (the
# step's function goes on, so that every check that fails is shown).
fail() {
  echo "check failed: $*"
  FAILED=yes
  return 1
}

# fields FILTER: the values jq's FILTER takes from /tmp/out (srpadm's JSON), one a line, into
# /tmp/fields, to be read in order. One jq a document: under emulation each start costs half
# a second.
fields() {
  jq -r "$1" /tmp/out >/tmp/fields || fail "jq cannot read srpadm's output"
}

# step NAME CMD...: runs CMD (a function below, in this shell, so that it can set variables
# for later steps) and prints its output, then PASS or FAIL. After a failure nothing else
# makes sense: the kernel's log, then power off.
step() {
  name=$1
  shift
  read -r uptime _ </proc/uptime
  echo "=== $name (guest uptime ${uptime} s)"
  FAILED=no
  if "$@" >/tmp/step 2>&1 && [ "$FAILED" = no ]; then
    sed 's/^/  /' /tmp/step
    echo "PASS $name"
    return 0
  fi
  sed 's/^/  /' /tmp/step
  echo "FAIL $name"
  echo "--- dmesg"
  dmesg
  echo "--- end of dmesg"
  if [ -s "${DAEMON_LOG:-/nonexistent}" ]; then
    echo "--- srpadm daemon log"
    cat "$DAEMON_LOG"
    echo "--- end of the srpadm daemon log"
  fi
  finish
}

# The SCSI hosts ib_srp made, one a line (hostN).
srp_hosts() {
  for h in /sys/class/scsi_host/host*; do
    [ -e "$h" ] || continue
    if [ "$(cat "$h/proc_name")" = ib_srp ]; then
      basename "$h"
    fi
  done
}

# The disks LIO serves, one a line (sdX).
lio_disks() {
  for d in /sys/block/sd*; do
    [ -e "$d" ] || continue
    read -r vendor <"$d/device/vendor"  # padded with blanks to 8 characters; read trims
    if [ "$vendor" = LIO-ORG ]; then
      basename "$d"
    fi
  done
}

# The whole configfs tree of LIO, for before/after comparisons.
lio_tree() {
  find "$CONFIG/target" | sort
}

# ---- set-up ------------------------------------------------------------------------------

load_modules() {
  # rdma_rxe asks the crypto API for "crc32", which comes from crc32_generic; its dependency
  # list does not name it (drivers/infiniband/sw/rxe/rxe.c rxe_init_device_param()).
  for m in crc32_generic rdma_rxe ib_umad ib_uverbs rdma_ucm ib_srp sd_mod \
           target_core_mod target_core_iblock target_core_file ib_srpt; do
    run modprobe "$m" || return 1
  done
  # Without numdummies=0 the module makes a dummy0 itself; soft_roce makes its own.
  run modprobe dummy numdummies=0 || return 1
  # configfs is a module (loaded with rdma_cm and target_core_mod), so mounted after them.
  run mount -t configfs none "$CONFIG" || return 1
}

soft_roce() {
  run ip link add dummy0 type dummy || return 1
  run ip link set dummy0 address "$MAC" || return 1
  run ip addr add "$ADDR/24" dev dummy0 || return 1
  run ip link set dummy0 up || return 1
  run rdma link add rxe0 type rxe netdev dummy0 || return 1
  run rdma link show || return 1
  state=$(cat /sys/class/infiniband/rxe0/ports/1/state)
  case $state in
    *ACTIVE*) ;;
    *) fail "rxe0 port 1 is '$state', not ACTIVE" ;;
  esac
  [ -e /sys/class/infiniband_srp/srp-rxe0-1/add_target ] ||
    fail "ib_srp made no srp-rxe0-1 for rxe0"
}

# ---- a. the initiator's ID ---------------------------------------------------------------

initiator_id_json() {
  run srpadm initiator-id --port "$PORT" --format json || return 1
  fields '(.ports | length), .ports[0].initiator_port_id, .ports[0].port_guid'
  {
    read -r ports
    read -r ID
    read -r guid
  } </tmp/fields
  gid0=$(cat /sys/class/infiniband/rxe0/ports/1/gids/0)
  echo "initiator port ID: $ID; port GUID $guid; sysfs gids/0: $gid0"
  [ "$ports" -eq 1 ] || fail "not one port"
  # ib_srp sends initiator_ext (0 unless given) followed by the port GUID, the low half of
  # gids/0 (drivers/infiniband/ulp/srp/ib_srp.c srp_send_req()).
  low=$(echo "$gid0" | tr -d : | cut -c17-32)
  [ "$ID" = "0x0000000000000000$low" ] || fail "ID $ID is not initiator_ext 0 + $low"
  [ "$guid" = "0x$low" ] || fail "port GUID $guid is not $low"
}

initiator_id_text() {
  run srpadm initiator-id --port "$PORT" || return 1
  grep -q "^rxe0:1 (Ethernet" /tmp/out || fail "no line for rxe0:1 (Ethernet)"
  grep -q "LIO GID-named port: *$ID\$" /tmp/out || fail "text output does not show $ID"
  grep -q "^ *$ADDR\$" /tmp/out || fail "text output does not show the source address $ADDR"
}

# ---- b. the target side ------------------------------------------------------------------

target_status_lio() {
  run srpadm target status || return 1
  grep -q "^LIO ib_srpt" /tmp/out || fail "LIO's ib_srpt not detected"
}

export_dry_run() {
  before=$(lio_tree)
  run srpadm target export --ram 32M --name ram0 --allow "$ID" --dry-run || return 1
  grep -q "nothing applied" /tmp/out || fail "the dry run does not say it applied nothing"
  [ "$before" = "$(lio_tree)" ] || fail "the dry run changed $CONFIG/target"
}

export_ram() {
  run srpadm target export --ram 32M --name ram0 --allow "$ID" || return 1
  gid0=$(cat /sys/class/infiniband/rxe0/ports/1/gids/0)
  TPG=$CONFIG/target/srpt/0x$(echo "$gid0" | tr -d :)/tpgt_1
  echo "--- $TPG"
  find "$TPG/lun" "$TPG/acls" -maxdepth 2
  [ "$(cat "$TPG/enable")" = 1 ] || fail "$TPG is not enabled"
  [ -d "$TPG/acls/$ID" ] || fail "no ACL $ID"
  [ -d "$TPG/acls/$ID/lun_0" ] || fail "ACL $ID has no LUN 0"
  [ -L "$TPG/lun/lun_0/ram0" ] || fail "LUN 0 is not ram0"
  SERIAL_FILE=$CONFIG/target/core/rd_mcp_0/ram0/wwn/vpd_unit_serial
  cat "$SERIAL_FILE"
}

target_status_json() {
  run srpadm target status --format json || return 1
  fields '.flavour, .service_guid, .rdma_cm_port'
  {
    read -r flavour
    read -r SERVICE_GUID
    read -r CM_PORT
  } </tmp/fields
  echo "$flavour: service GUID $SERVICE_GUID, RDMA/CM port $CM_PORT"
  [ "$flavour" = LIO ] || fail "flavour is not LIO"
  module_guid=$(cat /sys/module/ib_srpt/parameters/srpt_service_guid)
  [ "0x$SERVICE_GUID" = "$module_guid" ] ||
    fail "service GUID $SERVICE_GUID is not ib_srpt's $module_guid"
  [ "$CM_PORT" = "$(cat "$CONFIG/target/srpt/discovery_auth/rdma_cm_port")" ] ||
    fail "RDMA/CM port $CM_PORT is not configfs's"
  [ "$CM_PORT" -gt 0 ] || fail "no RDMA/CM port"
}

# ---- c. discovery over RoCE ----------------------------------------------------------------

# discover_at ADDRESS: srpadm discover --target ADDRESS finds ib_srpt's one SRP target, with
# the RDMA/CM login line to ADDRESS_IN_LINE.
discover_at() {
  run srpadm -v discover --port "$PORT" --target "$1" --format json || return 1
  fields '(.targets | length), .targets[0].id_ext, .targets[0].ioc_guid,
          .targets[0].service_name, .targets[0].add_target, .stats.sa_requests,
          .stats.dm_requests, (.problems | length)'
  {
    read -r targets
    read -r id_ext
    read -r ioc_guid
    read -r service
    read -r line
    read -r sa
    read -r dm
    read -r problems
  } </tmp/fields
  echo "found: $line ($service); SA MADs $sa, DM MADs $dm"
  [ "$targets" -eq 1 ] || fail "not one target"
  [ "$problems" -eq 0 ] || fail "problems reported"
  [ "$sa" -eq 0 ] || fail "SA MADs sent on RoCE"
  # ib_srpt names its service SRP.T10:<service GUID> and its IOC by the same GUID
  # (drivers/infiniband/ulp/srpt/ib_srpt.c srpt_get_svc_entries(), srpt_get_ioc()).
  [ "$(echo "$id_ext" | tr A-F a-f)" = "$SERVICE_GUID" ] || fail "id_ext $id_ext"
  [ "$ioc_guid" = "0x$SERVICE_GUID" ] || fail "ioc_guid $ioc_guid"
  [ "$line" = "id_ext=$id_ext,ioc_guid=$SERVICE_GUID,dest=$2" ] || fail "login line $line"
}

discover_ipv4() {
  discover_at "$ADDR" "$ADDR:$CM_PORT"
}

# The port's link-local GID (gids/0, from the MAC) as an IPv6 address; the login line gets the
# netdev as its scope.
discover_link_local() {
  ll=$(cat /sys/class/infiniband/rxe0/ports/1/gids/0)
  discover_at "$ll" "[fe80::5054:ff:fe12:3456%dummy0]:$CM_PORT"
}

add_target_lines() {
  run srpadm discover --port "$PORT" --target "$ADDR" --format add-target || return 1
  [ "$(cat /tmp/out)" = "id_ext=$SERVICE_GUID,ioc_guid=$SERVICE_GUID,dest=$ADDR:$CM_PORT" ] ||
    grep -qi "^id_ext=$SERVICE_GUID,ioc_guid=$SERVICE_GUID,dest=$ADDR:$CM_PORT\$" /tmp/out ||
    fail "not the one add_target line"
}

# ---- d. login and I/O --------------------------------------------------------------------

connect_all() {
  run srpadm connect-all --port "$PORT" --target "$ADDR" --config none --format json || return 1
  fields '[.targets[] | .state, .add_target, .rdma_cm.dest] | join(" ")'
  read -r outcome </tmp/fields
  echo "outcome: $outcome"
  [ "$outcome" = "connected id_ext=$SERVICE_GUID,ioc_guid=$SERVICE_GUID,dest=$ADDR:$CM_PORT $ADDR:$CM_PORT" ] ||
    fail "not one target connected by RDMA/CM to $ADDR:$CM_PORT"
  wait_for_disk
}

connect_all_again() {
  run srpadm connect-all --port "$PORT" --target "$ADDR" --config none --format json || return 1
  fields '[.targets[].state] | join(" ")'
  read -r states </tmp/fields
  echo "states: $states"
  [ "$states" = already-connected ] || fail "not 'already-connected' alone: $states"
  [ "$(srp_hosts | wc -w)" -eq 1 ] || fail "a second SCSI host: $(srp_hosts)"
}

# One ib_srp SCSI host and, once sd has attached it, one LIO disk of 32 MiB (DISK).
wait_for_disk() {
  hosts=$(srp_hosts)
  echo "ib_srp SCSI hosts: $hosts"
  [ "$(echo "$hosts" | wc -w)" -eq 1 ] || fail "not one ib_srp SCSI host"
  # sd attaches the disk from the SCSI scan, which may end after the login write returns.
  n=0
  DISK=$(lio_disks)
  while [ -z "$DISK" ] && [ "$n" -lt 20 ]; do
    sleep 0.5
    n=$((n + 1))
    DISK=$(lio_disks)
  done
  echo "LIO-ORG disks: $DISK"
  [ "$(echo "$DISK" | wc -w)" -eq 1 ] || fail "not one LIO-ORG disk"
  read -r model <"/sys/block/$DISK/device/model"
  echo "model $model, $(cat "/sys/block/$DISK/size") sectors"
  [ "$(cat "/sys/block/$DISK/size")" -eq 65536 ] || fail "$DISK is not 32 MiB"
}

connect_rdma_cm() {
  run srpadm connect --port "$PORT" --dest "$ADDR:$CM_PORT" \
    --id-ext "$SERVICE_GUID" --ioc-guid "$SERVICE_GUID" || return 1
  wait_for_disk
}

disk_io() {
  run dd if=/dev/urandom of=/tmp/pattern bs=64k count=16 || return 1
  run dd if=/tmp/pattern of="/dev/$DISK" bs=64k seek=8 oflag=direct || return 1
  run dd if="/dev/$DISK" of=/tmp/readback bs=64k skip=8 count=16 iflag=direct || return 1
  run cmp /tmp/pattern /tmp/readback || fail "read back differs from what was written"
}

# ---- e. both sides agree on the session ---------------------------------------------------

list_json() {
  run srpadm list --format json || return 1
  fields '(.targets | length), ([.targets[].paths[]] | length), .targets[0].id_ext,
          (.targets[0].paths[0] | .transport, "\(.local_device):\(.local_port)",
           .remote_port.state, .devices[0].block, .devices[0].vendor, .devices[0].wwid, .sgid)'
  {
    read -r targets
    read -r paths
    read -r id_ext
    read -r transport
    read -r local
    read -r state
    read -r block
    read -r vendor
    read -r wwid
    read -r SGID
  } </tmp/fields
  [ "$targets" -eq 1 ] || fail "not one target"
  [ "$paths" -eq 1 ] || fail "not one path"
  [ "$id_ext" = "0x$SERVICE_GUID" ] || fail "id_ext $id_ext is not $SERVICE_GUID"
  [ "$transport" = rdma-cm ] || fail "transport $transport is not rdma-cm"
  [ "$local" = "$PORT" ] || fail "local port $local is not $PORT"
  [ "$state" = running ] || fail "remote port $state, not running"
  [ "$block" = "$DISK" ] || fail "disk $block is not $DISK"
  [ "$vendor" = LIO-ORG ] || fail "vendor $vendor is not LIO-ORG"
  # LIO's NAA designator: NAA 6, its IEEE company ID 001405, then the first 25 hex digits of
  # the unit serial (target_core_spc.c spc_gen_naa_6h_vendor_specific()); the initiator shows
  # it as naa.<32 hex digits> (drivers/scsi/scsi_lib.c scsi_vpd_lun_id()).
  read -r _ _ _ _ _ serial <"$SERIAL_FILE"
  digits=$(echo "$serial" | tr -cd 0-9a-f | cut -c1-25)
  echo "unit serial $serial, wwid $wwid"
  [ -n "$digits" ] || fail "ram0 has no unit serial"
  [ "$wwid" = "naa.6001405$digits" ] || fail "wwid $wwid is not naa.6001405$digits"
}

target_session() {
  run srpadm target status --format json || return 1
  fields '([.ports[].sessions[]] | length), ([.ports[].sessions[]][0] | .initiator, .group)'
  {
    read -r sessions
    read -r session
    read -r acl
  } </tmp/fields
  echo "session $session (ACL $acl); initiator's sgid $SGID"
  [ "$sessions" -eq 1 ] || fail "not one session"
  [ "$session" = "$ID" ] || fail "the session is not $ID"
  [ "$acl" = "$ID" ] || fail "the session's ACL is not $ID"
  # The target's session name ends in the initiator's port GUID, the low half of its sgid.
  [ "${session#0x0000000000000000}" = "$(echo "$SGID" | cut -c17-32)" ] ||
    fail "session $session does not belong to sgid $SGID"
}

list_text() {
  run srpadm list || return 1
  grep -q "^target id_ext $SERVICE_GUID ioc_guid $SERVICE_GUID (1 path)" /tmp/out ||
    fail "no line for the target"
  grep -q "rxe0:1 .*running .*RDMA/CM .*$DISK" /tmp/out || fail "no running path with $DISK"
}

# ---- f. save -------------------------------------------------------------------------------

save_config() {
  run srpadm target save --output /tmp/saveconfig.json || return 1
  cp /tmp/saveconfig.json /tmp/out
  fields '([.storage_objects[] | select(.name == "ram0" and .plugin == "ramdisk")] | length),
          ([.storage_objects[] | select(.name == "ram0") | .wwn] | join(" ")),
          ([.targets[] | select(.fabric == "srpt") | .tpgs[].node_acls[].node_wwn] | join(" ")),
          (.targets[] | select(.fabric == "srpt") | tojson)'
  {
    read -r objects
    read -r wwn
    read -r acls
    read -r target
  } </tmp/fields
  echo "srpt target: $target"
  [ "$objects" -eq 1 ] || fail "ram0 is not among the storage objects"
  # rtslib restores the unit serial from wwn (else it makes a new one, and the WWID changes).
  read -r _ _ _ _ _ serial <"$SERIAL_FILE"
  [ "$wwn" = "$serial" ] || fail "ram0's wwn '$wwn' is not its unit serial $serial"
  [ "$acls" = "ib.${ID#0x}" ] || fail "node ACLs '$acls', not ib.${ID#0x}"
}

# ---- g. tear down ---------------------------------------------------------------------------

disconnect_all() {
  run srpadm disconnect --all --wait 30 || return 1
  [ -z "$(srp_hosts)" ] || fail "ib_srp SCSI hosts left: $(srp_hosts)"
  [ ! -e "/sys/block/$DISK" ] || fail "$DISK is still there"
  [ -z "$(lio_disks)" ] || fail "LIO-ORG disks left: $(lio_disks)"
}

unexport_ram() {
  run srpadm target unexport ram0 || return 1
  run srpadm target status --format json || return 1
  fields '([.ports[].luns[]] | length), ([.devices[] | select(.name == "ram0")] | length)'
  {
    read -r luns
    read -r ram0
  } </tmp/fields
  [ "$luns" -eq 0 ] || fail "LUNs left"
  [ "$ram0" -eq 0 ] || fail "ram0 is still a device"
  run srpadm target status || return 1
  grep -q "no LUNs" /tmp/out || fail "target status does not say 'no LUNs'"
}

# ---- h. the daemon -------------------------------------------------------------------------

DAEMON_LOG=/tmp/daemon.log

# wait_until SECONDS CMD...: runs CMD every half second until it succeeds; fails after SECONDS.
wait_until() {
  limit=$(($1 * 2))
  shift
  n=0
  until "$@"; do
    n=$((n + 1))
    [ "$n" -lt "$limit" ] || return 1
    sleep 0.5
  done
}

# The daemon's view of the one target's path on rxe0:1, from srpadm status (its control
# socket): PATH_STATE (connected, backing-off, ...), ATTEMPTS (logins written since it started)
# and REMOTE (the remote port's state).
path_status() {
  srpadm status --format json >/tmp/status 2>/tmp/status.err || return 1
  jq -r '[.targets[].paths[] | select(.port == "rxe0:1")][0] |
         .state, (.daemon.attempts // 0), (.remote_port_state // "none")' \
    /tmp/status >/tmp/fields || return 1
  {
    read -r PATH_STATE
    read -r ATTEMPTS
    read -r REMOTE
  } </tmp/fields
}

path_is() {
  path_status && [ "$PATH_STATE" = "$1" ] && { [ -z "${2:-}" ] || [ "$REMOTE" = "$2" ]; }
}

one_disk() {
  [ "$(srp_hosts | wc -w)" -eq 1 ] && [ "$(lio_disks | wc -w)" -eq 1 ]
}

show_daemon() {
  echo "daemon: path $PATH_STATE, $ATTEMPTS login(s) written, remote port $REMOTE;" \
    "SCSI hosts: $(srp_hosts)"
}

daemon_connects() {
  mkdir -p /run
  # Short remote-port timeouts and retries, so that a target that stays away costs seconds.
  echo "\$ srpadm daemon --target $ADDR ... &"
  /usr/bin/srpadm daemon --target "$ADDR" --config none --log-level debug \
    --fast-io-fail-tmo 4 --dev-loss-tmo 8 --reconnect-delay 2 \
    --retry-first 2 --retry-max 4 >"$DAEMON_LOG" 2>&1 &
  DAEMON_PID=$!
  # The admin's disconnect --all before is remembered (srpadm's run directory): the daemon
  # leaves the target alone until the admin connects it or the configuration is reloaded.
  wait_until 40 path_is taken-down || fail "the admin's disconnect was not respected"
  show_daemon
  run srpadm reload || return 1
  wait_until 40 path_is connected running || fail "the daemon did not connect the target"
  show_daemon
  wait_until 10 one_disk || fail "not one SCSI host with one LIO disk"
  [ "$ATTEMPTS" -eq 1 ] || fail "$ATTEMPTS logins written, not 1"
  DISK=$(lio_disks)
}

# The target goes away and comes back (its port disabled, then enabled): ib_srp reconnects
# the same SCSI host, and the daemon writes no login of its own.
daemon_target_bounce() {
  host_before=$(srp_hosts)
  run srpadm target disable || return 1
  wait_until 20 path_is connected blocked ||
    wait_until 10 path_is connected fail-fast || fail "the remote port was not blocked"
  show_daemon
  run srpadm target enable || return 1
  wait_until 30 path_is connected running || fail "the path did not come back"
  show_daemon
  [ "$(srp_hosts)" = "$host_before" ] || fail "SCSI hosts $(srp_hosts), not $host_before"
  [ "$ATTEMPTS" -eq 1 ] || fail "$ATTEMPTS logins written, not 1: the daemon logged in again"
}

# The LUN removed and added again: the session stays, nothing is logged in twice.
daemon_lun_bounce() {
  run srpadm target unexport ram0 --keep-device || return 1
  run srpadm target export --ram 32M --name ram0 --allow "$ID" || return 1
  sleep 3
  path_status || fail "no status"
  show_daemon
  [ "$PATH_STATE" = connected ] || fail "the path is $PATH_STATE"
  [ "$(srp_hosts | wc -w)" -eq 1 ] || fail "SCSI hosts: $(srp_hosts)"
  [ "$ATTEMPTS" -eq 1 ] || fail "$ATTEMPTS logins written, not 1"
}

# The ACL removed: the session ends, ib_srp gives the SCSI host up after dev_loss_tmo, the
# daemon's logins are rejected and it backs off; the ACL back, it connects without a restart.
daemon_acl() {
  run srpadm target deny "$ID" || return 1
  wait_until 60 path_is backing-off || fail "the daemon is not backing off"
  show_daemon
  jq -r '[.targets[].paths[] | select(.port == "rxe0:1")][0].daemon.last_error' /tmp/status
  [ -z "$(srp_hosts)" ] || fail "SCSI hosts left: $(srp_hosts)"
  run srpadm target allow "$ID" || return 1
  wait_until 30 path_is connected running || fail "the daemon did not connect again"
  show_daemon
  wait_until 10 one_disk || fail "not one SCSI host with one LIO disk"
  DISK=$(lio_disks)
}

# The netdev under rxe0 down and up reaches the daemon as port events.
daemon_port_events() {
  run ip link set dummy0 down || return 1
  wait_until 20 grep -q "the port went down" "$DAEMON_LOG" || fail "no port-down in the log"
  run ip link set dummy0 up || return 1
  wait_until 20 grep -q "the port is ACTIVE" "$DAEMON_LOG" || fail "no port-active in the log"
  wait_until 40 path_is connected running || fail "the path did not come back"
  show_daemon
  grep -E "port event|went down|is ACTIVE" "$DAEMON_LOG"
}

daemon_stops() {
  run kill -TERM "$DAEMON_PID" || return 1
  wait "$DAEMON_PID"
  rc=$?
  echo "daemon exit status $rc"
  [ "$rc" -eq 0 ] || fail "the daemon exited with $rc"
  # It never logs out: the session stays.
  [ "$(srp_hosts | wc -w)" -eq 1 ] || fail "SCSI hosts: $(srp_hosts)"
}

echo "e2e guest: kernel $(uname -r)"
step modules load_modules
step soft-roce soft_roce
step initiator-id-json initiator_id_json
step initiator-id-text initiator_id_text
step target-status-lio target_status_lio
step target-export-dry-run export_dry_run
step target-export export_ram
step target-status-json target_status_json
step discover-ipv4 discover_ipv4
step discover-link-local discover_link_local
step discover-add-target add_target_lines
step connect-all connect_all
step disk-io disk_io
step connect-all-again connect_all_again
step list-json list_json
step target-session target_session
step list-text list_text
step target-save save_config
step disconnect-all disconnect_all
step connect-rdma-cm connect_rdma_cm
step disconnect-again disconnect_all
step daemon-connects daemon_connects
step daemon-target-bounce daemon_target_bounce
step daemon-lun-bounce daemon_lun_bounce
step daemon-acl-backoff daemon_acl
step daemon-port-events daemon_port_events
step daemon-stops daemon_stops
step disconnect-daemons-login disconnect_all
step target-unexport unexport_ram
read -r uptime _ </proc/uptime
echo "E2E-DONE (guest uptime ${uptime} s)"
finish
