#!/usr/bin/env bash
# Installs every package srpadm needs to build and test, from Debian 12's archive.
# Runs apt-get as root (through sudo when not root). Safe to run again.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config groff-base
  # libraries
  libexpected-dev libfmt-dev libspdlog-dev libcli11-dev nlohmann-json3-dev
  libibumad-dev libibmad-dev libsystemd-dev
  # port events (verbs asynchronous events) and uevents (hot-plug, SRP host removal)
  libibverbs-dev libudev-dev
  # tests: unit and oracle suites, fuzz smoke (libFuzzer comes with clang's runtime), lint
  googletest libgtest-dev libgmock-dev clang libclang-rt-14-dev clang-format clang-tidy
  # tests: the CLI suite reads discover's JSON output
  jq
  # tests: systemd-analyze checks the systemd units; python3 listens on a NOTIFY_SOCKET;
  # prometheus_client parses the daemon's metrics file
  systemd python3 python3-prometheus-client
  # install paths: systemd.pc and udev.pc say where the units, the modules-load.d file and the
  # udev rule go
  udev
  # tests: the Debian package (cpack; dpkg-shlibdeps for its Depends; lintian) and the manual
  # pages' lint (mandoc -Tlint, scripts/lint.sh)
  dpkg-dev lintian mandoc
  # tests: real subnet manager tier (ibsim + opensm + libumad2sim) and the benchmark
  ibsim-utils libumad2sim0 opensm infiniband-diags
  # tests: the real srp_daemon and ibsrpdm as the oracle of the srp_daemon formats, and the
  # side-by-side benchmark (never run as a service here: see below)
  srptools
  # tests: rtslib-fb (LIO's own library, what targetcli and targetctl restore with) reads the
  # saveconfig.json `srpadm target save` writes (never run as a service here: see below)
  python3-rtslib-fb
  # tests: real kernel tier (tests/e2e): qemu boots Debian's kernel with Soft-RoCE; the guest's
  # initramfs is busybox-static, packed with cpio; kmod's depmod/modprobe resolve the guest's
  # modules; iproute2's rdma tool creates the rxe device in the guest
  qemu-system-x86 busybox-static cpio kmod iproute2
)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
# srptools starts nothing under sysvinit (/etc/default/srptools: PORTS=NONE), but under systemd
# its postinst enables and starts srp_daemon.service, whose start_on_all_ports starts a daemon
# that logs in to SRP targets on every InfiniBand port. The tests only run the binaries, so the
# unit is masked before the package is installed: it never starts, now or at boot.
if [[ " ${missing[*]} " == *" srptools "* ]] && [ -d /run/systemd/system ]; then
  as_root systemctl mask srp_daemon.service
fi
# python3-rtslib-fb's postinst likewise enables and starts rtslib-fb-targetctl.service, which
# restores a LIO configuration at boot (loading the target modules); the test only imports the
# library, so that unit is masked first too.
if [[ " ${missing[*]} " == *" python3-rtslib-fb "* ]] && [ -d /run/systemd/system ]; then
  as_root systemctl mask rtslib-fb-targetctl.service
fi
export DEBIAN_FRONTEND=noninteractive
if ! as_root apt-get install -y --no-install-recommends "${missing[@]}"; then
  as_root apt-get update
  as_root apt-get install -y --no-install-recommends "${missing[@]}"
fi
