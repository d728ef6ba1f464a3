#!/usr/bin/env bash
# Fetches Debian's current amd64 kernel package and keeps of it only what the guest needs: the
# kernel image and the given modules with everything they depend on, as a module tree that
# depmod and modprobe can read.
# Usage: fetch-kernel.sh <cache-dir> <module>...
# Prints the directory of the unpacked kernel (<cache-dir>/<package>_<version>), which holds
# boot/vmlinuz-<kver>, lib/modules/<kver>/ and a file "kver". A second run with the same
# package version reuses it.
set -euo pipefail
cache=${1:?cache dir}
shift
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)  # modprobe -d wants an absolute path
modules=("$@")
[ ${#modules[@]} -gt 0 ] || { echo "fetch-kernel: no modules given" >&2; exit 2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# The versioned package linux-image-amd64 points at today. Never a fixed ABI number: the
# archive drops an old ABI's package at the next point release.
resolve_package() {
  apt-cache depends linux-image-amd64 2>/dev/null |
    awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'
}

candidate_version() {
  apt-cache show --no-all-versions "$1" 2>/dev/null | awk '$1 == "Version:" { print $2; exit }'
}

# True when every module resolves in the unpacked tree and the image is there.
complete() {
  local dir=$1 kver
  [ -f "$dir/kver" ] || return 1
  kver=$(cat "$dir/kver")
  [ -f "$dir/boot/vmlinuz-$kver" ] || return 1
  local m
  for m in "${modules[@]}"; do
    modprobe -d "$dir" -S "$kver" --show-depends "$m" >/dev/null 2>&1 || return 1
  done
}

package=$(resolve_package || true)
version=""
if [ -n "$package" ]; then
  version=$(candidate_version "$package" || true)
fi
if [ -n "$package" ] && [ -n "$version" ] && complete "$cache/${package}_$version"; then
  echo "$cache/${package}_$version"
  exit 0
fi

download="$cache/download"
rm -rf "$download"
mkdir -p "$download"

# Stale package lists name a package the archive no longer has (or none at all): refresh them
# once and look again, as scripts/install-deps.sh does.
fetched=no
for attempt in first after-update; do
  if [ "$attempt" = after-update ]; then
    echo "fetch-kernel: refreshing the package lists (apt-get update)" >&2
    as_root apt-get update >&2
    package=$(resolve_package || true)
    version=$(candidate_version "$package" || true)
  fi
  if [ -z "$package" ] || [ -z "$version" ]; then
    continue
  fi
  echo "fetch-kernel: downloading $package $version" >&2
  # apt-get download writes into the current directory. As root, apt would hand the download
  # to its sandbox user _apt, who may not write there, and warn: download as root instead.
  sandbox=()
  if [ "$(id -u)" -eq 0 ]; then
    sandbox=(-o APT::Sandbox::User=root)
  fi
  if (cd "$download" && apt-get download "${sandbox[@]}" "$package" >&2); then
    fetched=yes
    break
  fi
done
if [ "$fetched" != yes ]; then
  echo "fetch-kernel: cannot download Debian's kernel package (linux-image-amd64 -> '$package')" >&2
  exit 1
fi

debs=("$download/${package}"_*.deb)
deb=${debs[0]}
[ -f "$deb" ] || { echo "fetch-kernel: apt-get download left no .deb in $download" >&2; exit 1; }

out="$cache/${package}_$version"
scratch="$cache/scratch"
rm -rf "$out" "$scratch"
mkdir -p "$out" "$scratch"

# The dependency closure needs the whole module tree: depmod resolves dependencies from the
# symbols of every module, and soft dependencies name aliases ("pre: crct10dif") that only the
# full tree's modules.alias resolves. So the modules are unpacked once into a scratch tree,
# and only the closure is kept; the scratch tree and the .deb are removed below.
dpkg-deb --fsys-tarfile "$deb" |
  tar -x -C "$scratch" --wildcards './boot/vmlinuz-*' './lib/modules/*'
vmlinuz=("$scratch"/boot/vmlinuz-*)
kver=${vmlinuz[0]##*/vmlinuz-}
[ -f "$scratch/boot/vmlinuz-$kver" ] || { echo "fetch-kernel: no kernel image in $deb" >&2; exit 1; }
# The package ships no modules.dep: its postinst runs depmod.
depmod -b "$scratch" "$kver"

mkdir -p "$out/boot" "$out/lib/modules/$kver"
cp "$scratch/boot/vmlinuz-$kver" "$out/boot/"
for f in modules.order modules.builtin modules.builtin.modinfo; do
  cp "$scratch/lib/modules/$kver/$f" "$out/lib/modules/$kver/"
done
needed=()
for m in "${modules[@]}"; do
  # "insmod /path/to/module.ko [options]" per module to load, dependencies first; built-in
  # modules print "builtin NAME".
  while read -r what path _; do
    if [ "$what" = insmod ]; then
      needed+=("$path")
    fi
  done < <(modprobe -d "$scratch" -S "$kver" --show-depends "$m")
done
for path in "${needed[@]}"; do
  rel=${path#"$scratch"/}
  mkdir -p "$out/$(dirname "$rel")"
  cp "$path" "$out/$rel"
done
depmod -b "$out" "$kver"
echo "$kver" >"$out/kver"
rm -rf "$scratch" "$download"
# Kernels unpacked by earlier runs for other package versions are not used again.
for old in "$cache"/linux-image-*; do
  if [ "$old" != "$out" ]; then
    rm -rf "$old"
  fi
done

if ! complete "$out"; then
  echo "fetch-kernel: the unpacked kernel in $out lacks some of: ${modules[*]}" >&2
  exit 1
fi
echo "$out"
