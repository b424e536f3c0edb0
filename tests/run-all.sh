#!/bin/sh
# run-all.sh BUILD_DIR NSTOPO - the test suites of one build, one after
# the other: its unit tests, the invalid-input corpus, the integration tests.
# run-all.sh --full - the whole suite (`make check`, CI): the above for the
# release build (build/rel, ./nstopo) and for the ASan+UBSan build
# (build/san), the integration tests of the examples under valgrind, the
# fuzz target over its regressions and for FUZZ_SECONDS, the apply fuzzer
# (generated labs applied) the same way, the analysers,
# the Debian package (built, installed, tested, purged).
# Each suite prints its own summary line; this prints the overall one.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
# Integration tests two at a time (each in a sandbox of its own): most of
# a test's time is spent waiting for the kernel or a daemon.
JOBS=${JOBS:-2}
export JOBS
cd "$top"
suites=0
failed=0
broken=""

run() {
	suites=$((suites + 1))
	echo "== $*"
	if ! "$@"; then
		failed=$((failed + 1))
		broken="$broken
   $*"
		echo "!! FAILED: $*"
	fi
}

# build BUILD_DIR NSTOPO: every suite of one build
build() {
	for t in "$1"/tests/*_test; do
		[ -x "$t" ] && run "$t"
	done
	run tests/invalid/run.sh "$2"
	run tests/integration/run.sh "$2"
}

if [ "${1:-}" = --full ]; then
	build build/rel "$top/nstopo"
	build build/san "$top/build/san/nstopo"
	run tests/memcheck.sh "$top/nstopo"
	run fuzz/run.sh --regress
	run fuzz/run.sh
	# Generated labs applied: its regressions, then FUZZ_SECONDS (60).
	run fuzz/apply_fuzz.py --nstopo "$top/nstopo"
	run scripts/lint.sh
	run tests/pkg/t-deb.sh
else
	build "${1:?usage: run-all.sh BUILD_DIR NSTOPO | --full}" "${2:?}"
fi
[ -n "$broken" ] && echo "failed suites:$broken"
echo "suites: $((suites - failed)) passed, $failed failed"
[ "$failed" = 0 ]
