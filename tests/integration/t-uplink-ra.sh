# t-uplink-ra.sh - adopting a NIC that has router-given IPv6 keeps the host
# whole.  The host's NIC (uplink0) took a real router's advertisements
# (radvd, advertising the prefix fd00:50::/64 that the router holds, and
# itself as default router): a SLAAC address, the route of the prefix and
# a default route, all with lifetimes.  A lab adopts the NIC into a bridge
# in the host.  While the lab is up, the port keeps nothing that shadows
# the bridge (only its link-local address and routes), the bridge has the
# router-given configuration (learnt from the router: apply solicits and
# waits for the answer), the routers' refreshes reach it, and the host
# reaches every on-link address of its LAN (the router's global and
# link-local ones, another LAN host's, the lab's nodes') and beyond the
# router.  A node that asks for it (accept-ra, autoconf) takes SLAAC from
# the same router; one that does not, none.  After destroy, after a
# rollback at every step of the apply and after a kill of apply followed
# by destroy --lab, the NIC has its router-given configuration again
# (learnt anew: destroy solicits and waits) and its static one, the same
# as before the lab but for lifetimes, and the host reaches the LAN.  With
# the router silent, apply and destroy warn, within seconds, and the NIC
# learns again once the router speaks.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"
. "$TOP/tests/integration/lankit.sh"
need_radvd
trap radvd_stop_all EXIT

# -- The LAN: a router (namespace lan) on a switch, another host ----------
ip netns add lan
ip netns add lanhost
ip netns exec lan sysctl -qw net.ipv4.ip_forward=1 \
	net.ipv6.conf.all.forwarding=1 net.ipv6.conf.all.accept_dad=0 \
	net.ipv6.conf.default.accept_dad=0
ip netns exec lanhost sysctl -qw net.ipv6.conf.all.accept_dad=0 \
	net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.default.accept_ra=0
ip -n lan link set lo up
ip -n lanhost link set lo up
ip -n lan link add lansw type bridge
ip -n lan link set lansw up
ip -n lan addr add 192.168.50.1/24 dev lansw
ip -n lan addr add fd00:50::1/64 dev lansw nodad
# beyond the router: reached through the default route it advertises
ip -n lan addr add 2001:db8:77::1/128 dev lo
ip -n lan link add lan-h type veth peer eth0 netns lanhost
ip -n lan link set lan-h master lansw up
ip -n lanhost addr add 192.168.50.20/24 dev eth0
ip -n lanhost addr add fd00:50::20/64 dev eth0 nodad
ip -n lanhost link set eth0 up
ip -n lanhost -6 route add default via fd00:50::1

# -- The host's NIC: a static IPv4 address and default route, a static
# IPv6 address, and what the router gives (accept_ra, autoconf and DAD as
# a host has them by default)
ip link add uplink0 type veth peer lan-up netns lan
ip -n lan link set lan-up master lansw up
sysctl -qw net.ipv6.conf.uplink0.accept_ra=1 net.ipv6.conf.uplink0.autoconf=1
ip addr add 192.168.50.10/24 dev uplink0
ip addr add fd00:50::10/64 dev uplink0
ip link set uplink0 up
ip route add default via 192.168.50.1 dev uplink0
if radvd_start lan lansw fd00:50::/64; then
	ok "radvd runs on the LAN"
else
	bad "radvd does not start on the LAN"
	cat "$WORK"/radvd-*.out "$WORK"/radvd-*.log | sed 's/^/     | /'
fi

# poll N CMD...: run CMD every 0.1 s until it succeeds, at most N times
poll() {
	_n=$1
	shift
	_i=0
	until "$@"; do
		_i=$((_i + 1))
		[ "$_i" -ge "$_n" ] && return 1
		sleep 0.1
	done
}
# given IFNAME: IFNAME has a SLAAC address (dynamic, in fd00:50::/64, not
# tentative), the route of the prefix and a default route from the router
given() {
	[ -n "$(ip -6 addr show dev "$1" scope global dynamic -tentative)" ] &&
		[ -n "$(ip -6 route show fd00:50::/64 dev "$1" proto kernel)" ] &&
		[ -n "$(ip -6 route show default dev "$1" proto ra)" ]
}
check "uplink0 takes the router's advertisements (SLAAC, prefix, default route)" \
	poll 100 given uplink0
no_tentative() { [ -z "$(ip -6 addr show dev uplink0 tentative)" ]; }
check "uplink0's addresses are past DAD" poll 50 no_tentative
# host_slaac IFNAME: the host's address on IFNAME from the router (dynamic,
# global, in fd00:50::/64); empty if none
host_slaac() {
	ip -j -6 addr show dev "$1" | python3 -c '
import ipaddress, json, sys
net = ipaddress.ip_network("fd00:50::/64")
for link in json.load(sys.stdin):
    for a in link.get("addr_info", []):
        if a.get("dynamic") and a.get("scope") == "global" and \
                ipaddress.ip_address(a["local"]) in net:
            print(a["local"])
            sys.exit(0)'
}
slaac0=$(host_slaac uplink0)
echo "     uplink0's SLAAC address: $slaac0"
# link_local NETNS IFNAME: the link-local address of IFNAME in NETNS
link_local() {
	ip -n "$1" -j -6 addr show dev "$2" | python3 -c '
import json, sys
for a in json.load(sys.stdin)[0]["addr_info"]:
    if a.get("scope") == "link":
        print(a["local"])'
}
router_ll=$(link_local lan lansw)
lanhost_ll=$(link_local lanhost eth0)
check_match "the router has a link-local address" '^fe80:' "$router_ll"

# state: uplink0 and its addresses, and every route of both families and
# all tables, but for lifetimes (what the router gives is refreshed: its
# lifetimes go up as well as down) and bridge timers; addresses and routes
# sorted
state() {
	{
		ip -d -j link show dev uplink0
		echo
		ip -j addr show dev uplink0
		echo
		ip -d -j -4 route show table all
		echo
		ip -d -j -6 route show table all
	} | python3 -c '
import json, sys
DROP = {"stats", "stats64", "valid_life_time", "preferred_life_time",
        "expires", "operstate_change_count", "carrier_changes",
        "carrier_up_count", "carrier_down_count", "min_mtu"}
def clean(v):
    if isinstance(v, dict):
        return {k: clean(x) for k, x in sorted(v.items())
                if k not in DROP and not k.endswith("timer")}
    if isinstance(v, list):
        return sorted((clean(x) for x in v), key=lambda x: json.dumps(x, sort_keys=True))
    return v
for part in sys.stdin.read().split("\n\n"):
    print(json.dumps(clean(json.loads(part or "[]")), indent=1, sort_keys=True))'
}
# same_as_before DESC: uplink0 and the routes as before the lab (up to 5 s:
# the NIC's SLAAC address is tentative for a second once it is back)
same_as_before() {
	_i=0
	while state > "$WORK/s1" 2>&1; ! diff -u "$WORK/s0" "$WORK/s1" > "$WORK/s1.diff"; do
		if [ "$_i" -ge 50 ]; then
			bad "$1: uplink0, its addresses and the routes as before"
			sed 's/^/     | /' "$WORK/s1.diff" | head -40
			return 1
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	ok "$1: uplink0, its addresses and the routes as before"
	[ "$_i" -gt 0 ] && echo "     ($1: settled after about $((_i * 100)) ms)"
	return 0
}
state > "$WORK/s0"

# reach ADDR...: the host pings each ADDR
reach() {
	for _a; do
		check "host reaches $_a" ping -c1 -W2 -q "$_a"
	done
}
# on_link IFNAME: every on-link address of the LAN, the router's and the
# other host's link-local ones through IFNAME, and beyond the router
on_link() {
	reach 192.168.50.1 192.168.50.20 fd00:50::1 fd00:50::20 \
		"$router_ll%$1" "$lanhost_ll%$1" 2001:db8:77::1
	check "host reaches fd00:50::20 from its SLAAC address" \
		ping -c1 -W2 -q -I "$slaac0" fd00:50::20
}
on_link uplink0

lab=$WORK/uplinkra.yaml
cat > "$lab" <<'EOF'
name: uplinkra
bridges:
  br-lan: {ports: [uplink0], adopt: true}
nodes:
  web:
    interfaces:
      eth0: {accept-ra: true, autoconf: true, mac: "02:00:00:00:0c:01"}
  quiet:
    interfaces:
      eth0:
        accept-ra: false
        mac: "02:00:00:00:0c:02"
        addresses: ["fd00:50::c:2/64"]
links:
  - [web:eth0, br-lan]
  - [quiet:eth0, br-lan]
EOF
"$NSTOPO" plan --json "$lab" > "$WORK/plan.json"

# port_shadows: what uplink0 has beyond its link-local address and routes
port_shadows() {
	ip addr show dev uplink0 | grep -E '^ +inet' | grep -v 'inet6 fe80:'
	ip -4 route show table all dev uplink0
	ip -6 route show table all dev uplink0 |
		grep -v -e '^fe80::/64 ' -e '^local fe80:' -e '^multicast ff00::/8 '
}

ms() { echo $(($(date +%s%N) / 1000000)); }

# A connection from the host's SLAAC address to the LAN host, open
# across the adoption and the destroy: the address stays the host's.
cat > "$WORK/echo.py" <<'EOF'
import socket, sys
if sys.argv[1] == "serve":
    s = socket.socket(socket.AF_INET6)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("fd00:50::20", 7000))
    s.listen(1)
    open(sys.argv[2], "w").close()
    c, _ = s.accept()
    while True:
        d = c.recv(100)
        if not d:
            break
        c.sendall(d)
else:
    c = socket.create_connection(("fd00:50::20", 7000), timeout=60,
                                 source_address=(sys.argv[2], 0))
    for line in sys.stdin:
        c.sendall(line.encode())
        print(c.recv(100).decode().strip(), flush=True)
EOF
echo_srv='' echo_cli=''
stop_echo() {
	exec 3>&-
	for _p in $echo_cli $echo_srv; do
		kill "$_p" 2> /dev/null
		wait "$_p" 2> /dev/null
	done
	echo_srv='' echo_cli=''
}
trap 'stop_echo; radvd_stop_all' EXIT
ip netns exec lanhost python3 "$WORK/echo.py" serve "$WORK/echo.ready" \
	< /dev/null > "$WORK/echo.srv" 2>&1 &
echo_srv=$!
serving() { [ -e "$WORK/echo.ready" ]; }
poll 50 serving
mkfifo "$WORK/conn.in"
python3 "$WORK/echo.py" connect "$slaac0" < "$WORK/conn.in" > "$WORK/conn.out" 2>&1 &
echo_cli=$!
exec 3> "$WORK/conn.in"
# echoed WORD: the connection has echoed WORD; say WORD: send it
echoed() { grep -qx "$1" "$WORK/conn.out"; }
say() { echo "$1" >&3; }
say before
check "a TCP connection from uplink0's SLAAC address to the LAN host" \
	poll 100 echoed before

# -- Up -------------------------------------------------------------------
t0=$(ms)
check "apply" "$NSTOPO" apply --wait=30 "$lab"
echo "     apply --wait took $(($(ms) - t0)) ms"
# Right as apply returns: it waited for the router's answer.
snap_up=$(ip -6 addr show dev br-lan; ip -6 route show dev br-lan)
check "kernel state matches the plan" verify.py "$WORK/plan.json"
check_match "uplink0 is a port of br-lan" 'master br-lan' "$(ip -o link show dev uplink0)"
check_eq "uplink0 keeps nothing that shadows br-lan (only link-local)" "" \
	"$(port_shadows)"
check_match "br-lan has the router-given address (EUI-64 of the same MAC) when apply returns" \
	"inet6 $slaac0/64 scope global dynamic" "$snap_up"
check_match "br-lan has the route of the router's prefix when apply returns" \
	'^fd00:50::/64 proto kernel metric 256 ' "$snap_up"
check_match "br-lan has the router's default route when apply returns" \
	"^default via $router_ll proto ra metric 1024 expires" "$snap_up"
check_match "br-lan has uplink0's static IPv6 address" 'inet6 fd00:50::10/64 scope global' \
	"$(ip -6 addr show dev br-lan)"
check_match "br-lan has uplink0's static IPv4 address and route" \
	'^default via 192\.168\.50\.1 dev br-lan' "$(ip -4 route show default)"
check_match "the LAN's prefix is reached through br-lan" 'dev br-lan' \
	"$(ip -6 route get fd00:50::20)"
check_match "beyond the router through br-lan" "via $router_ll dev br-lan" \
	"$(ip -6 route get 2001:db8:77::1)"
check_eq "br-lan takes advertisements as uplink0 did (accept_ra, autoconf)" "1 1" \
	"$(sysctl -n net.ipv6.conf.br-lan.accept_ra) $(sysctl -n net.ipv6.conf.br-lan.autoconf)"
on_link br-lan
web_slaac=$(slaac_addr web eth0 fd00:50::/64)
check_eq "web (accept-ra, autoconf) has SLAAC from the router" \
	fd00:50::ff:fe00:c01 "$web_slaac"
check_match "web has the router's default route" \
	"^default via $router_ll dev eth0 proto ra" "$(ip -n web -6 route show default)"
check_eq "quiet (accept-ra: false) has no SLAAC address" "" \
	"$(slaac_addr quiet eth0 fd00:50::/64)"
check_eq "quiet has no default route from the router" "" \
	"$(ip -n quiet -6 route show default proto ra)"
reach fd00:50::ff:fe00:c01 fd00:50::c:2
check "the LAN host reaches web's SLAAC address" \
	ip netns exec lanhost ping -c1 -W2 -q fd00:50::ff:fe00:c01
check "web reaches beyond the router" ip netns exec web ping -c1 -W2 -q 2001:db8:77::1
out=$("$NSTOPO" status "$lab" 2>&1)
check_eq "status: exit 0" 0 $?
check_match "status: as planned" 'as planned: [0-9]+ ok, 0 missing, 0 different, 0 extra' "$out"

# The kernel owns br-lan's router-given state: the router's next
# (unsolicited) advertisement refreshes its default route.
exp_of() { ip -6 route show default dev br-lan proto ra | sed -n 's/.* expires \([0-9]*\)sec.*/\1/p'; }
ras() { awk '$1 == "Icmp6InRouterAdvertisements" { print $2 }' /proc/net/dev_snmp6/br-lan; }
# (in step with the router: from right after one advertisement to right
# after the next, 3 to 4 s later; without the refresh, expires would be
# lower by as many seconds)
more_ras() { [ "$(ras)" -gt "$r0" ]; }
r0=$(ras)
poll 60 more_ras
e0=$(exp_of) r0=$(ras) t0=$(ms)
poll 60 more_ras
e1=$(exp_of) dt=$(($(ms) - t0))
if [ -n "$e0" ] && [ -n "$e1" ] && [ "$e1" -ge "$e0" ] && [ "$dt" -ge 1000 ]; then
	ok "the router's next advertisement refreshes br-lan's default route (expires ${e0}s, ${dt} ms later ${e1}s)"
else
	bad "the router's next advertisement refreshes br-lan's default route (expires '$e0', ${dt} ms later '$e1')"
fi
check_eq "uplink0 still keeps nothing that shadows br-lan" "" "$(port_shadows)"
say up
check "the connection from the SLAAC address goes on while the lab is up" \
	poll 100 echoed up

# -- Destroy --------------------------------------------------------------
t0=$(ms)
check "destroy" "$NSTOPO" destroy "$lab"
echo "     destroy took $(($(ms) - t0)) ms"
check "nothing of the lab is left" verify.py --gone "$WORK/plan.json"
check "uplink0 has learnt router-given configuration again when destroy returns" \
	sh -c "[ -n \"\$(ip -6 route show default dev uplink0 proto ra)\" ] &&
		[ -n \"\$(ip -6 route show fd00:50::/64 dev uplink0 proto kernel)\" ] &&
		ip -6 addr show dev uplink0 | grep -q 'inet6 $slaac0/64 scope global.*dynamic'"
same_as_before "after destroy"
on_link uplink0
say after
check "the connection from the SLAAC address goes on after destroy" \
	poll 100 echoed after
stop_echo

# -- A failed apply, at every step ----------------------------------------
n=$(plan_count "$lab")
i=1
while [ "$i" -le "$n" ]; do
	out=$(NSTOPO_FAULT_AT=$i "$NSTOPO" apply "$lab" 2>&1)
	rc=$?
	if [ "$rc" = 1 ] && printf '%s\n' "$out" | grep -q "step $i of $n failed: .*fault injected"; then
		ok "fault at step $i/$n: exit 1"
	else
		bad "fault at step $i/$n: exit $rc"
		printf '%s\n' "$out" | sed 's/^/     | /' | head -10
	fi
	same_as_before "fault at step $i/$n" || "$NSTOPO" destroy -q --lab uplinkra
	i=$((i + 1))
done
on_link uplink0

# -- kill -9 of apply, then destroy --lab ---------------------------------
# The router held (SIGSTOP) while apply runs, so that apply waits for its
# answer (up to 3 s) and the kills hit the adoption; it answers again
# (SIGCONT) before destroy --lab, which the NIC learns from.
for d in 0.02 0.3 1.0 2.0; do
	# shellcheck disable=SC2086 # a list of pids
	kill -STOP $RADVD_PIDS
	"$NSTOPO" apply -q "$lab" > /dev/null 2>&1 &
	pid=$!
	sleep "$d"
	kill -KILL "$pid" 2> /dev/null
	wait "$pid" 2> /dev/null
	rc=$?
	where=before
	ip -o link show dev uplink0 2> /dev/null | grep -q 'master br-lan' && where=adopting
	[ "$where" = adopting ] && [ -z "$(port_shadows)" ] && where=adopted
	# shellcheck disable=SC2086
	kill -CONT $RADVD_PIDS
	out=$("$NSTOPO" destroy --lab uplinkra 2>&1)
	check_eq "kill after ${d}s (exit $rc, $where): destroy --lab exits 0" 0 $?
	same_as_before "kill after ${d}s" || printf '%s\n' "$out" | sed 's/^/     | /' | head -10
	eval "killed_$where=yes"
done
check "a kill hit the adoption while it waited for the router" \
	test "${killed_adopting:-}" = yes
on_link uplink0

# -- The router silent ----------------------------------------------------
radvd_stop_all
sleep 0.5
t0=$(ms)
out=$("$NSTOPO" apply "$lab" 2>&1)
rc=$?
dt=$(($(ms) - t0))
check_eq "router silent: apply exits 0" 0 "$rc"
check_match "router silent: apply warns that no advertisement came" \
	'br-lan: no router advertisement within 3 s' "$out"
check "router silent: apply does not wait long (${dt} ms)" test "$dt" -lt 6000
check_eq "router silent: uplink0 keeps nothing that shadows br-lan" "" "$(port_shadows)"
reach 192.168.50.1 fd00:50::1 fd00:50::20 "$router_ll%br-lan"
out=$("$NSTOPO" destroy "$lab" 2>&1)
check_eq "router silent: destroy exits 0" 0 $?
radvd_start lan lansw fd00:50::/64
check "router back: uplink0 learns its router-given configuration from its next advertisement" \
	poll 100 given uplink0
same_as_before "router back"
on_link uplink0

radvd_stop_all
ip link del uplink0
ip netns del lanhost
ip netns del lan
finish
