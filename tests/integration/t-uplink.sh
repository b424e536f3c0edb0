# t-uplink.sh - services on the LAN through the host's NIC: a bridge that
# adopts the NIC (ports: [uplink0], adopt: true) takes over its addresses
# and routes while the lab is up and gives them back exactly, whether the
# lab is destroyed, its apply fails at any step, or its apply is killed
# (then destroy --lab).  A port that is missing, or another bridge's,
# fails the apply with nothing changed; without adopt a port only joins.
#
# The sandbox plays it all: uplink0 is a veth whose other end is in the
# namespace "lan", a switch (bridge lansw) with a router on it (addresses,
# forwarding, a real radvd advertising fd00:50::/64) and a LAN client
# (namespace lanclient).  The host's uplink0 has IPv4 and IPv6 addresses,
# default routes of both families and more static routes.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"
. "$TOP/tests/integration/lankit.sh"
need_radvd
trap radvd_stop_all EXIT

# The LAN: sysctls first, so links made afterwards inherit them.
ip netns add lan
ip netns add lanclient
ip netns exec lan sysctl -qw net.ipv4.ip_forward=1 \
	net.ipv6.conf.all.forwarding=1 net.ipv6.conf.all.accept_dad=0 \
	net.ipv6.conf.default.accept_dad=0
ip netns exec lanclient sysctl -qw net.ipv6.conf.all.accept_dad=0 \
	net.ipv6.conf.default.accept_dad=0
ip -n lan link set lo up
ip -n lanclient link set lo up
ip -n lan link add lansw type bridge
ip -n lan link set lansw up
ip -n lan addr add 192.168.50.1/24 dev lansw
ip -n lan addr add fd00:50::1/64 dev lansw nodad
ip -n lan link add lan-cl type veth peer eth0 netns lanclient
ip -n lan link set lan-cl master lansw up
ip -n lanclient addr add 192.168.50.20/24 dev eth0
ip -n lanclient addr add fd00:50::20/64 dev eth0 nodad
ip -n lanclient link set eth0 up

# The host's NIC, configured statically (a NIC that takes router
# advertisements itself has addresses and routes that change on their
# own: its state could not be compared exactly).
ip link add uplink0 type veth peer lan-up netns lan
ip -n lan link set lan-up master lansw up
sysctl -qw net.ipv6.conf.uplink0.accept_ra=0 net.ipv6.conf.uplink0.accept_dad=0
ip addr add 192.168.50.10/24 dev uplink0
ip addr add fd00:50::10/64 dev uplink0 nodad
ip link set uplink0 up
ip route add default via 192.168.50.1 dev uplink0
ip -6 route add default via fd00:50::1 dev uplink0
ip route add 198.51.100.0/24 via 192.168.50.254 dev uplink0 metric 50 src 192.168.50.10
ip -6 route add 2001:db8:99::/48 via fd00:50::fe dev uplink0 metric 100
ip route add 203.0.113.0/24 dev uplink0 table 100
if radvd_start lan lansw fd00:50::/64; then
	ok "radvd runs on the LAN"
else
	bad "radvd does not start on the LAN"
	cat "$WORK"/radvd-*.out "$WORK"/radvd-*.log | sed 's/^/     | /'
fi

# reach WHO ADDR...: WHO ("host" or a namespace) pings each ADDR
reach() {
	_who=$1
	shift
	for _a; do
		if [ "$_who" = host ]; then
			check "host reaches $_a" ping -c1 -W2 -q "$_a"
		else
			check "$_who reaches $_a" ip netns exec "$_who" ping -c1 -W2 -q "$_a"
		fi
	done
}
reach host 192.168.50.1 fd00:50::1 192.168.50.20 fd00:50::20

lab=$WORK/uplink.yaml
cat > "$lab" <<'EOF'
name: uplink
bridges:
  br-lan: {ports: [uplink0], adopt: true}
nodes:
  web:
    interfaces:
      eth0:
        accept-ra: true
        autoconf: true
        mac: "02:00:00:00:0b:01"
        addresses: [192.168.50.101/24, "fd00:50::b:1/64"]
    routes: [{to: default, via: 192.168.50.1}]
  db:
    interfaces:
      eth0: {accept-ra: true, autoconf: true, mac: "02:00:00:00:0b:02"}
links:
  - [web:eth0, br-lan]
  - [db:eth0, br-lan]
EOF
"$NSTOPO" plan --json "$lab" > "$WORK/uplink.json"
# uplink_host: uplink0, its addresses and every route (iface_state), then
# the host as a whole (host_snap)
uplink_host() {
	iface_state uplink0
	host_snap "$WORK/hs"
	cat "$WORK/hs"
}
# baseline: what uplink_host must find again
baseline() {
	iface_state uplink0 > "$WORK/u0"
	uplink_host > "$WORK/uh0"
}
baseline

# same_as_before DESC: uplink0, its addresses, all routes, and the host as
# a whole are as they were before the lab (see settle_diff)
same_as_before() {
	if settle_diff "$WORK/u0" "$WORK/u1" iface_state uplink0; then
		ok "$1: uplink0, its addresses and the routes as before"
		settled "$1"
	else
		bad "$1: uplink0, its addresses and the routes as before"
		sed 's/^/     | /' "$WORK/u1.diff" | head -40
	fi
	if settle_diff "$WORK/uh0" "$WORK/uh1" uplink_host; then
		ok "$1: the host as before"
	else
		bad "$1: the host as before"
		sed 's/^/     | /' "$WORK/uh1.diff" | head -40
	fi
}

# -- Up, with --wait: services with SLAAC and static addresses ----------
t0=$(date +%s%N)
check "apply --wait" "$NSTOPO" apply --wait=30 "$lab"
echo "     apply --wait took $((($(date +%s%N) - t0) / 1000000)) ms"
check "kernel state matches the plan" verify.py "$WORK/uplink.json"
check_eq "uplink0 is a port of br-lan" br-lan \
	"$(ip -j link show dev uplink0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0].get("master"))')"
check_eq "br-lan has uplink0's MAC address (neighbours' caches stay right)" \
	"$(ip -j link show dev uplink0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')" \
	"$(ip -j link show dev br-lan | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')"
check_match "br-lan has uplink0's IPv4 address" 'inet 192\.168\.50\.10/24 ' \
	"$(ip addr show dev br-lan)"
check_match "br-lan has uplink0's IPv6 address" 'inet6 fd00:50::10/64 ' \
	"$(ip addr show dev br-lan)"
check_eq "uplink0 keeps no global address" "" \
	"$(ip addr show dev uplink0 scope global)"
check_match "the IPv4 default route is on br-lan" \
	'^default via 192\.168\.50\.1 dev br-lan' "$(ip -4 route show default)"
check_match "the IPv6 default route is on br-lan" \
	'^default via fd00:50::1 dev br-lan' "$(ip -6 route show default)"
check_match "the static route keeps its metric and source, on br-lan" \
	'^198\.51\.100\.0/24 via 192\.168\.50\.254 dev br-lan .*metric 50' \
	"$(ip -4 route show 198.51.100.0/24)"
check_match "... its source address too" 'src 192\.168\.50\.10' \
	"$(ip -4 route show 198.51.100.0/24)"
check_match "the IPv6 static route is on br-lan" \
	'^2001:db8:99::/48 via fd00:50::fe dev br-lan metric 100' \
	"$(ip -6 route show 2001:db8:99::/48)"
check_match "the route of table 100 is on br-lan" \
	'^203\.0\.113\.0/24 dev br-lan' "$(ip -4 route show table 100)"
check_eq "no route is left on uplink0" "" \
	"$(ip -4 route show table all dev uplink0; ip -6 route show table all dev uplink0 | grep -v -e '^fe80::/64 ' -e '^local fe80:' -e '^multicast ')"

web_slaac=$(slaac_addr web eth0 fd00:50::/64)
db_slaac=$(slaac_addr db eth0 fd00:50::/64)
check_eq "web has its SLAAC address (EUI-64 of its MAC) within --wait" \
	fd00:50::ff:fe00:b01 "$web_slaac"
check_eq "db has its SLAAC address within --wait" fd00:50::ff:fe00:b02 "$db_slaac"
check_match "web keeps its static IPv6 address" 'inet6 fd00:50::b:1/64 ' \
	"$(ip -n web addr show dev eth0)"
check_match "db has a default route from the router advertisement" \
	'^default via fe80::[0-9a-f:]+ dev eth0 proto ra ' "$(ip -n db -6 route show default)"
reach lanclient 192.168.50.101 fd00:50::b:1 fd00:50::ff:fe00:b01 fd00:50::ff:fe00:b02
reach web 192.168.50.20 fd00:50::20
reach db fd00:50::20 fd00:50::1
reach host 192.168.50.1 fd00:50::1 192.168.50.20 fd00:50::20 fd00:50::b:1
out=$("$NSTOPO" status "$lab" 2>&1)
check_eq "status: exit 0" 0 $?
check_match "status: as planned" 'as planned: [0-9]+ ok, 0 missing, 0 different, 0 extra' "$out"

# br-lan takes router advertisements as uplink0 did: not at all here
# (t-uplink-ra.sh has a NIC that takes them).
check_eq "br-lan takes no advertisements, as uplink0 took none" 0 \
	"$(sysctl -n net.ipv6.conf.br-lan.accept_ra)"
check_eq "... and has no route from the router" "" \
	"$(ip -6 route show dev br-lan proto ra)"

check "destroy" "$NSTOPO" destroy "$lab"
check "nothing of the lab is left" verify.py --gone "$WORK/uplink.json"
same_as_before "after destroy"
reach host 192.168.50.1 fd00:50::1 192.168.50.20 fd00:50::20

# -- A lab that nstopo 0.1.0 applied -------------------------------------
# Its journal (fixtures/uplink.journal-0.1.0, as that build wrote it for
# this lab) keeps what uplink0 had in that build's text: this build gives
# it all back from that text.
check "0.1.0's journal: apply" "$NSTOPO" -q apply "$lab"
sed "1s|file=@FILE@ pid=1 started=0|file=$lab pid=1 started=$(date +%s)|" \
	"$TOP/tests/integration/fixtures/uplink.journal-0.1.0" \
	> /run/nstopo/uplink/journal
check_match "0.1.0's journal: the saved text is that build's" \
	'k=port\.add .* saved=a%20192\.168\.50\.10/24%20' \
	"$(cat /run/nstopo/uplink/journal)"
check "0.1.0's journal: destroy" "$NSTOPO" destroy "$lab"
check "0.1.0's journal: nothing of the lab is left" verify.py --gone "$WORK/uplink.json"
same_as_before "0.1.0's journal"

# -- The NIC without carrier (cable out): its routes are "linkdown" -------
ip -n lan link set lan-up down
i=0
while ! ip -4 route show default | grep -q linkdown && [ "$i" -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
check_match "no carrier: the routes of uplink0 are linkdown" linkdown \
	"$(ip -4 route show default)"
baseline
check "no carrier: apply" "$NSTOPO" apply "$lab"
check_match "no carrier: the IPv4 default route is on br-lan" \
	'^default via 192\.168\.50\.1 dev br-lan' "$(ip -4 route show default)"
check "no carrier: destroy" "$NSTOPO" destroy "$lab"
same_as_before "no carrier"
ip -n lan link set lan-up up
i=0
while ip -4 route show default | grep -q linkdown && [ "$i" -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
baseline

# -- A failed apply, at every step ----------------------------------------
n=$(plan_count "$lab")
port_step=$("$NSTOPO" plan --json "$lab" | python3 -c '
import json, sys
ops = json.load(sys.stdin)["ops"]
print([i for i, o in enumerate(ops) if o["op"] == "port.add"][0] + 1)')
echo "     the plan has $n steps; the adoption is step $port_step"
i=1
while [ "$i" -le "$n" ]; do
	out=$(NSTOPO_FAULT_AT=$i "$NSTOPO" apply "$lab" 2>&1)
	rc=$?
	: > "$WORK/uh1.diff"
	if [ "$rc" = 1 ] &&
		printf '%s\n' "$out" | grep -q "step $i of $n failed: .*fault injected" &&
		settle_diff "$WORK/uh0" "$WORK/uh1" uplink_host; then
		ok "fault at step $i/$n: exit 1, uplink0 and the host as before"
		settled "fault at step $i"
	else
		bad "fault at step $i/$n: exit $rc, or not as before"
		printf '%s\n' "$out" | sed 's/^/     | /' | head -10
		sed 's/^/     | /' "$WORK/uh1.diff" | head -30
		"$NSTOPO" destroy -q --lab uplink
	fi
	i=$((i + 1))
done

# -- A real failure after the adoption: a node sysctl that does not exist -
sed '/^  db:$/a\    sysctl: {net.ipv6.conf.eth0.no_such_key: 1}' "$lab" > "$WORK/bad.yaml"
bad_step=$("$NSTOPO" plan --json "$WORK/bad.yaml" | python3 -c '
import json, sys
ops = json.load(sys.stdin)["ops"]
print([i for i, o in enumerate(ops) if "no_such_key" in o.get("key", "")][0] + 1)')
check "the bad sysctl comes after the adoption (step $bad_step > $port_step)" \
	test "$bad_step" -gt "$port_step"
out=$("$NSTOPO" apply --wait=5 "$WORK/bad.yaml" 2>&1)
check_eq "bad sysctl: apply exits 1" 1 $?
check_match "bad sysctl: the message names the step and the reason" \
	"step $bad_step of [0-9]+ failed: sysctl net\.ipv6\.conf\.eth0\.no_such_key=1 @db .*No such file or directory" "$out"
check_match "bad sysctl: rolled back" "rolled back" "$out"
same_as_before "bad sysctl"

# -- SIGKILL during apply, then destroy --lab -----------------------------
# More routes on uplink0 make the adoption last long enough to be hit in
# the middle; they are part of what must come back.
k=0
while [ "$k" -lt 200 ]; do
	echo "route add 10.$((100 + k / 200)).$((k % 200)).0/24 via 192.168.50.254 dev uplink0 metric $k"
	k=$((k + 1))
done > "$WORK/routes.batch"
ip -batch "$WORK/routes.batch"
baseline

now_ms() { echo $(($(date +%s%N) / 1000000)); }
span=999999
for _ in 1 2; do
	t0=$(now_ms)
	"$NSTOPO" apply -q "$lab"
	t1=$(now_ms)
	"$NSTOPO" destroy -q --lab uplink
	[ $((t1 - t0)) -lt "$span" ] && span=$((t1 - t0))
done
echo "     apply takes ${span} ms"
same_as_before "applied and destroyed with 200 more routes"

# where: how far the killed apply got with uplink0
where() {
	if ! ip link show dev br-lan > /dev/null 2>&1; then
		echo before
	elif ! ip -o link show dev uplink0 | grep -q 'master br-lan'; then
		[ -n "$(ip addr show dev br-lan scope global)" ] && echo adopting || echo before
	elif [ -n "$(ip addr show dev uplink0 scope global)" ] ||
		[ -n "$(ip route show dev uplink0)" ] ||
		[ "$(ip route show dev br-lan | wc -l)" -lt 200 ]; then
		echo adopting
	else
		echo adopted
	fi
}
trials=${NSTOPO_KILL_TRIALS:-20}
[ "$trials" -ge 15 ] 2>/dev/null || trials=15
before=0 adopting=0 adopted=0
i=1
while [ "$i" -le "$trials" ]; do
	# kill points spread over 0..1.2 x the apply, by a fixed sequence
	d=$(awk -v i="$i" -v span="$span" -v n="$trials" \
		'BEGIN { printf "%.3f", ((i * 7) % n + 0.5) / n * span * 1.2 / 1000 }')
	"$NSTOPO" apply -q "$lab" > /dev/null 2>&1 &
	pid=$!
	sleep "$d"
	kill -KILL "$pid" 2> /dev/null
	wait "$pid" 2> /dev/null
	rc=$?
	w=$(where)
	eval "$w=\$(($w + 1))"
	out=$("$NSTOPO" destroy --lab uplink 2>&1)
	drc=$?
	: > "$WORK/uh1.diff"
	if [ "$drc" = 0 ] && settle_diff "$WORK/uh0" "$WORK/uh1" uplink_host; then
		ok "kill $i after ${d}s (exit $rc, $w): destroy --lab gave everything back"
		settled "kill $i"
	else
		bad "kill $i after ${d}s (exit $rc, $w): destroy exit $drc, or not as before"
		printf '%s\n' "$out" | sed 's/^/     | /' | head -10
		sed 's/^/     | /' "$WORK/uh1.diff" | head -30
		"$NSTOPO" destroy -q --lab uplink
	fi
	i=$((i + 1))
done
echo "     killed: before the adoption $before, during it $adopting, after it $adopted"
check "some kills hit the lab with uplink0 adopted or being adopted" \
	test $((adopting + adopted)) -ge 1
check "some kills hit the lab before the adoption" test "$before" -ge 1
sed 's/^route add/route del/' "$WORK/routes.batch" > "$WORK/unroutes.batch"
ip -batch "$WORK/unroutes.batch"
baseline

# -- A port the host does not have ----------------------------------------
sed 's/ports: \[uplink0\]/ports: [nosuch0]/' "$lab" > "$WORK/missing.yaml"
out=$("$NSTOPO" apply "$WORK/missing.yaml" 2>&1)
check_eq "missing port: apply exits 1" 1 $?
check_match "missing port: the message says so" "the host has no interface nosuch0" "$out"
check_fail "missing port: no lab state is left" test -e /run/nstopo/uplink
same_as_before "missing port"

# -- A port of another bridge (made by the test) --------------------------
ip link add otherbr type bridge
ip link add spare0 type veth peer spare1
for i in otherbr spare0 spare1; do
	sysctl -qw net.ipv6.conf.$i.accept_dad=0
done
ip link set spare0 master otherbr up
ip link set spare1 up
ip link set otherbr up
iface_state spare0 > "$WORK/s0"
snapshot_other() { host_snap "$WORK/o$1"; }
snapshot_other 0
sed 's/ports: \[uplink0\]/ports: [spare0]/' "$lab" > "$WORK/taken.yaml"
out=$("$NSTOPO" apply "$WORK/taken.yaml" 2>&1)
check_eq "port of another bridge: apply exits 1" 1 $?
check_match "port of another bridge: the message says so" \
	"spare0 is a port of another bridge already" "$out"
check_match "port of another bridge: otherbr still has it" 'master otherbr' \
	"$(ip -o link show dev spare0)"
iface_state spare0 > "$WORK/s1"
check "port of another bridge: spare0 as before" diff -u "$WORK/s0" "$WORK/s1"
snapshot_other 1
check "port of another bridge: the host as before" diff -u "$WORK/o0" "$WORK/o1"

# -- Without adopt, a port only joins and leaves --------------------------
ip link del otherbr
ip addr add 10.99.0.1/24 dev spare0
ip route add 10.98.0.0/16 via 10.99.0.254 dev spare0
iface_state spare0 > "$WORK/s0"
snapshot_other 0
cat > "$WORK/join.yaml" <<'EOF'
name: join
bridges:
  br-join: {ports: [spare0]}
nodes:
  probe: {interfaces: {eth0: {addresses: [10.99.0.2/24]}}}
links:
  - [probe:eth0, br-join]
EOF
check "join: apply" "$NSTOPO" apply "$WORK/join.yaml"
check_match "join: spare0 is a port of br-join" 'master br-join' \
	"$(ip -o link show dev spare0)"
check_match "join: spare0 keeps its address" 'inet 10\.99\.0\.1/24 ' \
	"$(ip addr show dev spare0)"
check_eq "join: br-join took no address" "" "$(ip addr show dev br-join scope global)"
check_match "join: spare0 keeps its route" '^10\.98\.0\.0/16 via 10\.99\.0\.254 dev spare0' \
	"$(ip route show 10.98.0.0/16)"
check "join: destroy" "$NSTOPO" destroy "$WORK/join.yaml"
iface_state spare0 > "$WORK/s1"
check "join: spare0 as before" diff -u "$WORK/s0" "$WORK/s1"
snapshot_other 1
check "join: the host as before" diff -u "$WORK/o0" "$WORK/o1"

ip link del spare0
radvd_stop_all
ip netns del lanclient
ip netns del lan
finish
