# t-slaac.sh - accept-ra and autoconf are the interface's sysctls, set
# before it comes up (accept_ra is 2 in a node that forwards); apply
# --wait returns once every address is usable and every autoconf
# interface has an address from a router advertisement, here from a radvd
# the lab starts itself (a node's exec:); with no router, --wait times out
# with exit 1 and a clear message, and leaves the lab up.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"
. "$TOP/tests/integration/lankit.sh"
need_radvd
# the lab's radvd, should the test stop before destroy --kill stops it
lab_radvd=
stop_lab_radvd() {
	[ -n "$lab_radvd" ] && kill "$lab_radvd" 2> /dev/null
	return 0
}
trap stop_lab_radvd EXIT

# sysctl_of NETNS KEY
sysctl_of() { ip netns exec "$1" sysctl -n "$2"; }

# r routes (it forwards) and advertises fd00:60::/64 with a radvd its exec
# starts (config and pid file in the sandbox's /run); s makes an address
# by SLAAC; d has duplicate address detection on; q says no to both.
lab=$WORK/slaac.yaml
cat > "$lab" <<EOF
name: slaac
nodes:
  r:
    sysctl: {net.ipv6.conf.all.forwarding: 1}
    interfaces:
      eth0: {addresses: ["fd00:60::1/64"], accept-ra: true}
      eth1: {addresses: ["fd00:61::1/64"], accept-ra: false, autoconf: false}
      eth2: {addresses: ["fd00:62::1/64"]}
    exec:
      - "printf 'interface eth0 {\\\\n AdvSendAdvert on;\\\\n MinRtrAdvInterval 3;\\\\n MaxRtrAdvInterval 4;\\\\n prefix fd00:60::/64 { AdvOnLink on; AdvAutonomous on; };\\\\n};\\\\n' > $WORK/radvd.conf"
      - "radvd -C $WORK/radvd.conf -p $WORK/radvd.pid -m logfile -l $WORK/radvd.log < /dev/null > /dev/null 2>&1"
  s:
    interfaces:
      eth0: {accept-ra: true, autoconf: true, mac: "02:00:00:00:60:02"}
  q:
    interfaces:
      eth0: {addresses: ["fd00:61::2/64"], accept-ra: false, autoconf: false}
  d:
    sysctl: {net.ipv6.conf.all.accept_dad: 1, net.ipv6.conf.default.accept_dad: 1}
    interfaces:
      eth0: {addresses: ["fd00:62::2/64"]}
links:
  - [r:eth0, s:eth0]
  - [r:eth1, q:eth0]
  - [r:eth2, d:eth0]
EOF
"$NSTOPO" plan --json "$lab" > "$WORK/slaac.json"
check_match "the plan sets accept_ra before s's eth0 comes up" \
	'sysctl net.ipv6.conf.eth0.accept_ra=1 @s.*sysctl net.ipv6.conf.eth0.autoconf=1 @s.*link set eth0 up @s' \
	"$("$NSTOPO" plan "$lab" | tr '\n' ' ')"

t0=$(date +%s%N)
out=$("$NSTOPO" apply --wait=20 "$lab" 2>&1)
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
echo "     apply --wait=20 returned after $ms ms"
check_eq "apply --wait: exit 0" 0 "$rc"
[ "$rc" = 0 ] || printf '%s\n' "$out" | sed 's/^/     | /'
check "kernel state matches the plan" verify.py "$WORK/slaac.json"
lab_radvd=$(cat "$WORK/radvd.pid" 2> /dev/null)
check "the lab's exec started radvd in r" kill -0 "${lab_radvd:-0}"

check_eq "s: accept_ra is 1" 1 "$(sysctl_of s net.ipv6.conf.eth0.accept_ra)"
check_eq "s: autoconf is 1" 1 "$(sysctl_of s net.ipv6.conf.eth0.autoconf)"
check_eq "r forwards" 1 "$(sysctl_of r net.ipv6.conf.all.forwarding)"
check_eq "r: accept-ra: true is accept_ra 2 in a forwarding node" 2 \
	"$(sysctl_of r net.ipv6.conf.eth0.accept_ra)"
check_eq "r: accept-ra: false is accept_ra 0" 0 "$(sysctl_of r net.ipv6.conf.eth1.accept_ra)"
check_eq "r: autoconf: false is autoconf 0" 0 "$(sysctl_of r net.ipv6.conf.eth1.autoconf)"
check_eq "q: accept_ra is 0" 0 "$(sysctl_of q net.ipv6.conf.eth0.accept_ra)"
check_eq "q: autoconf is 0" 0 "$(sysctl_of q net.ipv6.conf.eth0.autoconf)"

# --wait has returned: what it waited for is there already (without it,
# d's address would still be tentative for a second or so)
addr=$(slaac_addr s eth0 fd00:60::/64)
check_eq "s has its SLAAC address (EUI-64 of its MAC) when apply returns" \
	fd00:60::ff:fe00:6002 "$addr"
check_match "s has a default route from r's advertisement" \
	'^default via fe80::[0-9a-f:]+ dev eth0 proto ra ' "$(ip -n s -6 route show default)"
check_eq "d's address (duplicate address detection on) is no longer tentative" "" \
	"$(ip -n d -6 addr show dev eth0 scope global tentative)"
check_match "... and it is there" 'fd00:62::2/64' "$(ip -n d -6 addr show dev eth0)"
check "r reaches s at its SLAAC address" ip netns exec r ping -c1 -W2 -q fd00:60::ff:fe00:6002
check "s reaches r" ip netns exec s ping -c1 -W2 -q fd00:60::1
check "d reaches r" ip netns exec d ping -c1 -W2 -q fd00:62::1
out=$("$NSTOPO" status "$lab" 2>&1)
check_eq "status: exit 0 (addresses from the router are not drift)" 0 $?
check_match "status: as planned" '0 missing, 0 different, 0 extra' "$out"

check "destroy --kill" "$NSTOPO" destroy --kill "$lab"
# gone, or a zombie its new parent has not reaped yet
check "destroy --kill stopped the lab's radvd" \
	sh -c "! [ -d /proc/${lab_radvd:-0} ] || grep -q '^State:.*Z' /proc/${lab_radvd:-0}/status"
lab_radvd=
check "nothing of the lab is left" verify.py --gone "$WORK/slaac.json"
check_clean "nothing left"

# -- a LAN with a router: only the interfaces that ask take its
# advertisements (the file is the whole truth: a node's accept_ra is 0
# unless accept-ra or autoconf says otherwise), on a plain bridge and on
# a querier bridge (RAs go to all nodes, RS to the router's group)
# snmp6 NETNS COUNTER: an ICMPv6 counter of the node
snmp6() { ip netns exec "$1" awk -v k="$2" '$1 == k { print $2 }' /proc/net/snmp6; }
printf '%s\n' 'interface eth0 {' ' AdvSendAdvert on;' ' MinRtrAdvInterval 3;' \
	' MaxRtrAdvInterval 4;' \
	' prefix fd00:70::/64 { AdvOnLink on; AdvAutonomous on; };' '};' \
	> "$WORK/radvd-lan.conf"
for querier in false true; do
	lab=$WORK/lan-$querier.yaml
	{
		echo "name: lanra"
		echo "bridges:"
		echo "  lan: {querier: $querier}"
		echo "nodes:"
		echo "  r:"
		echo "    sysctl: {net.ipv6.conf.all.forwarding: 1}"
		echo "    interfaces:"
		echo '      eth0: {addresses: ["fd00:70::1/64"]}'
		echo "    exec:"
		echo "      - \"radvd -C $WORK/radvd-lan.conf -p $WORK/radvd-lan.pid -m logfile -l $WORK/radvd-lan.log < /dev/null > /dev/null 2>&1\""
		echo "  st:"
		echo "    interfaces:"
		echo '      eth0: {addresses: ["fd00:70::10/64"]}'
		echo "  sl:"
		echo "    interfaces:"
		echo '      eth0: {accept-ra: true, autoconf: true, mac: "02:00:00:00:70:02"}'
		echo "  ao:"
		echo "    interfaces:"
		echo '      eth0: {autoconf: true, mac: "02:00:00:00:70:03"}'
		echo "  kd:"
		echo "    sysctl: {net.ipv6.conf.default.accept_ra: 1}"
		echo "    interfaces:"
		echo '      eth0: {addresses: ["fd00:70::20/64"], mac: "02:00:00:00:70:04"}'
		echo "links:"
		echo "  - [r:eth0, lan]"
		echo "  - [st:eth0, lan]"
		echo "  - [sl:eth0, lan]"
		echo "  - [ao:eth0, lan]"
		echo "  - [kd:eth0, lan]"
	} > "$lab"
	q="querier $querier"
	rm -f "$WORK/radvd-lan.pid"
	out=$("$NSTOPO" apply --wait=20 "$lab" 2>&1)
	rc=$?
	check_eq "$q: apply --wait (SLAAC on sl and ao): exit 0" 0 "$rc"
	[ "$rc" = 0 ] || printf '%s\n' "$out" | sed 's/^/     | /'
	lab_radvd=$(cat "$WORK/radvd-lan.pid" 2> /dev/null)
	check_eq "$q: the bridge is the querier only when asked" \
		"$([ "$querier" = true ] && echo 1 || echo 0)" \
		"$(ip -d -j link show lan | python3 -c 'import json, sys
print(json.load(sys.stdin)[0]["linkinfo"]["info_data"]["mcast_querier"])')"
	check_eq "$q: st (static) takes no advertisements: accept_ra 0" 0 \
		"$(sysctl_of st net.ipv6.conf.eth0.accept_ra)"
	check_eq "$q: st: no SLAAC address" "" "$(slaac_addr st eth0 fd00:70::/64)"
	check_eq "$q: st: no default route from the router" "" \
		"$(ip -n st -6 route show default)"
	# (radvd answers a solicitation to the node that sent it: st sees
	# only the periodic advertisements, which may come after apply)
	i=0
	while [ "$(snmp6 st Icmp6InRouterAdvertisements)" = 0 ] && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	check "$q: st: the advertisements did reach it (within 10 s)" \
		test "$(snmp6 st Icmp6InRouterAdvertisements)" -gt 0
	check_eq "$q: st: no router solicitations sent" 0 \
		"$(snmp6 st Icmp6OutRouterSolicits)"
	check_eq "$q: st: its own global address only" "fd00:70::10/64" \
		"$(ip -n st -6 -o addr show dev eth0 scope global | awk '{print $4}')"
	check_eq "$q: sl has its SLAAC address (EUI-64 of its MAC)" \
		fd00:70::ff:fe00:7002 "$(slaac_addr sl eth0 fd00:70::/64)"
	check_match "$q: sl has a default route from the advertisement" \
		'^default via fe80::[0-9a-f:]+ dev eth0 proto ra ' \
		"$(ip -n sl -6 route show default)"
	check "$q: sl solicited the router" \
		test "$(snmp6 sl Icmp6OutRouterSolicits)" -gt 0
	check_eq "$q: ao (autoconf alone takes them): accept_ra 1" 1 \
		"$(sysctl_of ao net.ipv6.conf.eth0.accept_ra)"
	check_eq "$q: ao has its SLAAC address" fd00:70::ff:fe00:7003 \
		"$(slaac_addr ao eth0 fd00:70::/64)"
	# The off switch: a node whose file gives accept_ra back takes them
	# as the kernel would (not waited for by --wait: polled, 10 s)
	i=0
	while [ -z "$(slaac_addr kd eth0 fd00:70::/64)" ] && [ "$i" -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	check_eq "$q: kd (default.accept_ra: 1 in its file) takes them: SLAAC" \
		fd00:70::ff:fe00:7004 "$(slaac_addr kd eth0 fd00:70::/64)"
	check_match "$q: kd: ...and the default route" \
		'^default via fe80::[0-9a-f:]+ dev eth0 proto ra ' \
		"$(ip -n kd -6 route show default)"
	check "$q: st reaches sl at its SLAAC address" \
		ip netns exec st ping -c1 -W2 -q fd00:70::ff:fe00:7002
	out=$("$NSTOPO" status "$lab" 2>&1)
	check_eq "$q: status exit 0 (the routes from the router are foreign)" 0 $?
	check_match "$q: status counts them apart" \
		'as planned: [0-9]+ ok, 0 missing, 0 different, 0 extra, [0-9]+ foreign route' "$out"
	check "$q: destroy --kill" "$NSTOPO" destroy -q --kill "$lab"
	lab_radvd=
	check_clean "$q: nothing left"
done

# -- --wait with no router: times out, leaves the lab up -------------------
lab=$WORK/norouter.yaml
cat > "$lab" <<'EOF'
name: norouter
nodes:
  x: {interfaces: {eth0: {addresses: ["fd00:63::1/64"]}}}
  s: {interfaces: {eth0: {accept-ra: true, autoconf: true}}}
links:
  - [x:eth0, s:eth0]
EOF
"$NSTOPO" plan --json "$lab" > "$WORK/norouter.json"
t0=$(date +%s%N)
out=$("$NSTOPO" apply --wait=2 "$lab" 2>&1)
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
check_eq "no router: apply --wait=2 exits 1" 1 "$rc"
check_match "no router: the message names the interface, the node and the wait" \
	'after 2 s, eth0 in s has no address from a router advertisement yet \(the lab is up\)' "$out"
check "no router: it gave up after about 2 s (${ms} ms)" \
	test "$ms" -ge 1900 -a "$ms" -lt 6000
check "no router: the lab is up" verify.py "$WORK/norouter.json"
check "no router: its journal is kept" test -s /run/nstopo/norouter/journal
out=$("$NSTOPO" status "$lab" 2>&1)
check_eq "no router: status exits 0" 0 $?
check "no router: apply again is a no-op (the lab is up as planned)" "$NSTOPO" apply "$lab"
check "no router: destroy" "$NSTOPO" destroy "$lab"
check "no router: nothing of the lab is left" verify.py --gone "$WORK/norouter.json"
check_clean "no router: nothing left"

# -- run --wait that times out: the fixture never ran, the lab is gone ------
out=$("$NSTOPO" run --wait=2 "$lab" -- touch "$WORK/ran" 2>&1)
rc=$?
check_eq "no router: run --wait=2 exits 125 (nstopo's own failure)" 125 "$rc"
check_match "no router: run says why" 'no address from a router advertisement' "$out"
check_match "no router: run takes the lab down" 'lab norouter is down' "$out"
check_fail "no router: run did not start its command" test -e "$WORK/ran"
check "no router: nothing of the lab is left after run" verify.py --gone "$WORK/norouter.json"
check_clean "no router: nothing left after run"

# -- a signal while apply --wait waits: rolled back -------------------------
"$NSTOPO" apply --wait=20 "$lab" > "$WORK/sig.out" 2>&1 &
ap=$!
i=0
until [ -s /run/nstopo/norouter/journal ] && grep -qx complete /run/nstopo/norouter/journal 2>/dev/null ||
	[ "$i" -ge 100 ]; do
	sleep 0.05; i=$((i + 1))
done
sleep 0.3
kill -TERM "$ap"
wait "$ap"
rc=$?
out=$(cat "$WORK/sig.out")
check_eq "no router: SIGTERM during --wait: apply exits 1" 1 "$rc"
check_match "no router: SIGTERM during --wait: rolled back" 'rolled back' "$out"
check "no router: nothing of the lab is left after the signal" verify.py --gone "$WORK/norouter.json"
check_clean "no router: nothing left after the signal"
finish
