#!/usr/bin/env bash
# The Debian package: cpack builds it from the build tree (into a scratch directory), and this
# checks its file list, control fields, conffiles and maintainer scripts, runs lintian (an E:
# tag fails; W: tags are printed), checks that the shipped configuration connects nothing,
# and installs and purges it in a scratch root with dpkg, recording what the maintainer scripts
# ask of systemctl, udevadm and deb-systemd-* (stand-ins): only reloads, and a stop of the
# daemon on removal; never an enable, a start or a udev trigger. Then the other value of
# SRPADM_COMPAT_LINKS: a scratch build tree configured with it, packaging the same binary.
# Usage: deb.sh <srpadm> <srpadm-sim> <source-dir> <build-dir> <SRPADM_COMPAT_LINKS of the build>
set -euo pipefail
bin=$(realpath "$1") sim=$(realpath "$2") src=$(realpath "$3") build=$(realpath "$4")
case "$5" in ON | on | 1 | TRUE | true | YES | yes) links=1 ;; *) links=0 ;; esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
bad() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}
started=$SECONDS

version=$("$bin" --version)
version=${version#srpadm }
arch=$(dpkg --print-architecture)
changelog_version=$(sed -n '1s/^srpadm (\([^)]*\)).*/\1/p' "$src/packaging/debian/changelog")
[ "$changelog_version" = "$version" ] ||
    bad "packaging/debian/changelog starts at $changelog_version, the project is $version"

# build_deb TREE OUT: runs cpack in TREE, the package and its staging tree under OUT; prints
# the package's path.
build_deb() {
    local tree=$1 out=$2
    if ! (cd "$tree" && cpack -G DEB -B "$out") >"$out.log" 2>&1; then
        cat "$out.log" >&2
        echo "FAIL: cpack in $tree" >&2
        exit 1
    fi
    local deb=$out/srpadm_${version}_${arch}.deb
    [ -f "$deb" ] || { cat "$out.log" >&2; echo "FAIL: cpack made no $deb" >&2; exit 1; }
    echo "$deb"
}

# The files (not directories) a package holds, one "MODE OWNER PATH[ -> TARGET]" a line.
file_list() {
    dpkg-deb -c "$1" | awk '$1 !~ /^d/ { $3 = ""; $4 = ""; $5 = ""; sub(/^\./, "", $6); print }' |
        tr -s ' ' | sort -k3
}

# What Debian 12 gets: units and the rule in /lib (bookworm's systemd.pc and udev.pc say so),
# everything else below /usr, the configuration in /etc.
expected_files() {
    cat <<EOF
-rw-r--r-- root/root /etc/srpadm/srpadm.conf
-rw-r--r-- root/root /lib/systemd/system/srpadm-connect@.service
-rw-r--r-- root/root /lib/systemd/system/srpadm.service
-rw-r--r-- root/root /lib/udev/rules.d/60-srpadm.rules
-rw-r--r-- root/root /usr/lib/modules-load.d/srpadm.conf
-rwxr-xr-x root/root /usr/sbin/srpadm
-rw-r--r-- root/root /usr/share/doc/srpadm/changelog.gz
-rw-r--r-- root/root /usr/share/doc/srpadm/copyright
-rw-r--r-- root/root /usr/share/man/man5/srpadm.conf.5.gz
-rw-r--r-- root/root /usr/share/man/man8/srpadm.8.gz
EOF
    if [ "$1" -eq 1 ]; then
        echo "lrwxrwxrwx root/root /usr/sbin/ibsrpdm -> srpadm"
        echo "lrwxrwxrwx root/root /usr/sbin/srp_daemon -> srpadm"
        echo "lrwxrwxrwx root/root /usr/share/man/man8/ibsrpdm.8.gz -> srpadm.8.gz"
        echo "lrwxrwxrwx root/root /usr/share/man/man8/srp_daemon.8.gz -> srpadm.8.gz"
    fi
}

# check_deb DEB LINKS: the file list and the control fields.
check_deb() {
    local deb=$1 with_links=$2 field want got
    if ! diff -u <(expected_files "$with_links" | sort -k3) <(file_list "$deb") >"$work/files.diff"; then
        cat "$work/files.diff"
        bad "$deb: the file list differs from the expected one (- expected, + packaged)"
    fi
    for field in Package=srpadm Version="$version" Architecture="$arch" Section=admin \
        Priority=optional; do
        want=${field#*=}
        got=$(dpkg-deb -f "$deb" "${field%%=*}")
        [ "$got" = "$want" ] || bad "$deb: ${field%%=*} is '$got', not '$want'"
    done
    got=$(dpkg-deb -f "$deb" Maintainer)
    local name_address='^[^<]+ <[^@>]+@[^>]+>$'
    [[ "$got" =~ $name_address ]] || bad "$deb: Maintainer '$got' is not 'Name <address>'"
    got=$(dpkg-deb -f "$deb" Description)
    [[ "$got" == "SRP target discovery and login for InfiniBand and RoCE"$'\n'* ]] ||
        bad "$deb: Description: $got"
    got=$(dpkg-deb -f "$deb" Conflicts)
    want=
    [ "$with_links" -eq 0 ] || want=srptools
    [ "$got" = "$want" ] || bad "$deb: Conflicts is '$got', not '$want'"
    got=$(dpkg-deb -f "$deb" Provides Replaces Pre-Depends)
    [ -z "$got" ] || bad "$deb: unexpected fields: $got"
}

deb=$(build_deb "$build" "$work/out")
echo "package: $deb ($(stat -c %s "$deb") bytes, cpack $((SECONDS - started)) s)"
check_deb "$deb" "$links"

# Depends: each library srpadm links (NEEDED) belongs to a package Depends names (by its name or
# a name it provides: libspdlog1.10 is depended on as libspdlog1.10-fmt9), and the libraries
# srpadm is built on are there by name (dpkg-shlibdeps computed them).
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
mapfile -t dep_names < <(tr ',' '\n' <<<"$depends" | sed -E 's/^ *([^ (]+).*/\1/')
for lib in $(objdump -p "$bin" | awk '$1 == "NEEDED" { print $2 }'); do
    path=$(ldd "$bin" | awk -v l="$lib" '$1 == l { print $3 }')
    owner=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$(realpath "$path")" 2>/dev/null || true)
    owner=${owner%%:*}
    names=$owner
    [ -z "$owner" ] || names+=$'\n'$(dpkg-query -W -f='${Provides}' "$owner" | tr ',' '\n' |
        sed -E 's/^ *([^ (]+).*/\1/')
    [ -n "$owner" ] && printf '%s\n' "${dep_names[@]}" | grep -qxF -f <(printf '%s\n' "$names") ||
        bad "Depends lacks $owner, the package of $lib ($path)"
done
for pkg in libc6 libstdc++6 libibumad3 libibverbs1 libsystemd0 libudev1; do
    printf '%s\n' "${dep_names[@]}" | grep -qxF "$pkg" || bad "Depends lacks $pkg"
done

# Control files: the conffile, and the maintainer scripts, executable.
dpkg-deb -e "$deb" "$work/control"
[ "$(cat "$work/control/conffiles")" = "/etc/srpadm/srpadm.conf" ] ||
    bad "conffiles: $(cat "$work/control/conffiles")"
for script in postinst prerm postrm; do
    [ "$(stat -c %a "$work/control/$script")" = 755 ] || bad "$script is not 0755"
    sh -n "$work/control/$script" || bad "$script: sh -n"
done

# lintian: errors fail, warnings are reported.
lintian_out=$(lintian --allow-root "$deb" 2>&1) || true
if [ -n "$lintian_out" ]; then
    echo "lintian:"
    sed 's/^/  /' <<<"$lintian_out"
fi
! grep -q '^E: ' <<<"$lintian_out" || bad "lintian reports errors"
echo "lintian done at $((SECONDS - started)) s"

# The unpacked files: the binary runs, the units run the installed binary, and the shipped
# configuration connects nothing on a fabric with three targets (which connects all three
# without default-deny).
tree=$work/tree
dpkg-deb -x "$deb" "$tree"
[ "$("$tree/usr/sbin/srpadm" --version)" = "srpadm $version" ] || bad "the packaged srpadm --version"
for unit in srpadm-connect@.service srpadm.service; do
    diff -u <(sed 's|@SRPADM_SBINDIR@|/usr/sbin|g' "$src/systemd/$unit.in") \
        "$tree/lib/systemd/system/$unit" || bad "$unit is not its template for /usr/sbin"
done
cmp -s "$src/udev/60-srpadm.rules" "$tree/lib/udev/rules.d/60-srpadm.rules" || bad "the udev rule"
[ "$(grep -v -e '^#' -e '^$' "$tree/usr/lib/modules-load.d/srpadm.conf")" = $'ib_umad\nib_srp' ] ||
    bad "modules-load.d/srpadm.conf does not load ib_umad and ib_srp"
conf=$tree/etc/srpadm/srpadm.conf
fabric=$src/examples/fabrics/two-targets.fabric
validate=$("$bin" config validate "$conf" 2>&1) || bad "srpadm config validate: $validate"
[[ "$validate" == *"0 rules; a target no rule matches is not connected (default-deny)"* ]] ||
    bad "the shipped configuration does not deny by default: $validate"
dry=$("$sim" connect-all --fabric "$fabric" --config "$conf" --dry-run 2>&1) ||
    bad "srpadm-sim connect-all with the shipped configuration: $dry"
! grep -q 'id_ext=' <<<"$dry" || bad "the shipped configuration connects targets: $dry"
dry_all=$("$sim" connect-all --fabric "$fabric" --config "$conf" --default-deny no --dry-run 2>&1) ||
    bad "srpadm-sim connect-all --default-deny no: $dry_all"
[ "$(grep -c 'id_ext=' <<<"$dry_all")" -eq 3 ] ||
    bad "without default-deny the example fabric's three targets should connect: $dry_all"

# dpkg installs and purges the package in a scratch root, running the maintainer scripts
# outside it (--force-script-chrootless) with stand-ins first in PATH that record their
# arguments. The root's run/systemd/system and run/udev say that systemd and udev run there.
root=$work/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/triggers" \
    "$root/run/systemd/system" "$root/run/udev" "$work/stubs"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
for tool in systemctl udevadm deb-systemd-helper deb-systemd-invoke; do
    printf '#!/bin/sh\necho "%s $*" >>"$SRPADM_STUB_LOG"\n' "$tool" >"$work/stubs/$tool"
    chmod +x "$work/stubs/$tool"
done
# dpkg_root ARGS...: dpkg on the scratch root; the calls go to $work/calls.
dpkg_root() {
    : >"$work/calls"
    PATH=$work/stubs:$PATH SRPADM_STUB_LOG=$work/calls \
        dpkg --root="$root" --log="$work/dpkg.log" --force-not-root --force-script-chrootless \
        --force-depends --no-triggers "$@" >"$work/dpkg.out" 2>&1 ||
        { cat "$work/dpkg.out"; bad "dpkg $*"; }
}
dpkg_root -i "$deb"
calls=$(cat "$work/calls")
[ "$calls" = $'systemctl --system daemon-reload\nudevadm control --reload-rules' ] ||
    bad "postinst should only reload systemd and udev; it called: $calls"
[ -f "$root/etc/srpadm/srpadm.conf" ] && [ -x "$root/usr/sbin/srpadm" ] ||
    bad "dpkg did not install the files"
# The admin's drop-in survives the purge; the conffile does not.
mkdir -p "$root/etc/srpadm/srpadm.conf.d"
echo "default-deny = no" >"$root/etc/srpadm/srpadm.conf.d/50-local.conf"
dpkg_root --purge srpadm
calls=$(cat "$work/calls")
want=$'deb-systemd-invoke stop srpadm.service\nsystemctl --system daemon-reload\nudevadm control --reload-rules\nsystemctl --system daemon-reload\nudevadm control --reload-rules'
[ "$calls" = "$want" ] || bad "prerm/postrm should stop the daemon and reload; they called: $calls"
[ ! -e "$root/etc/srpadm/srpadm.conf" ] || bad "the purge left the conffile"
[ -f "$root/etc/srpadm/srpadm.conf.d/50-local.conf" ] || bad "the purge removed the admin's drop-in"
[ ! -e "$root/usr/sbin/srpadm" ] || bad "the purge left the binary"
echo "dpkg install and purge done at $((SECONDS - started)) s"

# The other value of SRPADM_COMPAT_LINKS, from a scratch build tree that packages this build's
# srpadm (cpack does not build; the compressed pages and changelog are its only build steps).
other=$((1 - links))
onoff=OFF
[ "$other" -eq 0 ] || onoff=ON
cmake -S "$src" -B "$work/other" -G Ninja -DSRPADM_BUILD_TESTS=OFF -DSRPADM_COMPAT_LINKS=$onoff \
    >"$work/other.log" 2>&1 ||
    { cat "$work/other.log"; bad "cmake -DSRPADM_COMPAT_LINKS=$onoff"; exit 1; }
cmake --build "$work/other" --target srpadm_install_files >>"$work/other.log" 2>&1 ||
    { cat "$work/other.log"; bad "building the pages in the scratch tree"; exit 1; }
cp "$bin" "$work/other/srpadm"
deb_other=$(build_deb "$work/other" "$work/out-other")
check_deb "$deb_other" "$other"
echo "SRPADM_COMPAT_LINKS=$onoff package checked at $((SECONDS - started)) s"

if [ "$failures" -ne 0 ]; then
    echo "$failures failure(s)"
    exit 1
fi
echo "all passed ($((SECONDS - started)) s)"
