# Helpers for the host-side CLI tests (sourced; not a test of its own).
# Usage in a test: bin=$1 src=$2; source "$src/tests/cli/lib/host.sh"

fixture=$src/tests/fixtures/sysfs/host1
sysfs=
fabric=$src/tests/fixtures/fabrics/host1.fabric
golden=$src/tests/cli/golden
work=$(mktemp -d)
kernel_pids=()
cleanup() {
    local pid
    for pid in "${kernel_pids[@]}"; do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    rm -rf "$work"
}
trap cleanup EXIT
errf=$work/stderr
source "$src/tests/cli/lib/common.sh"

run() {
    run_srpadm "$@"
}

# expect STATUS STDOUT-TEXT STDERR-TEXT ARGS...: exit STATUS, stdout and stderr contain the
# texts (an empty text matches anything).
expect() {
    local want_status=$1 want_out=$2 want_err=$3
    shift 3
    run "$@"
    if [ "$status" -ne "$want_status" ] || [[ "$out" != *"$want_out"* ]] || [[ "$err" != *"$want_err"* ]]; then
        bad "expected status $want_status, stdout with '$want_out', stderr with '$want_err'" "$@"
    fi
}

# golden NAME ARGS...: exit 0 and stdout equal to tests/cli/golden/NAME, where @FIXTURE@
# stands for the fixture tree, @SYSFS@ for the current copy and @SRC@ for the source tree.
golden() {
    local name=$1
    shift
    run "$@"
    local want
    want=$(sed "s|@FIXTURE@|$fixture|g; s|@SYSFS@|$sysfs|g; s|@SRC@|$src|g" "$golden/$name"; printf x)
    want=${want%x}
    if [ "$status" -ne 0 ] || [ "$out" != "$want" ]; then
        bad "expected status 0 and the output of golden/$name" "$@"
        diff <(printf '%s' "$want") <(printf '%s' "$out") | head -20
    fi
}

# fresh_sysfs: a writable copy of the fixture in $sysfs.
fresh_sysfs() {
    sysfs=$work/sysfs-$RANDOM$RANDOM
    cp -r "$fixture" "$sysfs"
}

# new_host DEV PORT H LINE: class/scsi_host/hostH and class/srp_remote_ports/port-H:1 in
# $sysfs for the login LINE through DEV:PORT, as ib_srp shows them.
new_host() {
    local dev=$1 port=$2 h=$3 line=$4 item gid
    local -A kv=()
    local -a items
    IFS=, read -ra items <<<"$line"
    for item in "${items[@]}"; do kv[${item%%=*}]=${item#*=}; done
    local d=$sysfs/class/scsi_host/host$h
    mkdir -p "$d"
    echo ib_srp >"$d/proc_name"
    printf '0x%016x\n' "0x${kv[id_ext]}" >"$d/id_ext"
    printf '0x%016x\n' "0x${kv[ioc_guid]}" >"$d/ioc_guid"
    if [ -n "${kv[dgid]:-}" ]; then
        printf '0x%016x\n' "0x${kv[service_id]}" >"$d/service_id"
        printf '0x%04x\n' "0x${kv[pkey]}" >"$d/pkey"
        gid=$(sed 's/.\{4\}/&:/g; s/:$//' <<<"${kv[dgid]}")
        echo "$gid" >"$d/dgid"
        echo "$gid" >"$d/orig_dgid"
    fi
    echo "$dev" >"$d/local_ib_device"
    echo "$port" >"$d/local_ib_port"
    local r=$sysfs/class/srp_remote_ports/port-$h:1
    mkdir -p "$r"
    echo running >"$r/state"
    cat "$sysfs/module/ib_srp/parameters/fast_io_fail_tmo" >"$r/fast_io_fail_tmo"
    cat "$sysfs/module/ib_srp/parameters/dev_loss_tmo" >"$r/dev_loss_tmo"
    cat "$sysfs/module/ib_srp/parameters/reconnect_delay" >"$r/reconnect_delay"
    : >"$r/delete"
}

# fake_kernel DEV PORT [MODE]: replaces srp-DEV-PORT/add_target in $sysfs with a FIFO and
# answers each line written to it as ib_srp would: a new SCSI host (host20, host21, ...) with
# the login's attributes and a running remote port. MODE "vanish" records the line but makes
# no host (the kernel removed it after a failed SCSI scan). Every line read is appended to
# $sysfs/add_target.log.
fake_kernel() {
    local dev=$1 port=$2 mode=${3:-}
    local fifo=$sysfs/class/infiniband_srp/srp-$dev-$port/add_target
    rm -f "$fifo"
    mkfifo "$fifo"
    (
        # Held open for reading and writing for as long as the stand-in runs: a writer never
        # waits for a reader, and nothing written between two reads is lost (a reader that
        # reopened the FIFO per login could see EOF, close, and drop a login written in that
        # moment). read -t returns what arrived before the pause; a login is one write of
        # less than PIPE_BUF bytes, so a pause never splits one, but several can come in one
        # piece: every login string starts with id_ext=.
        exec 3<>"$fifo"
        h=20
        while true; do
            chunk=
            IFS= read -r -t 0.1 -d '' chunk <&3
            [ -n "$chunk" ] || continue
            while IFS= read -r line; do
                [ -n "$line" ] || continue
                printf '%s\n' "$line" >>"$sysfs/add_target.log"
                [ "$mode" = vanish ] && continue
                new_host "$dev" "$port" "$h" "$line"
                h=$((h + 1))
            done < <(printf '%s\n' "$chunk" | sed 's/\(.\)id_ext=/\1\nid_ext=/g')
        done
    ) &
    kernel_pids+=($!)
}

finish() {
    if [ "$failures" -ne 0 ]; then
        echo "$failures failure(s)"
        exit 1
    fi
    echo "all passed"
}

# wait_for SECONDS COMMAND...: until COMMAND succeeds (tried every 0.1 s); 1 if it never does.
wait_for() {
    local n=$(($1 * 10))
    shift
    while [ "$n" -gt 0 ]; do
        "$@" && return 0
        sleep 0.1
        n=$((n - 1))
    done
    return 1
}

# acl_fabric FILE: examples/fabrics/two-targets.fabric with storage2's access list admitting
# another initiator only, so that its two IOCs reject this host's logins (ECONNRESET).
acl_fabric() {
    sed '/^target "storage2 mlx5_0"\/1/a\    acl 0x00000000000000000002c90300a00099' \
        "$src/examples/fabrics/two-targets.fabric" >"$1"
}
