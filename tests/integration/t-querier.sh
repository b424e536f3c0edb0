# t-querier.sh - a bridge as its ports' multicast querier (querier: true)
# against a plain one (querier: false, and the default): the kernel's
# settings of each; the
# start-up flood of multicast listener reports, counted in the packets the
# bridge sends out of its ports, is gone with the querier; every node's
# solicited-node groups are learnt when apply returns (it waits for that),
# so neighbour discovery works at once; multicast between nodes (a group joined in one node receives from
# another, IPv6 and IPv4), also for a group joined long after apply; a
# link flap, after which the node's groups are asked for again.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"

n=30
# star Q: a star of $n nodes on bridge br0, its querier: Q (default: none)
star() {
	echo "name: qstar"
	echo "bridges:"
	if [ "$1" = default ]; then
		echo "  br0: {}"
	else
		echo "  br0: {querier: $1}"
	fi
	echo "nodes:"
	i=1
	while [ "$i" -le "$n" ]; do
		printf '  h%d: {interfaces: {eth0: {addresses: [10.50.0.%d/24, "fd00:50::%x/64"]}}}\n' \
			"$i" "$i" "$i"
		i=$((i + 1))
	done
	echo "links:"
	i=1
	while [ "$i" -le "$n" ]; do
		printf '  - [h%d:eth0, br0]\n' "$i"
		i=$((i + 1))
	done
}

# snmp6 NETNS COUNTER: an ICMPv6 counter of the node
snmp6() { ip netns exec "$1" awk -v k="$2" '$1 == k { print $2 }' /proc/net/snmp6; }

# tx: the packets br0 has sent out of its ports
tx() {
	ip -s -j link show master br0 | python3 -c 'import json, sys
print(sum(l["stats64"]["tx"]["packets"] for l in json.load(sys.stdin)))'
}

# br_opt KEY: a multicast setting of br0, as the kernel reports it
br_opt() {
	ip -d -j link show br0 | python3 -c 'import json, sys
print(json.load(sys.stdin)[0]["linkinfo"]["info_data"][sys.argv[1]])' "$1"
}

# learnt N SECS: every node's solicited-node group of its address is in
# br0's multicast database, on that node's port (polled up to SECS)
cat > "$WORK/learnt.py" <<'EOF'
import json, subprocess, sys, time
n = int(sys.argv[1])
want = {("h%d-eth0" % i, "ff02::1:ff00:%x" % i) for i in range(1, n + 1)}
end = time.monotonic() + float(sys.argv[2])
while True:
    out = subprocess.run(["bridge", "-j", "mdb", "show", "dev", "br0"],
                         capture_output=True, text=True).stdout
    have = set()
    for d in json.loads(out or "[]"):
        for e in d.get("mdb", []):
            have.add((e["port"], e["grp"]))
    if want <= have or time.monotonic() > end:
        break
    time.sleep(0.02)
missing = sorted(want - have)
if missing:
    sys.exit("not learnt: %s" % missing[:5])
EOF

# mc.py recv IF GROUP PORT SECS | send IF GROUP PORT: recv joins GROUP on IF
# and exits 0 on the first datagram within SECS; send sends one every 0.1 s
# for 3 s
cat > "$WORK/mc.py" <<'EOF'
import socket, struct, sys, time
what, ifname, group, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
idx = socket.if_nametoindex(ifname)
v6 = ":" in group
s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM)
if what == "recv":
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::" if v6 else "0.0.0.0", port))
    if v6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP,
                     socket.inet_pton(socket.AF_INET6, group) + struct.pack("@I", idx))
    else:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                     socket.inet_aton(group) + struct.pack("@4si", b"\0" * 4, idx))
    s.settimeout(float(sys.argv[5]))
    try:
        s.recvfrom(100)
    except socket.timeout:
        sys.exit("nothing received")
else:
    if v6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
        dst = (group, port, 0, idx)
    else:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                     struct.pack("@4s4si", b"\0" * 4, b"\0" * 4, idx))
        dst = (group, port)
    for _ in range(30):
        s.sendto(b"x", dst)
        time.sleep(0.1)
EOF

# mcast DESC RECVNODE SENDNODE GROUP: a group joined in RECVNODE receives
# what SENDNODE sends to it across the bridge
mcast() {
	ip netns exec "$2" python3 "$WORK/mc.py" recv eth0 "$4" 5000 4 \
		> "$WORK/mc.out" 2>&1 &
	_r=$!
	sleep 0.3
	ip netns exec "$3" python3 "$WORK/mc.py" send eth0 "$4" 5000
	if wait "$_r"; then ok "$1"; else bad "$1"; sed 's/^/     | /' "$WORK/mc.out"; fi
}

for querier in false true default; do
	# (default: no querier, as false; only the plain checks below)
	lab=$WORK/star-$querier.yaml
	star "$querier" > "$lab"
	q="querier $querier"
	check "$q: apply" "$NSTOPO" apply -q "$lab"
	tx0=$(tx)
	# learnt when apply returns: read once, no wait
	if [ "$querier" = true ]; then
		check "$q: every node's group is learnt on its port when apply returns" \
			python3 "$WORK/learnt.py" "$n" 0
	fi
	check "$q: ND at once, first to last" \
		ip netns exec h1 ping -6 -c1 -W2 -q "fd00:50::$(printf %x $n)"
	check "$q: ND at once, last to first" \
		ip netns exec "h$n" ping -6 -c1 -W2 -q fd00:50::1
	check "$q: ARP at once" ip netns exec h2 ping -c1 -W2 -q "10.50.0.$n"
	sleep 2
	flood=$(tx)
	echo "     packets out of br0's ports: $tx0 when apply returned, $flood 2 s later"
	eval "flood_$querier=$flood"
	if [ "$querier" = true ]; then
		check_eq "$q: the bridge is the querier" 1 "$(br_opt mcast_querier)"
		check_eq "$q: snooping" 1 "$(br_opt mcast_snooping)"
		check_eq "$q: MLDv1 queries (the kernel floods MLDv2 reports)" 1 \
			"$(br_opt mcast_mld_version)"
		check_eq "$q: IGMPv3 queries" 3 "$(br_opt mcast_igmp_version)"
		check_eq "$q: answers at once" 0 "$(br_opt mcast_query_response_intvl)"
		check_eq "$q: the nodes speak MLDv1 from the start" 1 \
			"$(ip netns exec h3 sysctl -n net.ipv6.conf.eth0.force_mld_version)"
		check_eq "$q: ...so no node sent an MLDv2 report" 0 \
			"$(snmp6 h3 Icmp6OutMLDv2Reports)"
	else
		check_eq "$q: the bridge is no querier" 0 "$(br_opt mcast_querier)"
		check_eq "$q: the kernel's response interval (10 s)" 1000 \
			"$(br_opt mcast_query_response_intvl)"
		check "$q: the nodes speak MLDv2 (the kernel's default)" \
			test "$(snmp6 h3 Icmp6OutMLDv2Reports)" -gt 0
	fi
	mcast "$q: IPv6 multicast between nodes" h3 h7 ff05::1234
	mcast "$q: IPv4 multicast between nodes" h4 h8 239.1.2.3
	# a link flap: the port stops forwarding, forgets its groups, and
	# learns them again when it comes back
	ip -n h5 link set eth0 down
	ip -n h5 link set eth0 up
	check "$q: ND to a node after its link flapped" \
		ip netns exec h9 ping -6 -c1 -w5 -q fd00:50::5
	mcast "$q: multicast to a node after its link flapped" h5 h9 ff05::1235
	out=$("$NSTOPO" status "$lab" 2>&1)
	check_eq "$q: status exit 0" 0 $?
	check "$q: destroy" "$NSTOPO" destroy -q "$lab"
	check_clean "$q: nothing left"
done
# An edit turns the querier on and off in place: the bridge is not made
# again (its ports, and what crosses them, stay).
star default > "$WORK/e-false.yaml"
star true > "$WORK/e-true.yaml"
check "edit: apply without a querier" "$NSTOPO" apply -q "$WORK/e-false.yaml"
idx0=$(cat /sys/class/net/br0/ifindex)
out=$("$NSTOPO" apply "$WORK/e-true.yaml" 2>&1)
check_match "edit: to querier: true, changed in place" "changed in place" "$out"
check_eq "edit: the same bridge" "$idx0" "$(cat /sys/class/net/br0/ifindex)"
check_eq "edit: now the querier" 1 "$(br_opt mcast_querier)"
check_eq "edit: ...answers asked for at once" 0 "$(br_opt mcast_query_response_intvl)"
check "edit: every node's group is learnt when apply returns" \
	python3 "$WORK/learnt.py" "$n" 0
check "edit: ND at once" ip netns exec h2 ping -6 -c1 -W2 -q "fd00:50::$(printf %x $n)"
check "edit: status clean" "$NSTOPO" status -q "$WORK/e-true.yaml"
check "edit: back to the default (no querier)" "$NSTOPO" apply -q "$WORK/e-false.yaml"
check_eq "edit: the same bridge still" "$idx0" "$(cat /sys/class/net/br0/ifindex)"
check_eq "edit: no querier" 0 "$(br_opt mcast_querier)"
check_eq "edit: the kernel's response interval again" 1000 \
	"$(br_opt mcast_query_response_intvl)"
check "edit: status clean after" "$NSTOPO" status -q "$WORK/e-false.yaml"
check "edit: destroy" "$NSTOPO" destroy -q "$WORK/e-false.yaml"
check_clean "edit: nothing left"

# A plain bridge floods every node's reports (about 4) to every other port;
# the querier's own queries are what is left (a 1000-node star: 50-60 k
# packets against 4.4 M; here about 400 against 2,800).  A querier bridge
# that snooped only once its ports were in flooded the reports sent while
# they joined: 458 mostly, 860 to 920 in a run of ten now and then.
check "the querier ends the start-up flood ($flood_true packets against $flood_false)" \
	test "$((flood_true * 5))" -lt "$flood_false"
check "the default floods as querier: false ($flood_default packets)" \
	test "$((flood_true * 5))" -lt "$flood_default"
finish
