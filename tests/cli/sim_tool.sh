#!/usr/bin/env bash
# srpadm-sim and srpadm split: srpadm has no simulator (--fabric points to srpadm-sim),
# srpadm-sim scans only simulated fabrics and never writes into the real /sys.
# Usage: sim_tool.sh <path-to-srpadm-sim> <source-dir>
set -u
bin=$1 src=$2
source "$src/tests/cli/lib/host.sh"
sim=$bin
real=$(dirname "$bin")/srpadm
two=$src/examples/fabrics/two-targets.fabric

# srpadm refuses --fabric with a usage error that names srpadm-sim, and has no fabric command.
bin=$real
expect 2 "" "option --fabric: srpadm talks to real ports only; simulated fabrics are run by srpadm-sim" \
    discover --fabric "$two"
[ -z "$out" ] || bad "srpadm printed something for --fabric" discover --fabric
expect 2 "" "" fabric check "$two"
"$real" --help | grep -q '^  fabric' && bad "srpadm --help lists fabric" --help
expect 0 "srpadm 0." "" --version

# srpadm-sim: --fabric is required, fabric check works, its version names it.
bin=$sim
expect 2 "" "srpadm-sim scans simulated fabrics only: give --fabric FILE" discover -f add-target
expect 0 "two-targets.fabric: " "" fabric check "$two"
expect 0 "srpadm-sim 0." "" --version

# A simulated target is never logged in to through the real /sys, however /sys is spelled;
# a stand-in tree or a dry run is fine.
for root in /sys /sys/ //sys; do
    args=(connect-all --fabric "$fabric" --config none)
    [ "$root" = /sys ] || args+=(--sysfs-root "$root")
    expect 2 "" "the targets of a simulated fabric are never logged in to through the real /sys: give --sysfs-root DIR (a stand-in host) or --dry-run" \
        "${args[@]}"
    [ -z "$out" ] || bad "output before the refusal" "${args[@]}"
done
expect 0 "" "" connect-all --fabric "$fabric" --config none --dry-run
expect 0 "# $fixture/class/infiniband_srp/srp-mlx5_1-1/add_target" "" \
    connect-all --fabric "$fabric" --config none --sysfs-root "$fixture" --dry-run
# Nor by the commands that take a login whole.
expect 2 "" "this tool never writes into the real /sys" \
    connect "id_ext=1,ioc_guid=1,dgid=fe800000000000000002c90300e00011,pkey=ffff,service_id=1" \
    --sysfs-root /sys

finish
