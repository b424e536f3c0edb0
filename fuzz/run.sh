#!/bin/sh
# run.sh [--regress] - build the libFuzzer target fuzz/parse_fuzz.c and run it.
#
#   fuzz/run.sh              fuzz for FUZZ_SECONDS (60), one process, with
#                            the working corpus build/fuzz/corpus, seeded
#                            from topologies/, tests/invalid/, fuzz/seeds/
#                            (what the others lack: link kinds, shaping...)
#                            and fuzz/regressions/
#   fuzz/run.sh --regress    run each of those files once
#
# Both exit 1 when an input crashes, leaks, trips UBSan, runs out of memory
# or times out; a fuzzing run leaves it in build/fuzz/ and prints its path.
# A found input belongs in fuzz/regressions/ once its bug is fixed.  The
# build uses clang (installed with scripts/install-deps.sh fuzz when it or
# its libFuzzer runtime is missing) and needs no root otherwise.
set -u

cd "$(dirname "$0")/.." || exit 2
out=build/fuzz
bin=$out/parse_fuzz
seconds=${FUZZ_SECONDS:-60}
CLANG=${CLANG:-clang}
PKGS="libnl-3.0 libnl-route-3.0 libcap yaml-0.1"
WARN="-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
      -Wformat=2 -Wvla -Wswitch-enum"
SAN="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
     -fno-omit-frame-pointer"
seeds="topologies/*.yaml tests/invalid/*.yaml fuzz/seeds/* fuzz/regressions/*"
# Per input: 10 s, 2 GiB, 64 KiB (bigger inputs are tests/invalid's job).
LIMITS="-timeout=10 -rss_limit_mb=2048 -max_len=65536"

regress=false
case ${1:-} in
--regress) regress=true ;;
"") ;;
*)
	echo "usage: $0 [--regress]" >&2
	exit 2
	;;
esac

die() {
	echo "fuzz/run.sh: $*" >&2
	exit 2
}

mkdir -p "$out" || exit 2

# Can $CLANG build and link a fuzzer?  clang without libclang-rt-dev
# compiles but does not link -fsanitize=fuzzer.
can_fuzz() {
	printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
		'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
		'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
		'{ (void)d; (void)n; return 0; }' >"$out/probe.c"
	"$CLANG" -fsanitize=fuzzer,address,undefined -o "$out/probe" \
		"$out/probe.c" >/dev/null 2>&1
}

if ! can_fuzz; then
	scripts/install-deps.sh fuzz || exit 2
	can_fuzz || die "$CLANG cannot link -fsanitize=fuzzer (libclang-rt-dev?)"
fi
rm -f "$out/probe" "$out/probe.c"
scripts/install-deps.sh build || exit 2

# Rebuilt when a source is newer (or the build flags, in this file).
if [ ! -x "$bin" ] ||
	[ -n "$(find src include fuzz/parse_fuzz.c fuzz/run.sh -newer "$bin" \
		\( -name '*.c' -o -name '*.h' -o -name run.sh \) | head -n 1)" ]; then
	version=$(sed -n 's/^VERSION *:= *//p' Makefile)
	srcs=
	for f in src/*.c; do
		case $f in src/main.c | src/cmd_*.c) ;; *) srcs="$srcs $f" ;; esac
	done
	echo "  CLANG   $bin"
	# shellcheck disable=SC2086,SC2046 # the flag lists are words
	"$CLANG" -std=gnu11 $WARN -g -O1 $SAN -Iinclude -D_GNU_SOURCE \
		-DNSTOPO_VERSION="\"$version\"" $(pkg-config --cflags $PKGS) \
		-o "$bin.tmp" fuzz/parse_fuzz.c $srcs $(pkg-config --libs $PKGS) ||
		die "cannot build $bin"
	mv "$bin.tmp" "$bin" || exit 2
fi

export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1"

if $regress; then
	log=$out/regress.log
	set --
	for f in $seeds; do
		[ -f "$f" ] && set -- "$@" "$f"
	done
	# Given files, not directories, libFuzzer runs each once.
	# shellcheck disable=SC2086
	if "$bin" $LIMITS "$@" >"$log" 2>&1; then
		echo "parse_fuzz: $# inputs, no crash, leak or timeout"
		exit 0
	fi
	last=$(sed -n 's/^Running: //p' "$log" | tail -n 1)
	echo "FAIL parse_fuzz: ${last:-?} (the log: $log)"
	grep -E -A 30 'ERROR: |runtime error:|Sanitizer' "$log" |
		sed -n '1,40s/^/    /p'
	exit 1
fi

corpus=$out/corpus
mkdir -p "$corpus" || exit 2
for f in $seeds; do
	[ -f "$f" ] || continue
	seed=$(printf '%s' "$f" | tr '/' '-')
	cp "$f" "$corpus/seed-$seed" || exit 2
done

log=$out/fuzz.log
stamp=$out/.started
: >"$stamp" || exit 2
echo "  FUZZ    $bin for ${seconds}s (corpus $corpus, log $log)"
# A failing input is written to build/fuzz/crash-SHA1 (leak-, timeout-,
# oom-).  On screen: progress only; the log has everything.
{
	# shellcheck disable=SC2086
	"$bin" $LIMITS -max_total_time="$seconds" -dict=fuzz/yaml.dict \
		-artifact_prefix="$out/" -print_final_stats=1 "$corpus" 2>&1
	echo $? >"$out/.rc"
} | tee "$log" | grep -E --line-buffered '(INITED|pulse|DONE|^stat::)'
rc=$(cat "$out/.rc" 2>/dev/null || echo 2)
rm -f "$out/.rc"

found=$(find "$out" -maxdepth 1 -type f -newer "$stamp" \
	\( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
	-o -name 'oom-*' \) | sort)
rm -f "$stamp"
if [ "$rc" = 0 ] && [ -z "$found" ]; then
	echo "parse_fuzz: nothing found in ${seconds}s"
	exit 0
fi
# The report: from the sanitizer's or libFuzzer's first line on.
sed -n '/^==[0-9]*==\|runtime error:\|^ALARM\|^INFO: libFuzzer: timeout/,$p' \
	"$log" | sed -n '1,60s/^/    /p'
for f in $found; do
	echo "FOUND $f"
done
[ -n "$found" ] || echo "parse_fuzz exited with status $rc (see $log)"
exit 1
