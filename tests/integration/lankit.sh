# lankit.sh - sourced after lib.sh (and labkit.sh) by the tests that put
# a lab on a LAN: a real router advertisement daemon, the state of an
# interface the host had before the lab, and a host snapshot that does
# not depend on when it was taken.  Everything runs inside the sandbox.

RADVD_PIDS=""
# Killed (run.sh's timeout), a test still runs its EXIT trap, which stops
# the daemons it started: none may outlive the sandbox.
trap 'exit 143' TERM
trap 'exit 130' INT

# need_radvd: radvd is a test dependency (scripts/install-deps.sh test);
# a test that needs it fails without it, it is never skipped
need_radvd() {
	command -v radvd > /dev/null 2>&1 && return 0
	bad "radvd is not installed (scripts/install-deps.sh test installs it)"
	finish
	exit 1
}

# radvd_start NETNS IFNAME PREFIX...: radvd on IFNAME in NETNS ("host":
# here), advertising each PREFIX on-link and autonomous, unsolicited every
# 3 to 4 s and at once on a router solicitation; stopped by radvd_stop_all
# (tests that call this trap it on EXIT).  Its files are under $WORK.
# Call it directly, never in $(...) or through check: the daemon's pid
# must stay in this shell.
radvd_start() {
	_ns=$1 _if=$2
	shift 2
	_f=$WORK/radvd-$_ns-$_if
	{
		printf 'interface %s {\n\tAdvSendAdvert on;\n' "$_if"
		printf '\tMinRtrAdvInterval 3;\n\tMaxRtrAdvInterval 4;\n'
		for _p; do
			printf '\tprefix %s { AdvOnLink on; AdvAutonomous on; };\n' "$_p"
		done
		printf '};\n'
	} > "$_f.conf"
	chmod 0644 "$_f.conf"
	# Its output goes to a file: a daemon holding a test's stdout would
	# keep every $(...) and run.sh waiting for it.
	if [ "$_ns" = host ]; then
		radvd -n -C "$_f.conf" -p "$_f.pid" -m logfile -l "$_f.log" \
			< /dev/null > "$_f.out" 2>&1 &
	else
		ip netns exec "$_ns" radvd -n -C "$_f.conf" -p "$_f.pid" \
			-m logfile -l "$_f.log" < /dev/null > "$_f.out" 2>&1 &
	fi
	RADVD_PIDS="$RADVD_PIDS $!"
	# ready when it has written its pid file
	_i=0
	while [ ! -s "$_f.pid" ] && [ "$_i" -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ -s "$_f.pid" ]
}

radvd_stop_all() {
	for _p in $RADVD_PIDS; do
		kill "$_p" 2> /dev/null
		wait "$_p" 2> /dev/null
	done
	RADVD_PIDS=""
# Killed (run.sh's timeout), a test still runs its EXIT trap, which stops
# the daemons it started: none may outlive the sandbox.
trap 'exit 143' TERM
trap 'exit 130' INT
}

# iface_state IFNAME: what the host has on IFNAME and its routes, as JSON
# without counters, lifetimes and bridge timers: the interface, its
# addresses, and every route of every table of both families (whatever
# their device)
iface_state() {
	{
		echo "## link"
		ip -d -j link show dev "$1" | python3 "$TOP/tests/integration/jsonnorm.py"
		echo "## addr"
		ip -j addr show dev "$1" | python3 "$TOP/tests/integration/jsonnorm.py"
		echo "## route4"
		ip -j -4 route show table all | python3 "$TOP/tests/integration/jsonnorm.py"
		echo "## route6"
		ip -j -6 route show table all | python3 "$TOP/tests/integration/jsonnorm.py"
	} | grep -v '"[a-z_]*timer": '
}

# host_snap FILE: lib.sh's snapshot of the host, without bridge timers and
# the times and sizes in the listings of /run/netns and /run/nstopo
# (namespaces of the LAN live in /run/netns next to the lab's)
host_snap() {
	snapshot "$1.raw"
	grep -v '"[a-z_]*timer": ' "$1.raw" |
		awk '/^## / { sec = $2 }
		     (sec == "netns" || sec == "state") && NF >= 9 { print $1, $NF; next }
		     { print }' > "$1"
}

# settle_diff WANT GOT CMD...: run CMD (its output into file GOT) until
# GOT is the same as file WANT, for up to 3 s; 0 if it came to be (then
# SETTLED_MS says after how long), else 1 with the diff in GOT.diff.
# The kernel finishes an IPv6 address it is given back (its local route,
# its notification) in a work item, which can wait behind namespaces
# being torn down: the host is exactly as before only a moment after the
# destroy or rollback that gave the address back has returned.
SETTLED_MS=0
settle_diff() {
	_want=$1 _got=$2
	shift 2
	_i=0
	while "$@" > "$_got" 2>&1; ! diff -u "$_want" "$_got" > "$_got.diff"; do
		[ "$_i" -ge 30 ] && return 1
		sleep 0.1
		_i=$((_i + 1))
	done
	SETTLED_MS=$((_i * 100))
	return 0
}

# settled DESC: an ok line's note when settle_diff had to wait
settled() {
	[ "$SETTLED_MS" -gt 0 ] && echo "     ($1: settled after about $SETTLED_MS ms)"
	return 0
}

# slaac_addr NETNS IFNAME PREFIX: the address IFNAME in NETNS made from a
# router advertisement (dynamic, global) inside PREFIX; empty if none
slaac_addr() {
	ip -n "$1" -j -6 addr show dev "$2" | python3 -c '
import ipaddress, json, sys
net = ipaddress.ip_network(sys.argv[1])
for link in json.load(sys.stdin):
    for a in link.get("addr_info", []):
        if a.get("dynamic") and a.get("scope") == "global" and \
                ipaddress.ip_address(a["local"]) in net:
            print(a["local"])
            sys.exit(0)' "$3"
}
