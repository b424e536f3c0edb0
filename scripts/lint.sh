#!/bin/sh
# lint.sh [FILE.c...] - static analysis of src/*.c, or of the files named
# (from the top of the tree): gcc -fanalyzer, cppcheck and clang-tidy
# (.clang-tidy), clang-format over every C file (.clang-format), and
# kernel-doc comments on every function include/*.h declares
# (scripts/check-kdoc.py).
# Any finding fails.  Prints the findings, a line a tool
# and "N passed, N failed".  Called by `make lint`; installs missing tools
# with apt-get, as the build does.
#
# tests/unit is not linted: cmocka's assertions return normally as far as
# an analyzer can see, so every use of p after assert_non_null(p) would be
# reported as a NULL dereference.
#
# Lists of flags and files are split on purpose, as in install-deps.sh,
# and the quotes in -DNSTOPO_VERSION="lint" are the macro's own.
# shellcheck disable=SC2086,SC2089,SC2090
set -eu

self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
root=$(dirname "$(dirname "$self")")
cd "$root"

pkgs="libnl-3.0 libnl-route-3.0 libcap yaml-0.1"
# The build's flags (Makefile: ALL_CFLAGS, WARN), for every tool.
base="-std=gnu11 -D_GNU_SOURCE -Iinclude -DNSTOPO_VERSION=\"lint\""
warn="-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
-Wformat=2 -Wvla -Wswitch-enum"

# --one TOOL DIR FILE: one tool on one file, its output in DIR (the
# parallel runs below); a failure leaves DIR/FILE.fail.
if [ "${1:-}" = --one ]; then
	tool=$2 out=$3/$(basename "$4") f=$4
	deps=$(pkg-config --cflags $pkgs)
	case $tool in
	gcc)
		# The optimisation of the build.  Jump threading is off: on
		# the paths it duplicates, gcc 12's analyzer loses the value
		# a call returned and reports paths that cannot happen.
		set -- gcc $base $deps $warn -Werror -O2 -fno-thread-jumps \
			-fanalyzer -fdiagnostics-path-format=separate-events \
			-fno-diagnostics-show-caret -c -o /dev/null "$f" ;;
	clang-tidy)
		set -- clang-tidy --quiet --config-file=.clang-tidy "$f" -- \
			$base $deps ;;
	*)
		echo "lint.sh: unknown tool $tool" >&2; exit 2 ;;
	esac
	"$@" >"$out.log" 2>&1 </dev/null || : >"$out.fail"
	exit 0
fi

scripts/install-deps.sh lint

# The C files `make format` formats and the check below checks.
format_files() {
	echo src/*.c include/*.h tests/unit/*.c tests/unit/*.h fuzz/*.c
}

if [ $# -gt 0 ]; then
	files="$*"
else
	files=$(echo src/*.c)
fi
nfiles=$(echo $files | wc -w)
jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nstopo-lint.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
passed=0
failed=0
now() { date +%s; }

# result NAME STATUS START DETAIL: the tool's one line.
result() {
	if [ "$2" = 0 ]; then
		passed=$((passed + 1))
		echo "$1: ok ($4, $(($(now) - $3))s)"
	else
		failed=$((failed + 1))
		echo "$1: FAILED ($4, $(($(now) - $3))s)"
	fi
}

# each TOOL NAME: TOOL on every file, $jobs at a time.
each() {
	mkdir "$tmp/$1"
	t0=$(now)
	printf '%s\n' $files | xargs -P "$jobs" -n 1 "$self" --one "$1" "$tmp/$1"
	nbad=0
	for f in $files; do
		out=$tmp/$1/$(basename "$f")
		[ -e "$out.fail" ] || continue
		nbad=$((nbad + 1))
		# clang-tidy's counts of what it hid (system headers) are noise.
		grep -Ev '^[0-9]+ warnings? (generated|treated as errors)\.?$' \
			"$out.log" || :
	done
	if [ "$nbad" = 0 ]; then
		result "$2" 0 "$t0" "$nfiles files"
	else
		result "$2" 1 "$t0" "findings in $nbad of $nfiles files"
	fi
}

each gcc "gcc -fanalyzer"

t0=$(now)
supp=""
[ -f scripts/cppcheck.supp ] && supp="--suppressions-list=scripts/cppcheck.supp"
rc=0
cppcheck -q --enable=warning,performance,portability --error-exitcode=1 \
	--inline-suppr $supp --std=c11 -D_GNU_SOURCE -DNSTOPO_VERSION=\"lint\" \
	-Iinclude --template=gcc -j "$jobs" $files </dev/null 2>&1 || rc=$?
result cppcheck "$rc" "$t0" "$nfiles files"

each clang-tidy clang-tidy

# Formatting: every C file of the tree as .clang-format says (`make
# format` applies it), whatever files the other tools were given.
t0=$(now)
rc=0
nfmt=0
for f in $(format_files); do
	nfmt=$((nfmt + 1))
	if ! clang-format --style=file "$f" | diff -u "$f" - >"$tmp/fmt.diff"; then
		rc=1
		head -40 "$tmp/fmt.diff"
	fi
done
result clang-format "$rc" "$t0" "$nfmt files"

# Kernel-doc: every function a header declares has its comment, as
# scripts/check-kdoc.py says, whatever files the other tools were given.
t0=$(now)
rc=0
nhdr=$(echo include/*.h | wc -w)
python3 scripts/check-kdoc.py >"$tmp/kdoc.log" 2>&1 </dev/null || rc=$?
[ "$rc" = 0 ] || grep -v '^kernel-doc: ' "$tmp/kdoc.log" || :
result kernel-doc "$rc" "$t0" "$nhdr headers"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
