#!/usr/bin/env bash
# Builds the guest's initramfs: busybox-static, the given kernel modules with their
# dependencies, srpadm with its shared libraries, the tools the guest script uses (iproute2's
# rdma, jq) and libibverbs's Soft-RoCE provider.
# Usage: build-initramfs.sh <kernel-dir> <init-script> <srpadm> <out.cpio.gz> <module>...
#   kernel-dir: what fetch-kernel.sh prints (boot/, lib/modules/<kver>/, kver)
set -euo pipefail
kdir=${1:?kernel dir}
init=${2:?init script}
srpadm=${3:?srpadm binary}
out=${4:?output file}
shift 4
modules=("$@")
kver=$(cat "$kdir/kver")

staging="$out.d"
rm -rf "$staging"
mkdir -p "$staging"/{bin,sbin,usr/bin,etc,proc,sys,dev,tmp,run,root,"lib/modules/$kver"}

# busybox-static: one binary, a link per applet. `busybox --list` names busybox itself too,
# and that link would replace the binary. (Debian's other busybox package is linked
# dynamically; ldd succeeds only for such a binary.)
if ldd /bin/busybox >/dev/null 2>&1; then
  echo "build-initramfs: /bin/busybox is not static: install busybox-static" >&2
  exit 1
fi
cp /bin/busybox "$staging/bin/busybox"
for applet in $(/bin/busybox --list); do
  if [ "$applet" != busybox ]; then
    ln -s busybox "$staging/bin/$applet"
  fi
done
# The kernel loads modules it needs itself (a crypto algorithm, say) through /sbin/modprobe.
ln -s ../bin/busybox "$staging/sbin/modprobe"

# copy_with_libraries FILE DEST: FILE at DEST in the image, and every shared library ldd lists
# for it (the loader included) at the path ldd names, which is on the loader's default search
# path.
copy_with_libraries() {
  local file=$1 dest=$2 line lib
  mkdir -p "$staging/$(dirname "$dest")"
  cp -L "$file" "$staging/$dest"
  while read -r line; do
    case $line in
      *"not found"*)
        echo "build-initramfs: $file: $line" >&2
        exit 1
        ;;
      *"=> /"*)  # libfoo.so.1 => /lib/x86_64-linux-gnu/libfoo.so.1 (0x...)
        lib=${line#*=> }
        lib=${lib%% *}
        ;;
      /*)  # the loader: /lib64/ld-linux-x86-64.so.2 (0x...)
        lib=${line%% *}
        ;;
      *)  # linux-vdso.so.1: in the kernel
        continue
        ;;
    esac
    if [ ! -e "$staging$lib" ]; then
      mkdir -p "$staging$(dirname "$lib")"
      cp -L "$lib" "$staging$lib"
    fi
  done < <(ldd "$file")
}

copy_with_libraries "$srpadm" /usr/bin/srpadm
# rdma creates the Soft-RoCE device (rdma_rxe in 6.1 has no module parameter for it);
# jq reads srpadm's JSON output in the checks.
for tool in rdma jq; do
  path=$(command -v "$tool") || { echo "build-initramfs: $tool is not installed" >&2; exit 1; }
  copy_with_libraries "$path" "/usr/bin/$tool"
done

# libibverbs finds a device's user-space provider through /etc/libibverbs.d/*.driver and loads
# lib<name>-rdmav<ABI>.so from its provider directory (rdma-core libibverbs/dynamic_driver.c).
# Both come from ibverbs-providers, which libibverbs-dev depends on.
verbs_lib=$(ldd "$srpadm" | awk '$1 ~ /^libibverbs\.so/ { print $3 }')
if [ -z "$verbs_lib" ]; then
  echo "build-initramfs: $srpadm does not link libibverbs" >&2
  exit 1
fi
# The provider directory is compiled in under /usr/lib (ldd may name the library through the
# /lib symlink of a merged /usr, which the image does not have).
verbs_lib=$(realpath "$verbs_lib")
providers=("$(dirname "$verbs_lib")"/libibverbs/librxe-rdmav*.so)
if [ ! -f "${providers[0]}" ] || [ ! -f /etc/libibverbs.d/rxe.driver ]; then
  echo "build-initramfs: the rxe verbs provider is missing: install ibverbs-providers" >&2
  exit 1
fi
copy_with_libraries "${providers[0]}" "${providers[0]}"
mkdir -p "$staging/etc/libibverbs.d"
cp /etc/libibverbs.d/rxe.driver "$staging/etc/libibverbs.d/"

# The modules with their dependencies (soft ones included), as modprobe resolves them.
for m in "${modules[@]}"; do
  while read -r what path _; do
    if [ "$what" = insmod ] && [ ! -e "$staging/${path#"$kdir"/}" ]; then
      mkdir -p "$staging/$(dirname "${path#"$kdir"/}")"
      cp "$path" "$staging/${path#"$kdir"/}"
    fi
  done < <(modprobe -d "$kdir" -S "$kver" --show-depends "$m")
done
for f in modules.order modules.builtin modules.builtin.modinfo; do
  cp "$kdir/lib/modules/$kver/$f" "$staging/lib/modules/$kver/"
done
depmod -b "$staging" "$kver"

cp "$init" "$staging/init"
chmod 755 "$staging/init"

# newc is the format the kernel unpacks; gzip -1 because compressing harder saves little and
# the guest decompresses it under emulation.
(cd "$staging" && find . | sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$out"
rm -rf "$staging"
