# lib.sh - sourced by each integration test; runs inside the sandbox.
# Checks print "ok" or "FAIL" lines; finish prints "N passed, N failed".
set -u
: "${NSTOPO:?}" "${TOP:?}"
T_PASS=0
T_FAIL=0
WORK=$(mktemp -d /run/nstopo-test.XXXXXX)
export PATH="$TOP/tests/integration:$PATH"

ok() { T_PASS=$((T_PASS + 1)); echo "ok   $*"; }
bad() { T_FAIL=$((T_FAIL + 1)); echo "FAIL $*"; }

# check DESC CMD...: CMD must succeed
check() {
	d=$1; shift
	if out=$("$@" 2>&1); then ok "$d"; else bad "$d"; printf '%s\n' "$out" | sed 's/^/     | /' | head -40; fi
}
# check_fail DESC CMD...: CMD must fail
check_fail() {
	d=$1; shift
	if out=$("$@" 2>&1); then bad "$d (succeeded)"; printf '%s\n' "$out" | sed 's/^/     | /' | head -20; else ok "$d"; fi
}
# check_eq DESC EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1"; echo "     | expected: $2"; echo "     | actual:   $3"; fi
}
# check_match DESC REGEX TEXT
check_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then ok "$1"; else bad "$1"; printf '%s\n' "$3" | sed 's/^/     | /' | head -20; echo "     | (wanted /$2/)"; fi
}

# cgroup2_root: where the machine's cgroup2 hierarchy is mounted (the
# whole of it), if it is; the sandbox shares it with the real host.
cgroup2_root() {
	awk '{ for (i = 7; i < NF; i++) if ($i == "-") {
		if ($(i + 1) == "cgroup2" && $4 == "/") { print $5; exit }
		break } }' /proc/self/mountinfo
}

# snapshot FILE: everything of the sandbox's host that nstopo might touch.
# With SNAPSHOT_LABS="LAB...", the control groups of those labs too (the
# machine's: other sandboxes' labs of other names are not compared).
snapshot() {
	{
		echo "## links"; ip -d -j link show | python3 "$TOP/tests/integration/jsonnorm.py"
		echo "## addrs"; ip -j addr show | python3 "$TOP/tests/integration/jsonnorm.py"
		echo "## routes4"; ip -4 route show table all
		echo "## routes6"; ip -6 route show table all
		echo "## netns"; ls -la /run/netns 2>&1 | sed 1d
		echo "## mounts"; awk '{print $5, $9}' /proc/self/mountinfo | sort
		echo "## state"; ls -laR /run/nstopo 2>&1
		echo "## sysctl"; for k in net.ipv4.ip_forward net.ipv6.conf.all.forwarding net.ipv6.conf.default.accept_dad; do sysctl -n "$k"; done
		if [ -n "${SNAPSHOT_LABS:-}" ]; then
			echo "## cgroups"
			cg=$(cgroup2_root)
			for l in $SNAPSHOT_LABS; do
				[ -n "$cg" ] && ls -d "$cg/nstopo/$l".* 2>/dev/null
			done
			grep 'name=nstopo' /proc/self/cgroup
		fi
	} > "$1" 2>&1
}

finish() {
	rm -rf "$WORK"
	echo "$T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" = 0 ]
}
