#!/usr/bin/env bash
# The real-kernel tier: boots Debian's kernel in qemu with the guest script guest-init.sh as
# /init, which drives the kernel's SRP initiator (ib_srp) and target (LIO ib_srpt) over
# Soft-RoCE with srpadm, and checks its console log: every step prints PASS or FAIL, and a run
# that passes ends with E2E-DONE.
# Usage: run.sh <srpadm> <source-dir> <work-dir>
# The work dir keeps the unpacked kernel (reused while Debian's kernel package is the same),
# the initramfs and the console log (console.log).
set -euo pipefail
srpadm=${1:?srpadm binary}
src=${2:?source dir}
work=${3:?work dir}
here="$src/tests/e2e"

# What the guest loads (guest-init.sh, load_modules) and the image therefore holds.
modules=(crc32_generic rdma_rxe ib_umad ib_uverbs rdma_ucm ib_srp sd_mod
         target_core_mod target_core_iblock target_core_file ib_srpt dummy)
# Guest and qemu together, well under ctest's TIMEOUT for the test.
boot_timeout=300

for tool in qemu-system-x86_64 cpio depmod modprobe rdma jq; do
  if ! command -v "$tool" >/dev/null; then
    echo "e2e: $tool is missing: run scripts/install-deps.sh" >&2
    exit 1
  fi
done
if [ ! -x /bin/busybox ]; then
  echo "e2e: /bin/busybox is missing: run scripts/install-deps.sh" >&2
  exit 1
fi

mkdir -p "$work"
work=$(cd "$work" && pwd)
start=$(date +%s)
kdir=$(bash "$here/fetch-kernel.sh" "$work/kernel" "${modules[@]}")
kver=$(cat "$kdir/kver")
initramfs="$work/initramfs.cpio.gz"
bash "$here/build-initramfs.sh" "$kdir" "$here/guest-init.sh" "$srpadm" "$initramfs" \
  "${modules[@]}"
prepared=$(date +%s)
echo "e2e: kernel $kver and initramfs ready in $((prepared - start)) s"

log="$work/console.log"
# -accel tcg: plain emulation. KVM may be there and still not run a stock kernel (in a VM
# whose KVM is PVM the guest hangs silently), and TCG boots in seconds.
# -nic none: the guest's RoCE runs on a dummy netdev; nothing leaves qemu.
# -no-reboot with panic=-1: the guest's poweroff, or a panic (an /init that dies), ends qemu.
# quiet: the console shows the steps; the kernel's log is printed by the guest on failure.
rc=0
timeout "$boot_timeout" qemu-system-x86_64 -accel tcg -m 2048 -smp 2 -nic none -nographic \
  -no-reboot -kernel "$kdir/boot/vmlinuz-$kver" -initrd "$initramfs" \
  -append "console=ttyS0 panic=-1 quiet" </dev/null >"$log" 2>&1 || rc=$?
end=$(date +%s)
echo "e2e: guest ran $((end - prepared)) s (qemu exit status $rc), $((end - start)) s in all"

problems=()
if [ "$rc" -eq 124 ]; then
  problems+=("the guest did not finish within $boot_timeout s")
elif [ "$rc" -ne 0 ]; then
  problems+=("qemu exited with status $rc")
fi
# (The serial console ends lines with CR LF: the patterns match the start of a line only.)
if grep -a -q '^FAIL ' "$log"; then
  problems+=("a step failed: $(grep -a '^FAIL ' "$log" | tr -d '\r' | tr '\n' ' ')")
fi
if ! grep -a -q '^E2E-DONE' "$log"; then
  problems+=("the guest did not reach its end (no E2E-DONE)")
fi

grep -a -E '^(PASS|FAIL) ' "$log" | tr -d '\r'
if [ ${#problems[@]} -gt 0 ]; then
  echo "e2e: the whole console log ($log):"
  tr -d '\r' <"$log"
  for p in "${problems[@]}"; do
    echo "e2e: FAILED: $p"
  done
  exit 1
fi
echo "e2e: passed (console log: $log)"
