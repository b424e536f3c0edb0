#!/bin/sh
# run-all.sh BUILD_DIR NSTOPO - every test suite, one after the other.
# Each suite prints its own summary line; this prints the overall one.
set -u
build=$1
bin=$2
suites=0
failed=0

run() {
	suites=$((suites + 1))
	echo "== $*"
	if ! "$@"; then
		failed=$((failed + 1))
		echo "!! FAILED: $*"
	fi
}

for t in "$build"/tests/*_test; do
	[ -x "$t" ] && run "$t"
done
run tests/invalid/run.sh "$bin"
[ -x tests/integration/run.sh ] && run tests/integration/run.sh "$bin"
echo "test suites: $((suites - failed)) passed, $failed failed"
[ "$failed" = 0 ]
