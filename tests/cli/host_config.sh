#!/usr/bin/env bash
# srpadm config validate and srpadm config convert.
# Usage: host_config.sh <path-to-srpadm> <source-dir>
set -u
bin=$1 src=$2
source "$src/tests/cli/lib/host.sh"
config=$src/tests/fixtures/config

expect 0 "$config/srpadm.conf: OK"$'\n'"$config/srpadm.conf.d/10-timeouts.conf: OK"$'\n'"$config/srpadm.conf.d/20-tgt-b.conf: OK"$'\n'"2 rules; a target no rule matches is not connected (default-deny)" "" \
    config validate "$config/srpadm.conf"
expect 3 "" "$work/none.conf: no such file" config validate "$work/none.conf"

# Every problem, with file:line; the rules file a configuration names is checked too.
mkdir -p "$work/bad.conf.d"
printf '[defaults]\ninitiator-ext = sometimes\n[targets]\naction = allow\n' >"$work/bad.conf"
printf '[target]\naction = deny\nqueue-size = 64\n' >"$work/bad.conf.d/a.conf"
run config validate "$work/bad.conf"
want="srpadm: $work/bad.conf:2: initiator-ext = sometimes: must be none, port-guid or a 64-bit hex value
srpadm: $work/bad.conf:3: unknown section [targets]; expected [defaults] or [target]
srpadm: $work/bad.conf.d/a.conf:1: a [target] section with action = deny takes only match keys (port, id-ext, ioc-guid, service-id, pkey, dgid, address): login options, initiator-ext and timeouts apply to allowed targets"
[ "$status" -eq 3 ] && [ "$err" = "$want" ] && [ -z "$out" ] || bad "expected status 3 and every problem" config validate bad.conf
printf 'rules = %s\n' "$config/srp_daemon.conf" >"$work/with-rules.conf"
expect 0 "$config/srp_daemon.conf: OK (3 rules)"$'\n'"3 rules; a target no rule matches is connected" "" \
    config validate "$work/with-rules.conf"
printf 'rules = %s\n' "$work/absent.rules" >"$work/missing-rules.conf"
expect 3 "" "$work/absent.rules: no such rules file" config validate "$work/missing-rules.conf"

# convert: the same rules as [target] sections, which validate and mean the same.
golden config-convert.txt config convert "$config/srp_daemon.conf"
expect 0 "" "" config convert "$config/srp_daemon.conf" -o "$work/converted.conf"
expect 0 "$work/converted.conf: OK"$'\n'"3 rules; a target no rule matches is connected" "" \
    config validate "$work/converted.conf"
run connect-all --fabric "$fabric" --sysfs-root "$fixture" --dry-run --config none --rules "$config/srp_daemon.conf"
from_rules=$out
run connect-all --fabric "$fabric" --sysfs-root "$fixture" --dry-run --config "$work/converted.conf"
[ "$out" = "$from_rules" ] || bad "the converted configuration connects other targets" connect-all --config converted.conf
printf 'a\n allow\nd queue_size=1\n' >"$work/bad.rules"
expect 3 "" "srpadm: $work/bad.rules:3: queue_size=1: login options are only allowed on allow ('a') rules, not on deny ('d')" \
    config convert "$work/bad.rules"
expect 3 "" "$work/absent.rules: no such rules file" config convert "$work/absent.rules"
expect 2 "" "" config
finish
