#!/bin/sh
# run.sh NSTOPO ["TEST..."] - integration tests against the real kernel
# (JOBS of them at once; default 1): all of them, or those named (t-status,
# "t-status t-exec").
# Each t-*.sh runs alone in a private sandbox (scripts/sandbox.sh: new
# network and mount namespaces, tmpfs on /run), so nothing reaches the
# host.  Where namespaces cannot be made the suite is skipped, except in
# CI (CI=true), where a skip is a failure.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:?usage: run.sh NSTOPO}
only=${2:-}

can_sandbox() {
	[ "$(id -u)" = 0 ] && "$top/scripts/sandbox.sh" true 2>/dev/null
}
if ! can_sandbox; then
	case ${CI:-} in
	true | 1 | yes)
		echo "integration: cannot create a network namespace sandbox (root needed) in CI"
		echo "0 passed, 1 failed"
		exit 1 ;;
	esac
	echo "integration: skipped (needs root and unshare --net --mount)"
	echo "0 passed, 0 failed"
	exit 0
fi

# one TEST: run it in its own sandbox, print its output as one block (under
# a lock, so blocks of tests run at once do not mix) and note its counts.
if [ "$only" = --one ]; then
	results=$3 t=$4
	name=$(basename "$t" .sh)
	t0=$(date +%s)
	out=$(cd "$top" && NSTOPO="$bin" TOP="$top" timeout 900 \
		"$top/scripts/sandbox.sh" sh "$t" 2>&1)
	rc=$?
	last=$(printf '%s\n' "$out" | tail -n 1)
	p=$(printf '%s' "$last" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
	f=$(printf '%s' "$last" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
	if [ -z "$p" ]; then
		# Died before its summary: count it as one failure.
		p=0 f=1
	elif [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1
	fi
	{
		flock 9
		echo "-- $name"
		printf '%s\n' "$out" | sed 's/^/   /'
		echo "   ($name: $(($(date +%s) - t0)) s)"
		echo "$p $f $name" >>"$results"
	} 9>>"$results.lock"
	exit 0
fi

# JOBS tests at once (default 1): each has a sandbox of its own, and most
# of a test's time is spent waiting for the kernel or a daemon.
jobs=${JOBS:-1}
results=$(mktemp)
# Tests that time the kernel's work ("usable at once" under a load of
# their own making) run alone, after the others: another test beside
# them is load they did not ask for.
alone=" t-usable "
list() { # ALONE: the tests to run (yes: those run alone; no: the others)
	for t in "$top"/tests/integration/t-*.sh; do
		name=$(basename "$t" .sh)
		case " $only " in
		"  " | *" $name "*) ;;
		*) continue ;;
		esac
		case "$alone" in
		*" $name "*) [ "$1" = yes ] || continue ;;
		*) [ "$1" = no ] || continue ;;
		esac
		printf '%s\n' "$t"
	done
}
list no | xargs -r -P "$jobs" -n 1 "$0" "$bin" --one "$results"
list yes | xargs -r -P 1 -n 1 "$0" "$bin" --one "$results"
pass=0 fail=0 broken=""
while read -r p f name; do
	pass=$((pass + p)) fail=$((fail + f))
	[ "$f" != 0 ] && broken="$broken $name"
done <"$results"
rm -f "$results" "$results.lock"
[ -n "$broken" ] && echo "failing:$broken"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
