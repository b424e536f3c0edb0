# t-ospf.sh - topologies/ospf.yaml with a real routing daemon: four BIRD 2
# routers in a ring speaking OSPFv2 and OSPFv3, started by the nodes'
# exec:.  OSPF converges before apply returns (the wait: gates) and the
# hosts reach each other over the cheap path; status takes bird's routes
# for foreign, never drift (listed with -v only); a link taken down inside
# a router is routed around and reported as drift; apply of the same file
# sets it up again while every bird keeps running, and traffic takes the
# original path again; destroy stops the birds and leaves the host as it
# was.  Every wait is a bounded poll.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"

f=topologies/ospf.yaml
routers="r1 r2 r3 r4"
if ! command -v bird > /dev/null 2>&1; then
	bad "bird is not installed (scripts/install-deps.sh test installs bird2)"
	finish
	exit 1
fi

# wait_for SECONDS CMD...: CMD, every 0.2 s, until it succeeds (0) or
# SECONDS have passed (1)
wait_for() {
	_n=$(($1 * 5))
	shift
	until "$@" > /dev/null 2>&1; do
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || return 1
		sleep 0.2
	done
}

# out_dev NS ADDRESS: the interface NS sends packets for ADDRESS out of
out_dev() {
	ip -n "$1" route get "$2" 2> /dev/null |
		sed -n '1s/.* dev \([^ ]*\).*/\1/p'
}

# path NS DEV ADDRESS...: NS sends packets for every ADDRESS out of DEV
path() {
	_ns=$1 _dev=$2
	shift 2
	for _a; do
		[ "$(out_dev "$_ns" "$_a")" = "$_dev" ] || return 1
	done
}

# tx NS IF: the packets IF of NS has sent
tx() {
	ip netns exec "$1" cat "/sys/class/net/$2/statistics/tx_packets"
}

# traffic: 50 pings each family from h1 to h3 and back, quickly; then
# how many packets r2 and r4 sent towards r3 and towards r1 meanwhile
# ("R2_TO_R3 R2_TO_R1 R4_TO_R3 R4_TO_R1")
traffic() {
	_b="$(tx r2 to-r3) $(tx r2 to-r1) $(tx r4 to-r3) $(tx r4 to-r1)"
	for _a in 10.3.0.10 fd00:3::10; do
		ip netns exec h1 ping -q -c 50 -i 0.002 -W 2 "$_a" > /dev/null
	done
	_e="$(tx r2 to-r3) $(tx r2 to-r1) $(tx r4 to-r3) $(tx r4 to-r1)"
	echo "$_b $_e" | awk '{ print $5 - $1, $6 - $2, $7 - $3, $8 - $4 }'
}

# birds: "NODE PID" of each bird of the lab, by its control socket
birds() {
	for r in $routers; do
		echo "$r $(pgrep -x -f "bird -f -c /run/bird-ospf/$r.conf -s /run/bird-ospf/$r.ctl")"
	done
}

# alive PID: PID runs (a zombie waiting for its parent does not)
alive() {
	[ -r "/proc/$1/stat" ] && ! sed 's/.*) //' "/proc/$1/stat" | grep -q '^Z'
}

"$NSTOPO" plan --json "$f" > "$WORK/plan.json"
SNAPSHOT_LABS=ospf snapshot "$WORK/before"

# -- Up: OSPF has converged when apply returns.
out=$("$NSTOPO" apply "$f" 2>&1)
check_eq "apply $f" 0 $?
check_match "apply says the lab is up" '^lab ospf is up: 6 namespaces, 6 links' "$out"
check "kernel state matches the plan" verify.py "$WORK/plan.json"
# The gates: each LAN has a route to the other from OSPF, IPv4 and IPv6.
check_match "r1 has an OSPF route to LAN 3 when apply returns" '^10\.3\.0\.0/24 ' \
	"$(ip -n r1 -4 route show proto bird)"
check_match "r1 has an OSPFv3 route to LAN 3 when apply returns" '^fd00:3::/64 ' \
	"$(ip -n r1 -6 route show proto bird)"
check_match "r3 has an OSPF route to LAN 1 when apply returns" '^10\.1\.0\.0/24 ' \
	"$(ip -n r3 -4 route show proto bird)"

birds > "$WORK/birds"
while read -r r pid; do
	check_match "$r: a bird runs" '^[0-9]+$' "$pid"
	[ -n "$pid" ] || continue
	check_eq "$r: its bird is in $r's namespace" "$r" "$(ip netns identify "$pid")"
	readlink "/proc/$pid/ns/net" > "$WORK/ns.$r"
	for p in ospf4 ospf6; do
		n=$(ip netns exec "$r" birdc -s "/run/bird-ospf/$r.ctl" \
			show ospf neighbors "$p" | grep -c 'Full/PtP')
		check_eq "$r: $p has its 2 neighbours (Full)" 2 "$n"
	done
done < "$WORK/birds"

# Every router learns the ring's 4 subnets and both LANs: 6 routes each.
for r in $routers; do
	for fam in 4 6; do
		n=$(ip -n "$r" -"$fam" route show proto bird | grep -c .)
		check_eq "$r: routes from OSPF (IPv$fam) for all 6 subnets" 6 "$n"
	done
done

# The cheap path, r1-r2-r3, both ways (OSPF's first routes may take the
# other until the link-state database is whole: polled).
check "r1 routes LAN 3 through r2" \
	wait_for 30 path r1 to-r2 10.3.0.10 fd00:3::10
check "r3 routes LAN 1 through r2" \
	wait_for 30 path r3 to-r2 10.1.0.10 fd00:1::10
for a in 10.3.0.10 fd00:3::10 10.0.34.2 fd00:34::2; do
	check "h1 reaches $a" ip netns exec h1 ping -c1 -W2 -q "$a"
done
for a in 10.1.0.10 fd00:1::10 10.0.14.2 fd00:14::2; do
	check "h3 reaches $a" ip netns exec h3 ping -c1 -W2 -q "$a"
done
traffic > "$WORK/traffic"
read -r r2_r3 r2_r1 r4_r3 r4_r1 < "$WORK/traffic"
check "the pings cross r2 both ways (r2 sent $r2_r3 to r3, $r2_r1 to r1)" \
	test "$r2_r3" -ge 90 -a "$r2_r1" -ge 90
check "the pings do not cross r4 (it sent $r4_r3 to r3, $r4_r1 to r1)" \
	test "$r4_r3" -lt 20 -a "$r4_r1" -lt 20

# -- status: bird's routes are foreign, not drift; -v lists them.
out=$("$NSTOPO" status "$f" 2>&1)
check_eq "status: as planned while bird runs (exit 0)" 0 $?
check_match "status: as planned" '^lab ospf: as planned' "$out"
check_eq "status: nothing but its summary (no row for bird's routes)" "" \
	"$(printf '%s\n' "$out" | grep -v '^lab ospf: ')"
out=$("$NSTOPO" status -v "$f" 2>&1)
check_eq "status -v: still exit 0" 0 $?
check_match "status -v: lists r1's route to LAN 3 from bird as foreign" \
	'^r1 +route 10\.3\.0\.0/24 via 10\.0\.12\.2 dev to-r2 proto bird +foreign' "$out"
check_match "status -v: lists OSPFv3's routes too" \
	'^r3 +route fd00:1::/64 via fe80::[0-9a-f:]+ dev to-r2 proto bird +foreign' "$out"
check_eq "status -v: every bird route is foreign, none extra" "" \
	"$(printf '%s\n' "$out" | grep 'proto bird' | grep -v ' foreign *$')"

# -- A link flap inside r2: OSPF routes around it, status says drift.
ip -n r2 link set to-r3 down
check "after to-r3 goes down in r2, r1 routes LAN 3 through r4" \
	wait_for 30 path r1 to-r4 10.3.0.10 fd00:3::10
check "... and r3 routes LAN 1 through r4" \
	wait_for 30 path r3 to-r4 10.1.0.10 fd00:1::10
for a in 10.3.0.10 fd00:3::10; do
	check "h1 still reaches $a" ip netns exec h1 ping -c1 -W2 -q "$a"
done
check "h3 still reaches fd00:1::10" ip netns exec h3 ping -c1 -W2 -q fd00:1::10
traffic > "$WORK/traffic"
read -r r2_r3 r2_r1 r4_r3 r4_r1 < "$WORK/traffic"
check "the pings cross r4 now (it sent $r4_r3 to r3, $r4_r1 to r1)" \
	test "$r4_r3" -ge 90 -a "$r4_r1" -ge 90
check_eq "r2 sends nothing on its downed to-r3" 0 "$r2_r3"
out=$("$NSTOPO" status "$f" 2>&1)
check_eq "status: the downed link is drift (exit 3)" 3 $?
check_match "status: r2's to-r3 is down" \
	'^r2 +link to-r3 +different +down, want up' "$out"
# The downed end, its peer (no carrier) and what the kernel took off
# them; bird's new routes are no drift either.
check_eq "status: no other drift" "" \
	"$(printf '%s\n' "$out" | grep -E '^[a-z0-9]+  +[a-z]' |
		grep -v -E '^(r2 +(link|addr) .*to-r3|r3 +(link|addr) .*to-r2)( |$)')"

# -- apply of the same file repairs it; the birds live on.
out=$("$NSTOPO" apply "$f" 2>&1)
check_eq "apply of the same file on the drifted lab" 0 $?
check_match "apply says it repaired the drift" \
	'^lab ospf is up: what had drifted is set right again' "$out"
check_match "r2's to-r3 is up again" 'state UP' \
	"$(ip -n r2 link show to-r3)"
check_match "r2's to-r3 has its addresses" \
	'inet 10\.0\.23\.1/24.*inet6 fd00:23::1/64' \
	"$(ip -n r2 addr show to-r3 | tr '\n' ' ')"
birds > "$WORK/birds.after"
check_eq "every bird still runs, the same processes" \
	"$(cat "$WORK/birds")" "$(cat "$WORK/birds.after")"
while read -r r pid; do
	[ -n "$pid" ] || continue
	check_eq "$r: its bird is still in the same namespace" \
		"$(cat "$WORK/ns.$r")" "$(readlink "/proc/$pid/ns/net")"
done < "$WORK/birds"
check "r1 routes LAN 3 through r2 again" \
	wait_for 30 path r1 to-r2 10.3.0.10 fd00:3::10
check "r3 routes LAN 1 through r2 again" \
	wait_for 30 path r3 to-r2 10.1.0.10 fd00:1::10
traffic > "$WORK/traffic"
read -r r2_r3 r2_r1 r4_r3 r4_r1 < "$WORK/traffic"
check "the pings cross r2 again (it sent $r2_r3 to r3, $r2_r1 to r1)" \
	test "$r2_r3" -ge 90 -a "$r2_r1" -ge 90
check "and not r4 (it sent $r4_r3 to r3, $r4_r1 to r1)" \
	test "$r4_r3" -lt 20 -a "$r4_r1" -lt 20
out=$("$NSTOPO" status "$f" 2>&1)
check_eq "status: as planned again (exit 0)" 0 $?
check_match "status: as planned again" '^lab ospf: as planned' "$out"

# -- destroy: the birds (and the shells around them) are stopped.
pids=$(for r in $routers; do pgrep -f "/run/bird-ospf/$r.conf"; done)
out=$("$NSTOPO" destroy "$f" 2>&1)
check_eq "destroy" 0 $?
check_match "destroy says it stops the birds" \
	'stopping 8 processes left in lab ospf: .*\(bird\).*\(bird\).*\(bird\).*\(bird\)' "$out"
check_match "destroy: the lab is down" '^lab ospf is down' "$out"
left=
for p in $pids; do
	alive "$p" && left="$left $p"
done
check_eq "no process of the lab runs after destroy" "" "$left"
check_eq "no bird runs" "" "$(pgrep -a -x bird)"
check "the shells removed bird's files" wait_for 5 test ! -e /run/bird-ospf
check "nothing of the lab is left" verify.py --gone "$WORK/plan.json"
check_clean "no namespace, link, route or state is left"
SNAPSHOT_LABS=ospf snapshot "$WORK/after"
check "host state as before (its control group gone too)" \
	diff -u "$WORK/before" "$WORK/after"
finish
