#!/bin/sh
# run.sh NSTOPO - the invalid-input corpus.
#
# Every NNN-*.yaml here is an invalid topology; NNN-*.err is the exact
# stderr of `nstopo validate` for it, with the file name written as FILE.
# Each must exit 2 and print exactly that.  Inputs too large or too odd to
# commit (huge, binary, deeply nested, hostile to the validator's own
# algorithms) are generated into a temporary directory, deterministically,
# and must exit 2 with a FILE:LINE:COL: (or FILE:) first line, some of
# them with a given message.  Every run is bounded in time (timeout 10)
# and memory (ulimit -v 1 GiB; a sanitizer build gets 3 times both, the
# memory as the sanitizer's RSS limit), and must not crash (status >= 128)
# or print a sanitizer report.  Last, every topologies/*.yaml must
# validate (exit 0).
#
# Needs no root.  Prints one line per failure (with a diff where there is
# one) and ends with "N passed, N failed".
set -u

if [ $# -ne 1 ]; then
	echo "usage: $0 NSTOPO_BINARY" >&2
	exit 2
fi
case $1 in
/*) bin=$1 ;;
*) bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") ;;
esac
if [ ! -x "$bin" ]; then
	echo "$0: $bin is not an executable" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

TIME_LIMIT=10
MEM_LIMIT_KB=1048576 # 1 GiB

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nstopo-invalid.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

passed=0
failed=0
export LC_ALL=C

# A sanitizer build cannot run under `ulimit -v` (its shadow memory is a
# huge mapping): bound it with its own RSS limit instead.  Its
# instrumentation costs about 3 times the memory and time of a normal
# build, so both bounds are 3 times as large there.
mem_mode=rlimit
exec 3>&2 2>/dev/null # the shell itself reports the probe's abort
# shellcheck disable=SC3045 # ulimit -v: dash, bash, busybox sh have it
(ulimit -v "$MEM_LIMIT_KB" && "$bin" --version) >/dev/null
probe=$?
exec 2>&3 3>&-
if [ "$probe" != 0 ]; then
	mem_mode=sanitizer
	TIME_LIMIT=$((TIME_LIMIT * 3))
	rss_mb=$((MEM_LIMIT_KB * 3 / 1024))
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}hard_rss_limit_mb=$rss_mb"
	UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1"
	export ASAN_OPTIONS UBSAN_OPTIONS
	echo "note: $bin does not run under ulimit -v (a sanitizer build?):" \
		"limits are ${TIME_LIMIT}s and an RSS of $rss_mb MiB"
fi

# run_nstopo DIR FILE: `nstopo validate FILE` in DIR, bounded; sets rc and
# leaves the output in $tmp/out and $tmp/err.
run_nstopo() {
	(
		cd "$1" || exit 125
		if [ "$mem_mode" = rlimit ]; then
			# shellcheck disable=SC3045
			ulimit -v "$MEM_LIMIT_KB" || exit 125
		fi
		exec timeout "$TIME_LIMIT" "$bin" validate "$2"
	) >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
}

pass() {
	passed=$((passed + 1))
}

fail() {
	failed=$((failed + 1))
	echo "FAIL $*"
}

# Show a file indented under a failure line, at most 40 lines of it.
show() {
	sed -n '1,40s/^/    /p' "$1"
}

# What went wrong with the run just made, beyond the expected output.
run_problem() {
	if [ "$rc" = 124 ]; then
		echo "timed out after ${TIME_LIMIT}s"
	elif [ "$rc" -ge 128 ]; then
		echo "crashed (exit status $rc)"
	elif grep -q -e 'Sanitizer' -e 'runtime error:' -e 'out of memory' \
		"$tmp/err"; then
		echo "sanitizer report or out of memory (exit status $rc)"
	elif [ "$rc" != 2 ]; then
		echo "exit status $rc, expected 2"
	elif [ -s "$tmp/out" ]; then
		echo "printed on stdout"
	fi
}

# Committed cases: exact stderr.
for yaml in "$here"/[0-9][0-9][0-9]-*.yaml; do
	[ -e "$yaml" ] || continue
	name=$(basename "$yaml" .yaml)
	exp=$here/$name.err
	if [ ! -f "$exp" ]; then
		fail "$name: no $name.err"
		continue
	fi
	run_nstopo "$here" "$name.yaml"
	problem=$(run_problem)
	sed "s|^FILE:|$name.yaml:|" "$exp" >"$tmp/exp"
	if [ -n "$problem" ]; then
		fail "$name: $problem"
		show "$tmp/err"
	elif ! cmp -s "$tmp/exp" "$tmp/err"; then
		fail "$name: stderr differs from $name.err (- expected, + actual)"
		diff -u "$tmp/exp" "$tmp/err" | sed '1,2d; s/^/    /' | sed -n '1,40p'
	else
		pass
	fi
done
for err in "$here"/[0-9][0-9][0-9]-*.err; do
	[ -e "$err" ] || continue
	[ -f "${err%.err}.yaml" ] || fail "$(basename "$err"): no matching .yaml"
done

# Generated cases.  gen_* write the input to $tmp/gen/NAME.yaml; `want`
# optionally names an extended regular expression the first line must
# match (after the FILE: prefix).
mkdir -p "$tmp/gen"

# Bytes from a fixed seed (Park-Miller, exact in awk's doubles).
junk() { # SEED COUNT
	awk -v seed="$1" -v n="$2" 'BEGIN {
		x = seed
		for (i = 0; i < n; i++) {
			x = (x * 48271) % 2147483647
			printf "%c", int(x / 256) % 256
		}
	}'
}

repeat() { # CHAR COUNT
	head -c "$2" /dev/zero | tr '\0' "$1"
}

gen_too_large() {
	printf 'nodes:\n  r1: {}\n'
	repeat '#' $((16 * 1024 * 1024))
	printf '\n'
}

gen_long_scalar() {
	printf 'nodes:\n  r1:\n    sysctl:\n      net.core.somaxconn: "'
	repeat 1 70000
	printf '"\n'
}

gen_long_key() {
	printf 'nodes:\n  '
	repeat r 70000
	printf ': {}\n'
}

gen_deep_brackets() {
	repeat '[' 100000
	printf '\n'
}

gen_deep_mappings() {
	awk 'BEGIN { for (i = 0; i < 100000; i++) printf "{a: "; print "1" }'
}

gen_deep_block() {
	awk 'BEGIN {
		for (i = 0; i < 5000; i++) {
			s = ""
			for (j = 0; j < i; j++) s = s " "
			print s "k" i ":"
		}
	}'
}

gen_junk_1() { junk 1 4096; }
gen_junk_2() { junk 2 65536; }
gen_junk_3() { junk 3 100; }

gen_junk_after_prefix() {
	printf 'name: lab\nnodes:\n  r1:\n    interfaces:\n      eth0: '
	junk 4 2048
}

gen_utf8_bad_lead() {
	printf 'nodes:\n  r\377\376: {}\n'
}

gen_utf8_overlong() {
	printf 'nodes:\n  r1:\n    sysctl:\n      net.core.x: "\300\257"\n'
}

gen_utf8_surrogate() {
	printf 'nodes:\n  "r\355\240\200": {}\n'
}

gen_utf8_truncated() {
	printf 'nodes:\n  r1: {}\nname: lab\342\202'
}

gen_utf16() {
	printf '\377\376n\000o\000d\000e\000s\000:\000\n\000'
}

gen_nul_bytes() {
	printf 'nodes:\n  r1\000: {}\n'
}

gen_control_bytes() {
	printf 'nodes:\n  r1\033[2J: {}\n'
}

gen_alias_bomb_wide() {
	awk 'BEGIN {
		printf "a: &a ["
		for (i = 0; i < 1000; i++) printf "x, "
		print "x]"
		printf "b: ["
		for (i = 0; i < 2000; i++) printf "*a, "
		print "*a]"
		print "nodes: {r1: {}}"
	}'
}

gen_many_nodes_yaml() { # 4.5 million scalars: over the YAML node bound
	printf 'nodes: {r1: {}}\nx: ['
	repeat 1 4500000 | sed 's/1/1,/g'
	printf '1]\n'
}

gen_many_anchors() {
	awk 'BEGIN {
		print "nodes: {r1: {}}"
		print "x:"
		for (i = 0; i < 200000; i++) print "  - &a" i " [" i "]"
		print "y: [*a0, *a199999, *nope]"
	}'
}

gen_many_bad_endpoints() { # suggestion search: many names, many misses
	awk 'BEGIN {
		print "nodes:"
		for (i = 0; i < 100000; i++)
			printf "  node-%06d-abcdefghijklmnopq:\n", i
		print "links:"
		for (i = 0; i < 2000; i++)
			printf "  - [x%06d-abcdefghijklmnopqr:e, y%d:e]\n", i, i
	}'
}

gen_many_routes_addresses() { # routes x addresses in one node
	awk 'BEGIN {
		print "nodes:\n  h1:\n    interfaces:\n      eth0:\n        addresses:"
		for (i = 0; i < 150000; i++)
			printf "          - 10.%d.%d.%d/32\n", i / 65536, i / 256 % 256, i % 256
		print "    routes:"
		for (i = 0; i < 100000; i++)
			printf "      - {to: 11.%d.%d.%d/32, via: 12.0.0.1}\n", i / 65536, i / 256 % 256, i % 256
		print "  h2: {}\nlinks:\n  - [h1:eth0, h2:eth0]"
	}'
}

gen_many_dangling_interfaces() {
	awk 'BEGIN {
		print "nodes:\n  a:\n    interfaces:"
		for (i = 0; i < 100000; i++) printf "      z%d: {}\n", i
		print "  b: {}\nlinks:"
		for (i = 0; i < 100000; i++) printf "  - [a:e%d, b:e%d]\n", i, i
	}'
}

gen_defaults_amplified() { # defaults copied into every node
	awk 'BEGIN {
		printf "defaults:\n  routes: [&r {to: 198.51.100.0/24, type: blackhole}"
		for (i = 0; i < 20000; i++) printf ", *r"
		print "]"
		print "nodes:"
		for (i = 0; i < 100000; i++) printf "  n%d:\n", i
	}'
}

gen_many_unknown_keys() {
	awk 'BEGIN {
		print "nodes:\n  r1:"
		for (i = 0; i < 300000; i++) printf "    k%d: 1\n", i
	}'
}

gen_many_errors_long_names() { # 200 errors, each quoting a 60 KB name
	awk 'BEGIN {
		s = "n"
		while (length(s) < 60000) s = s s
		s = substr(s, 1, 60000)
		print "nodes:"
		for (i = 0; i < 250; i++) print "  ? " s i "\n  : {}"
	}'
}

# NAME REGEX: generate, run, check.
gen_case() {
	name=$1
	want=$2
	f=$tmp/gen/$name.yaml
	if ! "gen_$name" >"$f"; then
		fail "generated $name: the generator failed"
		return
	fi
	run_nstopo "$tmp/gen" "$name.yaml"
	problem=$(run_problem)
	first=$(sed -n 1p "$tmp/err")
	msg=${first#"$name.yaml:"}
	if [ -n "$problem" ]; then
		fail "generated $name: $problem"
		show "$tmp/err"
	elif [ "$msg" = "$first" ] ||
		! printf '%s\n' "$msg" | grep -Eq '^([0-9]+:[0-9]+:)? [^ ]'; then
		fail "generated $name: first line is not FILE:LINE:COL: message"
		show "$tmp/err"
	elif [ -n "$want" ] && ! printf '%s\n' "$msg" | grep -Eq -- "$want"; then
		fail "generated $name: first line does not match /$want/"
		show "$tmp/err"
	else
		pass
	fi
	rm -f "$f"
}

gen_case too_large '^1:1: file is larger than 16 MiB$'
gen_case long_scalar '^4:27: scalar of 70000 bytes is too long \(at most 65536\)$'
gen_case long_key '^2:3: scalar of 70000 bytes is too long \(at most 65536\)$'
gen_case deep_brackets '^1:65: nesting deeper than 64 levels$'
gen_case deep_mappings '^1:257: nesting deeper than 64 levels$'
gen_case deep_block 'nesting deeper than 64 levels$'
gen_case junk_1 ''
gen_case junk_2 ''
gen_case junk_3 ''
gen_case junk_after_prefix ''
gen_case utf8_bad_lead '^2:4: bad character in the file: invalid leading UTF-8 octet \(byte 0xFF\)$'
gen_case utf8_overlong '^4:20: bad character in the file: '
gen_case utf8_surrogate '^2:5: bad character in the file: '
gen_case utf8_truncated 'bad character in the file: incomplete UTF-8 octet sequence$'
gen_case utf16 ''
gen_case nul_bytes '^2:5: bad character in the file: control characters are not allowed \(U\+0000\)$'
gen_case control_bytes '^2:5: bad character in the file: control characters are not allowed \(U\+001B\)$'
gen_case alias_bomb_wide 'aliases expand to more than 1000000 nodes'
gen_case many_nodes_yaml 'more than 4000000 YAML nodes$'
gen_case many_anchors "unknown alias '\\*nope'$"
gen_case many_bad_endpoints "^100003:6: endpoint 'x000000-abcdefghijklmnopqr:e': no node or bridge 'x000000-abcdefghijklmnopqr'$"
gen_case many_routes_addresses "^150007:32: gateway 12.0.0.1 is not on a subnet of any interface of node 'h1'$"
gen_case many_dangling_interfaces "^4:7: node 'a' has no interface 'z0'"
gen_case defaults_amplified '^2:3: defaults would copy 20001 settings into each of 100000 nodes, more than 1000000 in all$'
gen_case many_unknown_keys "^3:5: unknown key 'k0' in a node"
gen_case many_errors_long_names 'is longer than 32 characters$'

# Every example topology must be valid.
for yaml in "$root"/topologies/*.yaml; do
	[ -e "$yaml" ] || continue
	name=topologies/$(basename "$yaml")
	run_nstopo "$root/topologies" "$(basename "$yaml")"
	if [ "$rc" != 0 ]; then
		fail "$name: exit status $rc, expected 0 (a valid example)"
		show "$tmp/err"
	elif grep -q -e 'Sanitizer' -e 'runtime error:' "$tmp/err"; then
		fail "$name: sanitizer report"
		show "$tmp/err"
	else
		pass
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
