#!/bin/sh
# memcheck.sh NSTOPO [TEST...] - integration tests (default: t-examples,
# which applies, verifies and destroys every topologies/*.yaml, and
# t-rollback, which fails an apply at every step) with each nstopo run
# under valgrind's memcheck.  A run with any memory error or a definite or
# indirect leak fails: it exits 99, so the test's own check fails, and its
# log is shown here.  Logs: build/memcheck/.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:?usage: memcheck.sh NSTOPO [TEST...]}
shift
tests=${*:-t-examples t-rollback}

if ! command -v valgrind >/dev/null 2>&1; then
	case ${CI:-} in
	true | 1 | yes)
		echo "memcheck: valgrind is missing in CI"
		echo "0 passed, 1 failed"
		exit 1 ;;
	esac
	echo "memcheck: skipped (no valgrind: scripts/install-deps.sh test)"
	echo "0 passed, 0 failed"
	exit 0
fi

logs=$top/build/memcheck
rm -rf "$logs"
mkdir -p "$logs"
# Children that nstopo forks and that then exec a command run natively
# (no --trace-children): only nstopo's own code is checked.
cat > "$logs/nstopo" <<EOF
#!/bin/sh
exec valgrind -q --tool=memcheck --leak-check=full \\
	--show-leak-kinds=definite,indirect \\
	--errors-for-leak-kinds=definite,indirect --error-exitcode=99 \\
	--log-file='$logs/vg.%p.log' '$bin' "\$@"
EOF
chmod +x "$logs/nstopo"

pass=0 fail=0
for t in $tests; do
	out=$("$top/tests/integration/run.sh" "$logs/nstopo" "$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	last=$(printf '%s\n' "$out" | tail -n 1)
	p=$(printf '%s' "$last" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
	f=$(printf '%s' "$last" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
	[ -n "$p" ] || { p=0 f=1; }
	[ "$rc" != 0 ] && [ "$f" = 0 ] && f=1
	pass=$((pass + p)) fail=$((fail + f))
done

# With -q, valgrind writes a log only when it has something to say.
runs=$(find "$logs" -name 'vg.*.log' | wc -l)
# valgrind 3.19 (Debian 12) does not know pidfd_open (syscall 434), which
# the relay's stop tries first (then it signals by pid, see relay_stop()):
# its warning about that is no memory error.
for l in $(find "$logs" -name 'vg.*.log' -size +0); do
	grep -Ev '^--[0-9]+-- (WARNING: unhandled amd64-linux syscall: 434|You may be able to write your own handler\.|Read the file README_MISSING_SYSCALL_OR_IOCTL\.|Nevertheless we consider this a bug\.  Please report|it at http://valgrind\.org/support/bug_reports\.html\.)$' \
		"$l" > "$l.rest" || :
	mv "$l.rest" "$l"
done
dirty=$(find "$logs" -name 'vg.*.log' -size +0 | sort)
if [ -z "$dirty" ]; then
	echo "ok   memcheck: $runs nstopo runs, no memory errors, no leaks"
	pass=$((pass + 1))
else
	for l in $dirty; do
		echo "FAIL memcheck: $l"
		sed 's/^/     | /' "$l" | head -60
	done
	fail=$((fail + 1))
fi
[ "$runs" -gt 0 ] || { echo "FAIL memcheck: no nstopo run was checked"; fail=$((fail + 1)); }
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
