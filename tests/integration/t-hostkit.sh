# t-hostkit.sh - the machines of hostkit.sh, and the kernel's VXLAN
# behaviour that labs across machines (issue 18) are built on, with plain
# ip and bridge commands: a VXLAN device made in a machine's namespace
# and moved into a node keeps its UDP socket in the machine; a point-to-
# point link between nodes on two machines over an IPv4 and an IPv6
# underlay; a bridge spread over three machines by head-end replication
# (all-zero FDB entries), with ARP, ND and SLAAC across; full-size packets
# at the underlay's MTU minus 50 (IPv4) or 70 (IPv6), and not one byte
# more; sshd in every machine; nstopo in one machine stays there; and
# after machines_down nothing is left.  NOTES-vxlan.md says what the
# netlink messages behind these commands carry.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"
. "$TOP/tests/integration/lankit.sh"
. "$TOP/tests/integration/hostkit.sh"

# Without namespaces of its own or VXLAN, the sandbox cannot host
# machines: skipped, but in CI a skip is a failure.
why=""
unshare --net --mount --uts true 2> /dev/null ||
	why="cannot make network, mount and UTS namespaces"
if [ -z "$why" ] && ! ip link add hk-probe type vxlan id 1 dstport 4789 2> /dev/null; then
	why="the kernel cannot make VXLAN devices"
fi
ip link del hk-probe 2> /dev/null
if [ -n "$why" ]; then
	case ${CI:-} in
	true | 1 | yes) bad "$why (in CI a skip is a failure)" ;;
	*) echo "skip: $why" ;;
	esac
	finish
	exit
fi
need_radvd
need_sshd
t0=$(date +%s%N)

# The namespace the sandbox was made from (run.sh's): nothing of this
# test may show up there.  Read through /proc, never entered.
realnet=/proc/$PPID/net
if [ "$(stat -L -c %i "/proc/$PPID/ns/net")" = "$(stat -L -c %i /proc/self/ns/net)" ]; then
	bad "not in a sandbox: the parent process shares this network namespace"
	finish
	exit 1
fi
real_links() { awk 'NR > 2 { sub(/:.*/, "", $1); print $1 }' "$realnet/dev" | sort; }
# real_4789: UDP sockets on port 4789 (12B5) in the real namespace
real_4789() { cat "$realnet/udp" "$realnet/udp6" | awk '$2 ~ /:12B5$/'; }
real_links > "$WORK/real.before"

# inn M NS CMD...: CMD in node namespace NS of machine M
inn() {
	_m=$1 _ns=$2
	shift 2
	on_machine "$_m" ip netns exec "$_ns" "$@"
}
# node M NS: a node namespace (in M's own /run/netns), lo up
node() {
	on_machine "$1" ip netns add "$2" && on_machine "$1" ip -n "$2" link set lo up
}
# udp4789 M [NS]: the UDP sockets bound to port 4789 in machine M (in its
# node NS), "ADDR:PORT" one a line
udp4789() {
	if [ $# = 2 ]; then
		inn "$1" "$2" ss -Hlun 'sport = :4789'
	else
		on_machine "$1" ss -Hlun 'sport = :4789'
	fi | awk '{ print $4 }' | sort
}
# reach M NS ADDR [PING ARGS]: the node pings ADDR
reach() {
	_m=$1 _ns=$2 _a=$3
	shift 3
	check "$_ns@$_m reaches $_a${*:+ ($*)}" inn "$_m" "$_ns" ping -c1 -W2 -q "$@" "$_a"
}
no_reach() {
	_m=$1 _ns=$2 _a=$3
	shift 3
	check_fail "$_ns@$_m does not reach $_a${*:+ ($*)}" inn "$_m" "$_ns" ping -c1 -W1 -q "$@" "$_a"
}
# mtu_of M NS IFNAME
mtu_of() { inn "$1" "$2" cat "/sys/class/net/$3/mtu"; }

# -- the machines -----------------------------------------------------------
if machines_up 3; then
	ok "three machines are up"
else
	bad "machines_up 3"
	finish
	exit 1
fi
for m in m1 m2 m3; do
	check_eq "$m: its hostname" "$m" "$(on_machine "$m" hostname)"
	check_eq "$m: eth0 on the underlay, MTU 1500, both families" \
		"UP 1500 $(machine_addr "$m" 4)/24 $(machine_addr "$m" 6)/64" \
		"$(on_machine "$m" ip -j addr show dev eth0 | python3 -c '
import json, sys
l = json.load(sys.stdin)[0]
print(l["operstate"], l["mtu"], *["%s/%d" % (a["local"], a["prefixlen"])
      for a in l["addr_info"] if a.get("scope") == "global"])')"
	check_eq "$m: its own /run (the sandbox's files are not there)" "" \
		"$(on_machine "$m" sh -c 'ls -A /run' | grep -v -e '^nstopo-test\.' -e '^mount$')"
done
ns1=$(stat -L -c %i "/proc/$(machine_pid m1)/ns/net")
ns2=$(stat -L -c %i "/proc/$(machine_pid m2)/ns/net")
check "the machines' network namespaces are their own" \
	test "$ns1" != "$ns2" -a "$ns1" != "$(stat -L -c %i /proc/self/ns/net)"
echo "$$ $t0" > "$WORK/shared"
check_eq "a machine sees the test's \$WORK" "$$ $t0" "$(on_machine m3 cat "$WORK/shared")"
check "machines run nstopo (the same binary)" on_machine m2 "$NSTOPO" --version
reach_ul() {
	check "$1 reaches $2 on the underlay" on_machine "$1" ping -c1 -W2 -q "$2"
}
reach_ul m1 192.0.2.2
reach_ul m1 2001:db8::3
reach_ul m3 192.0.2.2
check_eq "the sandbox's namespace has the underlay: the bridge, a port per machine" \
	"hk-m1 hk-m2 hk-m3 hk-ul lo" "$(ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort | tr '\n' ' ' | sed 's/ $//')"

# -- a point-to-point VXLAN link, IPv4 underlay ------------------------------
# Made in m1's namespace (so its socket is there, on the underlay), then
# moved into node a; the same on m2 for node b.
node m1 a
node m2 b
vx() { on_machine "$1" ip link add vx0 type vxlan id 100 remote "$2" local "$3" dev eth0 dstport 4789 nolearning; }
check "m1: vxlan vx0 made in the machine's namespace" vx m1 192.0.2.2 192.0.2.1
check "m2: vxlan vx0 made in the machine's namespace" vx m2 192.0.2.1 192.0.2.2
check_eq "vx0's MTU: the underlay's minus 50 (its dev is eth0, IPv4)" 1450 \
	"$(on_machine m1 cat /sys/class/net/vx0/mtu)"
check_match "remote: an all-zero FDB entry of its own (the default destination)" \
	'^00:00:00:00:00:00 dst 192\.0\.2\.2 via eth0 self permanent$' \
	"$(on_machine m1 bridge fdb show dev vx0)"
check "m1: vx0 moves into node a" on_machine m1 ip link set vx0 netns a
check "m2: vx0 moves into node b" on_machine m2 ip link set vx0 netns b
check_eq "vx0 is no longer in m1's namespace" "" "$(on_machine m1 ip -o link show vx0 2> /dev/null)"
out=$(on_machine m1 ip -n a -d link show vx0)
check_match "in a: vx0@ifN, its link in another namespace (link-netnsid)" \
	'vx0@if[0-9]+: .* link-netnsid 0 ' "$(echo "$out" | tr '\n' ' ')"
check_match "in a: vxlan id 100 remote 192.0.2.2 local 192.0.2.1 dev ifN dstport 4789 nolearning" \
	'vxlan id 100 remote 192\.0\.2\.2 local 192\.0\.2\.1 dev if[0-9]+ srcport 0 0 dstport 4789 nolearning ' "$out"
check_match "in a: the all-zero FDB entry moved along (dst via ifindex, link-netnsid)" \
	'^00:00:00:00:00:00 dst 192\.0\.2\.2 via ifindex [0-9]+ link-netnsid 0 self permanent$' \
	"$(on_machine m1 bridge -n a fdb show dev vx0)"
for mn in m1:a:1 m2:b:2; do
	m=${mn%%:*} n=${mn#*:} n=${n%:*} i=${mn##*:}
	on_machine "$m" ip -n "$n" addr add "10.0.0.$i/24" dev vx0
	on_machine "$m" ip -n "$n" addr add "fd00::$i/64" dev vx0 nodad
	on_machine "$m" ip -n "$n" link set vx0 up
done
check "a's and b's IPv6 addresses are ready" ipv6_ready m1 a
check "..." ipv6_ready m2 b
check_eq "m1: the socket is in the machine's namespace (UDP 0.0.0.0:4789)" \
	"0.0.0.0:4789" "$(udp4789 m1)"
check_eq "node a has no socket of its own" "" "$(udp4789 m1 a)"
check_eq "nor has the sandbox" "" "$(ss -Hlun 'sport = :4789')"
check_eq "nor the real host" "" "$(real_4789)"
reach m1 a 10.0.0.2
reach m1 a fd00::2
reach m2 b 10.0.0.1
reach m1 a 10.0.0.2 -M do -s 1422
check_fail "a: one byte more than the MTU (1423 + 28) does not leave" \
	inn m1 a ping -c1 -W1 -q -M do -s 1423 10.0.0.2
check_fail "vx0 with dev eth0: an MTU above the underlay's minus 50 is refused" \
	on_machine m1 ip -n a link set vx0 mtu 1451

# -- the same over the IPv6 underlay, made in the node by one message -------
# (ip link add ... netns NODE: IFLA_NET_NS_FD; the device is made in the
# node, its socket in the namespace that sent the message)
vx6() { on_machine "$1" ip link add vx6 netns "$2" type vxlan id 106 remote "$3" local "$4" dev eth0 dstport 4789 nolearning; }
check "m1: vx6 made straight into a (IPv6 underlay)" vx6 m1 a 2001:db8::2 2001:db8::1
check "m2: vx6 made straight into b" vx6 m2 b 2001:db8::1 2001:db8::2
check_eq "it is not in the machine" "" "$(on_machine m1 ip -o link show vx6 2> /dev/null)"
check_eq "vx6's MTU: the underlay's minus 70 (IPv6)" 1430 "$(mtu_of m1 a vx6)"
# (ip resolves the lower device's index in the namespace it runs in: here
# it may name a device of the node that happens to have that index)
check_match "in a: vxlan id 106 remote 2001:db8::2 local 2001:db8::1" \
	'vxlan id 106 remote 2001:db8::2 local 2001:db8::1 dev [^ ]+ .*dstport 4789 nolearning ' \
	"$(on_machine m1 ip -n a -d link show vx6)"
for mn in m1:a:1 m2:b:2; do
	m=${mn%%:*} n=${mn#*:} n=${n%:*} i=${mn##*:}
	on_machine "$m" ip -n "$n" addr add "10.6.0.$i/24" dev vx6
	on_machine "$m" ip -n "$n" addr add "fd00:6::$i/64" dev vx6 nodad
	on_machine "$m" ip -n "$n" link set vx6 up
done
check "a's and b's IPv6 addresses are ready" ipv6_ready m1 a
check "..." ipv6_ready m2 b
check_eq "m1: an IPv6 socket ([::]:4789) next to the IPv4 one" \
	"0.0.0.0:4789 [::]:4789" "$(udp4789 m1 | tr '\n' ' ' | sed 's/ $//')"
check_eq "node a still has none" "" "$(udp4789 m1 a)"
reach m1 a 10.6.0.2
reach m1 a fd00:6::2
reach m1 a 10.6.0.2 -M do -s 1402
reach m1 a fd00:6::2 -M do -s 1382
check_fail "a: 1403 + 28 bytes over the IPv6 underlay do not leave" \
	inn m1 a ping -c1 -W1 -q -M do -s 1403 10.6.0.2

# -- the underlay is what limits: no dev, one byte more MTU --------------------
# Without dev the kernel takes 1500 and lets any MTU be set; one byte
# above underlay - overhead then leaves the node but not the machine: the
# IPv6 underlay does not fragment its packets, the IPv4 one does unless
# the device says df set.
# vxpair NAME ID MTU|- 4|6 [OPTS]: NAME between a (m1) and b (m2) over
# the IPv4 or IPv6 underlay, of MTU (-: the kernel's), 10.ID.0.1 and .2
vxpair() {
	_n=$1 _id=$2 _mtu=$3 _f=$4
	shift 4
	for _i in 1 2; do
		_m=m$_i _ns=a _r=m2
		[ "$_i" = 2 ] && _ns=b _r=m1
		on_machine "$_m" ip link add "$_n" netns "$_ns" \
			$([ "$_mtu" = - ] || echo mtu "$_mtu") \
			type vxlan id "$_id" remote "$(machine_addr "$_r" "$_f")" \
			local "$(machine_addr "$_m" "$_f")" dstport 4789 \
			nolearning "$@" &&
			on_machine "$_m" ip -n "$_ns" addr add "10.$_id.0.$_i/24" dev "$_n" &&
			on_machine "$_m" ip -n "$_ns" link set "$_n" up || return 1
	done
}
check "vx7: IPv4 underlay, df set, MTU 1451" vxpair vx7 7 1451 4 df set
check "vx8: IPv6 underlay, MTU 1431" vxpair vx8 8 1431 6
check "vx9: IPv4 underlay, df unset (the default), MTU 1451" vxpair vx9 9 1451 4
check_eq "no dev: the MTU asked for, above the underlay's minus 50" 1451 "$(mtu_of m1 a vx7)"
reach m1 a 10.7.0.2 -M do -s 1422
no_reach m1 a 10.7.0.2 -M do -s 1423
reach m1 a 10.8.0.2 -M do -s 1402
no_reach m1 a 10.8.0.2 -M do -s 1403
reach m1 a 10.9.0.2 -M do -s 1423 # the outer packet is fragmented
echo "     ($((($(date +%s%N) - t0) / 1000000)) ms so far)"

# -- a bridge over three machines: head-end replication ---------------------
# VNI 200.  m1: bridge br0 with its VXLAN port in the machine's own
# namespace; m2 and m3: in node sw (the port made in the machine, its FDB
# filled there, then moved).  Learning on m1 and m2, not on m3.  No
# remote: an all-zero FDB entry to each other machine, so broadcast,
# multicast and unknown unicast go to every one of them.  Node hI hangs on
# br0 by a veth of the VXLAN's MTU.
# lan_member I machine|node learning|nolearning
lan_member() {
	_i=$1 _m=m$1 _ip=ip
	on_machine "$_m" ip link add vx200 type vxlan id 200 \
		local "$(machine_addr "$_m" 4)" dev eth0 dstport 4789 "$3" || return 1
	for _j in 1 2 3; do
		[ "$_j" = "$_i" ] && continue
		on_machine "$_m" bridge fdb append 00:00:00:00:00:00 \
			dst "$(machine_addr "m$_j" 4)" dev vx200 || return 1
	done
	if [ "$2" = node ]; then
		node "$_m" sw && on_machine "$_m" ip link set vx200 netns sw || return 1
		_ip="ip -n sw"
	fi
	node "$_m" "h$_i" &&
		on_machine "$_m" $_ip link add br0 type bridge &&
		on_machine "$_m" $_ip link set vx200 master br0 up &&
		on_machine "$_m" $_ip link add "p-h$_i" mtu 1450 type veth peer eth0 \
			mtu 1450 address "02:00:00:00:02:0$_i" netns "h$_i" &&
		on_machine "$_m" $_ip link set "p-h$_i" master br0 up &&
		on_machine "$_m" $_ip link set br0 up &&
		on_machine "$_m" ip -n "h$_i" addr add "10.2.0.$_i/24" dev eth0 &&
		on_machine "$_m" ip -n "h$_i" addr add "fd00:2::$_i/64" dev eth0 nodad &&
		on_machine "$_m" ip -n "h$_i" link set eth0 up
}
check "m1: br0 and its port vx200 in the machine's namespace, learning" \
	lan_member 1 machine learning
check "m2: br0 and vx200 in node sw, learning" lan_member 2 node learning
check "m3: br0 and vx200 in node sw, nolearning" lan_member 3 node nolearning
for i in 1 2 3; do
	check "h$i's IPv6 addresses are ready" ipv6_ready "m$i" "h$i"
done
# zero_fdb M [NS]: the all-zero entries of vx200, "dst ADDR" one a line
zero_fdb() {
	on_machine "$1" bridge ${2:+-n "$2"} fdb show dev vx200 |
		awk '/^00:00:00:00:00:00 / { print $2, $3 }' | sort
}
check_eq "m1: vx200's FDB has an all-zero entry to each other machine" \
	"dst 192.0.2.2
dst 192.0.2.3" "$(zero_fdb m1)"
check_eq "m3: the entries made in the machine moved into sw with the port" \
	"dst 192.0.2.1
dst 192.0.2.2" "$(zero_fdb m3 sw)"
check "appending an entry again is a no-op" on_machine m1 \
	bridge fdb append 00:00:00:00:00:00 dst 192.0.2.2 dev vx200
check_eq "... (still two)" 2 "$(zero_fdb m1 | wc -l)"
check_fail "bridge fdb add (NLM_F_EXCL) of a second all-zero entry: EEXIST" \
	on_machine m1 bridge fdb add 00:00:00:00:00:00 dst 192.0.2.9 dev vx200
check_eq "the bridge takes its ports' MTU" 1450 "$(on_machine m2 ip netns exec sw cat /sys/class/net/br0/mtu)"

reach m1 h1 10.2.0.2
reach m1 h1 10.2.0.3
reach m2 h2 10.2.0.3
reach m1 h1 fd00:2::2
reach m3 h3 fd00:2::1
reach m2 h2 fd00:2::3
check_match "ARP across machines: h1 has 10.2.0.3 at h3's MAC" \
	'lladdr 02:00:00:00:02:03 ' "$(on_machine m1 ip -n h1 neigh show 10.2.0.3)"
check_match "ND across machines: h1 has fd00:2::2 at h2's MAC" \
	'lladdr 02:00:00:00:02:02 ' "$(on_machine m1 ip -n h1 -6 neigh show fd00:2::2)"
check_match "ND across machines: h3 has fd00:2::1 at h1's MAC" \
	'lladdr 02:00:00:00:02:01 ' "$(on_machine m3 ip -n h3 -6 neigh show fd00:2::1)"
check_match "m1 (learning): vx200 learned h2's MAC behind m2" \
	'^02:00:00:00:02:02 dst 192\.0\.2\.2 self ?$' "$(on_machine m1 bridge fdb show dev vx200)"
check_match "m2 (learning, in sw): vx200 learned h1's MAC behind m1" \
	'^02:00:00:00:02:01 dst 192\.0\.2\.1 link-netnsid 0 self ?$' \
	"$(on_machine m2 bridge -n sw fdb show dev vx200)"
check_eq "m3 (nolearning): vx200 has only its all-zero entries" \
	"$(zero_fdb m3 sw)" \
	"$(on_machine m3 bridge -n sw fdb show dev vx200 | awk '/ dst / { print $2, $3 }' | sort)"
reach m1 h1 10.2.0.3 -M do -s 1422
reach m3 h3 fd00:2::2 -M do -s 1402
check_fail "h1: 1423 + 28 bytes do not leave (eth0's MTU 1450)" \
	inn m1 h1 ping -c1 -W1 -q -M do -s 1423 10.2.0.3

# SLAAC: radvd in h1 (m1) advertises fd00:2b::/64; h3 (m3) and h2 (m2),
# accept_ra as any new namespace has it, make their addresses from it.
on_machine m1 ip -n h1 addr add fd00:2b::1/64 dev eth0 nodad
inn m1 h1 sysctl -qw net.ipv6.conf.all.forwarding=1
printf 'interface eth0 {\n\tAdvSendAdvert on;\n\tMinRtrAdvInterval 3;\n\tMaxRtrAdvInterval 4;\n\tprefix fd00:2b::/64 { AdvOnLink on; AdvAutonomous on; };\n};\n' \
	> "$HK/radvd.conf"
machine_daemon m1 "$HK/radvd.out" ip netns exec h1 radvd -n -C "$HK/radvd.conf" \
	-p "$HK/radvd.pid" -m logfile -l "$HK/radvd.log"
# machine_slaac M NS IFNAME PREFIX: lankit.sh's slaac_addr in machine M
machine_slaac() {
	on_machine "$1" ip -n "$2" -j -6 addr show dev "$3" | python3 -c '
import ipaddress, json, sys
net = ipaddress.ip_network(sys.argv[1])
for link in json.load(sys.stdin):
    for a in link.get("addr_info", []):
        if a.get("dynamic") and a.get("scope") == "global" and \
                ipaddress.ip_address(a["local"]) in net:
            print(a["local"])
            sys.exit(0)' "$4"
}
i=0
while { [ -z "$(machine_slaac m3 h3 eth0 fd00:2b::/64)" ] ||
	[ -z "$(machine_slaac m2 h2 eth0 fd00:2b::/64)" ]; } && [ "$i" -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
echo "     (SLAAC addresses after about $((i * 100)) ms)"
check_eq "h3 (m3) has its SLAAC address from h1's router advertisement" \
	fd00:2b::ff:fe00:203 "$(machine_slaac m3 h3 eth0 fd00:2b::/64)"
check_eq "h2 (m2, bridge in a node) too" \
	fd00:2b::ff:fe00:202 "$(machine_slaac m2 h2 eth0 fd00:2b::/64)"
check_match "h3 has a default route via h1 (proto ra)" \
	'^default via fe80::ff:fe00:201 dev eth0 proto ra ' \
	"$(on_machine m3 ip -n h3 -6 route show default)"
check "h1's router address is ready" ipv6_ready m1 h1
check "h3's SLAAC address is ready (DAD done)" ipv6_ready m3 h3
reach m3 h3 fd00:2b::1
echo "     ($((($(date +%s%N) - t0) / 1000000)) ms so far)"

# -- ssh between the machines ------------------------------------------------
ls -la /root/.ssh > "$WORK/dotssh.before" 2>&1
if sshd_up; then
	ok "sshd runs in every machine"
else
	bad "sshd_up"
fi
check_eq "m1: ssh m2 CMD runs CMD on m2" m2 "$(on_machine m1 ssh m2 hostname < /dev/null 2>&1)"
check_eq "m1: ssh m3 CMD sees m3's namespaces" "eth0 192.0.2.3/24" \
	"$(on_machine m1 ssh m3 ip -4 -o addr show dev eth0 < /dev/null 2>&1 | awk '{ print $2, $4 }')"
check_eq "m3: ssh to an underlay address (IPv6)" m1 \
	"$(on_machine m3 ssh 2001:db8::1 hostname < /dev/null 2>&1)"
on_machine m1 ssh m2 'exit 7' < /dev/null
check_eq "ssh passes the command's exit status" 7 $?
remote=$(remote_cmd)
check_eq "remote_cmd: the arguments arrive as given" "a b|it's|\$HOME|*|x
|" \
	"$(on_machine m1 "$remote" m3 sh -c 'printf "%s|" "$@"' sh 'a b' "it's" '$HOME' '*' 'x
' < /dev/null 2>&1)"
check_eq "remote_cmd: standard input passes" "lab text" \
	"$(echo 'lab text' | on_machine m1 "$remote" m2 cat 2>&1)"
check_eq "remote_cmd: NSTOPO_* passes (SendEnv/AcceptEnv)" "x y" \
	"$(NSTOPO_TEST='x y' on_machine m1 "$remote" m2 sh -c 'echo "$NSTOPO_TEST"' < /dev/null 2>&1)"
check_eq "a session's nstopo is the tree's" "$HK/rbin/nstopo" \
	"$(on_machine m1 ssh m2 command -v nstopo < /dev/null 2>&1)"
# parallel sessions, as the fan-out opens them
par() {
	_k=0
	for _m in m2 m3 m2 m3 m2 m3; do
		_k=$((_k + 1))
		on_machine m1 ssh "$_m" hostname < /dev/null > "$WORK/par.$_k" 2>&1 &
	done
	wait
	cat "$WORK"/par.* | sort | uniq -c | awk '{ print $1, $2 }' | tr '\n' ' '
}
check_eq "six sessions at once" "3 m2 3 m3 " "$(par)"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/otherkey"
check_fail "another key is refused (public key only, no password)" \
	on_machine m1 /usr/bin/ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes \
	-o IdentityAgent=none -i "$WORK/otherkey" -o StrictHostKeyChecking=yes \
	-o UserKnownHostsFile="$HK/ssh/known_hosts" -o HostKeyAlias=m2 \
	root@192.0.2.2 true
check_fail "a host key that is not the machine's is refused, without a prompt" \
	on_machine m1 ssh -o HostKeyAlias=m3 192.0.2.2 true
check_eq "the real root's ~/.ssh is as it was" "$(cat "$WORK/dotssh.before")" \
	"$(ls -la /root/.ssh 2>&1)"

# -- nstopo in one machine stays in that machine -----------------------------
lab=$WORK/hk.yaml
cat > "$lab" <<'EOF2'
name: hk
nodes:
  x: {interfaces: {eth0: {addresses: [10.99.0.1/24, "fd00:99::1/64"]}}}
  y: {interfaces: {eth0: {addresses: [10.99.0.2/24, "fd00:99::2/64"]}}}
links:
  - [x:eth0, y:eth0]
EOF2
# lab_ns M: the lab's namespaces in M's /run/netns, and its state
lab_ns() {
	on_machine "$1" sh -c 'ls /run/netns 2> /dev/null | grep -x -e x -e y; ls -d /run/nstopo/hk 2> /dev/null' |
		tr '\n' ' ' | sed 's/ $//'
}
check "m2: nstopo apply" on_machine m2 "$NSTOPO" apply "$lab"
check_eq "m2: x and y in its /run/netns, the state in its /run/nstopo" \
	"x y /run/nstopo/hk" "$(lab_ns m2)"
check_eq "m1: none of it" "" "$(lab_ns m1)"
check_eq "m3: none of it" "" "$(lab_ns m3)"
check_eq "the sandbox: none of it" "" "$(ls -A /run/netns /run/nstopo 2> /dev/null)"
check "m2: x reaches y" inn m2 x ping -c1 -W2 -q 10.99.0.2
apply3() { on_machine m1 "$remote" m3 nstopo apply - < "$lab"; }
check "m1 -> m3 over ssh: nstopo apply - (the lab on stdin)" apply3
check_eq "m3: x and y in its own /run/netns" "x y /run/nstopo/hk" "$(lab_ns m3)"
check_eq "m1 still has none" "" "$(lab_ns m1)"
status3() { on_machine m1 "$remote" m3 nstopo status - < "$lab"; }
check "m1 -> m3 over ssh: nstopo status - says as planned" status3
destroy3() { on_machine m1 "$remote" m3 nstopo destroy - < "$lab"; }
check "m1 -> m3 over ssh: nstopo destroy -" destroy3
check_eq "m3: the lab is gone" "" "$(lab_ns m3)"
check_eq "m2: its lab is still up" "x y /run/nstopo/hk" "$(lab_ns m2)"
check "m2: y's IPv6 address is ready" ipv6_ready m2 y
check "m2: x still reaches y over IPv6" inn m2 x ping -c1 -W2 -q fd00:99::2

# -- machines_down ------------------------------------------------------------
check_eq "the real host has none of the machines' links" "$(cat "$WORK/real.before")" "$(real_links)"
check_eq "the real host has no VXLAN socket" "" "$(real_4789)"
machines_down
check_eq "machines_down: no process of any machine is left" "" "$(machine_procs)"
check_eq "machines_down: only lo is left in the sandbox" "lo" \
	"$(ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | tr '\n' ' ' | sed 's/ $//')"
check_clean "machines_down: nothing left in the sandbox (links, addresses, routes, netns, state)"
check_eq "the real host's links are as before" "$(cat "$WORK/real.before")" "$(real_links)"
echo "     ($((($(date +%s%N) - t0) / 1000000)) ms so far)"

# -- an IPv6-only underlay of MTU 1400 ---------------------------------------
if machines_up 2 --ipv6-only --mtu 1400; then
	ok "two machines on an IPv6-only underlay of MTU 1400"
else
	bad "machines_up 2 --ipv6-only --mtu 1400"
fi
check_eq "m1: eth0 has no IPv4 address" "" "$(on_machine m1 ip -4 -o addr show dev eth0)"
check_eq "m1: eth0's MTU" 1400 "$(on_machine m1 cat /sys/class/net/eth0/mtu)"
check_eq "the underlay bridge's MTU" 1400 "$(ip -o link show hk-ul | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')"
sshd_up || bad "sshd_up (IPv6 only)"
check_eq "ssh over the IPv6 underlay" m2 "$(on_machine m1 ssh m2 hostname < /dev/null 2>&1)"
node m1 a
node m2 b
check "vx50 with dev eth0 between a (m1) and b (m2)" vxpair vx50 50 - 6 dev eth0
check_eq "its MTU: 1400 - 70" 1330 "$(mtu_of m1 a vx50)"
reach m1 a 10.50.0.2 -M do -s 1302
no_reach m1 a 10.50.0.2 -M do -s 1303
machines_down
check_eq "machines_down: no process of any machine is left" "" "$(machine_procs)"
check_clean "machines_down: nothing left in the sandbox"
check_eq "the real host's links are as before" "$(cat "$WORK/real.before")" "$(real_links)"
echo "     ($((($(date +%s%N) - t0) / 1000000)) ms in all)"
finish
