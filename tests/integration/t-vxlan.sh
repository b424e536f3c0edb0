# t-vxlan.sh - the vxlan link kind, between two machines of hostkit.sh:
# each machine applies its own lab, whose node has a VXLAN device made in
# the machine's namespace (its UDP socket there, on the underlay) and
# placed in the node.  Over IPv4 (with dev: the kernel sizes and enforces
# the MTU) and IPv6 underlays: pings both ways, full-size packets, what
# the kernel says of the device, status and its drift, destroy leaving
# each machine exactly as before (and at once ready for the same VNI
# again), a failed apply rolled back, and the errors of what cannot work.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"
. "$TOP/tests/integration/hostkit.sh"

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

if machines_up 2; then
	ok "two machines are up"
else
	bad "machines_up 2"
	finish
	exit 1
fi
# the state to come back to, once the kernel has finished setting up
# eth0's link-local address (its local route comes last)
for m in m1 m2; do
	i=0
	until machine_state "$m" | grep -q '^route6 local fe80::' || [ "$i" -ge 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	machine_state "$m" > "$WORK/$m.before"
done

# lab M I R: machine M's lab (I: its number, R: the other's), node a
# with vx4 (IPv4 underlay, dev eth0) and vx6 (IPv6 underlay, no dev, an
# MTU of its own)
lab() {
	cat <<-EOF2
	name: vx
	nodes:
	  a:
	    interfaces:
	      vx4: {addresses: [10.4.0.$2/24, "fd00:4::$2/64"]}
	      vx6: {addresses: [10.6.0.$2/24, "fd00:6::$2/64"]}
	links:
	  - {kind: vxlan, endpoint: a:vx4, id: 100, remote: 192.0.2.$3, local: 192.0.2.$2, dev: eth0}
	  - {kind: vxlan, endpoint: a:vx6, id: 100, remote: "2001:db8::$3", local: "2001:db8::$2", mtu: 1430}
	EOF2
}
lab m1 1 2 > "$WORK/m1.yaml"
lab m2 2 1 > "$WORK/m2.yaml"

check "m1: plan shows the vxlan links" \
	sh -c "'$NSTOPO' plan '$WORK/m1.yaml' | grep -x '+ link add vx4 up type vxlan id 100 remote 192.0.2.2 local 192.0.2.1 dev eth0 dstport 4789 @a'"
check "m1: plan --destroy deletes them before the node goes" \
	sh -c "'$NSTOPO' plan --destroy '$WORK/m1.yaml' | tr '\n' '|' | grep -x -e '- link del vx6 @a|- link del vx4 @a|- netns del a|'"
for m in m1 m2; do
	check "$m: apply --wait" on_machine "$m" "$NSTOPO" apply --wait "$WORK/$m.yaml"
done

inn() {
	_m=$1
	shift
	on_machine "$_m" ip netns exec a "$@"
}
# vxinfo M IFNAME: "KIND ID REMOTE LOCAL PORT LINK-NETNSID MTU" from ip -j -d
vxinfo() {
	on_machine "$1" ip -n a -j -d link show dev "$2" | python3 -c '
import json, sys
l = json.load(sys.stdin)[0]
i = l["linkinfo"]
d = i.get("info_data", {})
r = [d.get(k) for k in ("remote", "remote6", "group", "group6") if d.get(k)]
o = [d.get(k) for k in ("local", "local6") if d.get(k)]
print(i["info_kind"], d.get("id"), r[0] if r else None, o[0] if o else None,
      d.get("port"), l.get("link_netnsid"), l["mtu"])'
}
check_eq "m1: vx4 in node a: vxlan id 100 remote 192.0.2.2 local 192.0.2.1 port 4789, its link in the machine, MTU 1450 (eth0's minus 50)" \
	"vxlan 100 192.0.2.2 192.0.2.1 4789 0 1450" "$(vxinfo m1 vx4)"
check_eq "m2: vx6: IPv6 ends, the MTU the file gives" \
	"vxlan 100 2001:db8::1 2001:db8::2 4789 0 1430" "$(vxinfo m2 vx6)"
# (ip names IFLA_VXLAN_LINK by the node's own index table: the kernel's
# refusal says the device is bound to the machine's eth0)
check_fail "m1: vx4 is bound to eth0: the kernel refuses an MTU above 1450" \
	on_machine m1 ip -n a link set vx4 mtu 1451
check_eq "m1: no VXLAN device is left in the machine's namespace" "" \
	"$(on_machine m1 ip -o link show type vxlan)"
check_eq "m1: the UDP sockets are the machine's (IPv4 and IPv6)" \
	"0.0.0.0:4789 [::]:4789" \
	"$(on_machine m1 ss -Hlun 'sport = :4789' | awk '{ print $4 }' | sort | tr '\n' ' ' | sed 's/ $//')"
check_eq "m1: node a has none" "" "$(inn m1 ss -Hlun)"

check "m1 reaches m2's node over IPv4 (underlay v4)" inn m1 ping -c1 -W2 -q 10.4.0.2
check "m1 reaches m2's node over IPv6 (underlay v4)" inn m1 ping -c1 -W2 -q fd00:4::2
check "m2 reaches m1's node over IPv4 (underlay v6)" inn m2 ping -c1 -W2 -q 10.6.0.1
check "m2 reaches m1's node over IPv6 (underlay v6)" inn m2 ping -c1 -W2 -q fd00:6::1
check "full-size IPv4 packets at vx4's MTU (1422 + 28)" inn m1 ping -c1 -W2 -q -M do -s 1422 10.4.0.2
check "full-size IPv6 packets at vx6's MTU (1382 + 48)" inn m1 ping -c1 -W2 -q -M do -s 1382 fd00:6::2
check_fail "one byte more does not leave vx4" inn m1 ping -c1 -W1 -q -M do -s 1423 10.4.0.2

st=$(on_machine m1 "$NSTOPO" status "$WORK/m1.yaml" 2>&1)
check_eq "m1: status exits 0" 0 $?
check_match "m1: status: as planned" 'as planned: [0-9]+ ok, 0 missing, 0 different, 0 extra' "$st"
# drift: vx4 made again by hand with another VNI and no remote
on_machine m1 ip -n a link del vx4
on_machine m1 ip link add vx4 type vxlan id 999 local 192.0.2.1 dstport 4789
on_machine m1 ip link set vx4 netns a
st=$(on_machine m1 "$NSTOPO" status "$WORK/m1.yaml" 2>&1)
check_eq "m1: status exits 3 on drift" 3 $?
check_match "m1: status names the VNI that differs" 'link vx4 +different +vni 999, want 100' "$st"
on_machine m1 ip -n a link del vx4
on_machine m1 ip link add vx4 netns a type vxlan id 100 remote 192.0.2.7 local 192.0.2.1 dstport 4789
st=$(on_machine m1 "$NSTOPO" status "$WORK/m1.yaml" 2>&1)
check_match "m1: status names a remote that differs" 'link vx4 +different +remote 192.0.2.7, want 192.0.2.2' "$st"
on_machine m1 ip -n a link del vx4
on_machine m1 ip link add vx4 netns a type vxlan id 100 remote 192.0.2.2 local 192.0.2.1 dstport 4790
st=$(on_machine m1 "$NSTOPO" status "$WORK/m1.yaml" 2>&1)
check_match "m1: status names a port that differs" 'link vx4 +different +dstport 4790, want 4789' "$st"

# a second lab on m1 with the same VNI and port: the kernel refuses it,
# and all of that lab is undone
cat > "$WORK/clash.yaml" <<'EOF2'
name: clash
nodes:
  b: {interfaces: {eth0: {addresses: [10.9.0.1/24]}}}
  c: {interfaces: {eth0: {addresses: [10.9.0.2/24]}}}
links:
  - [b:eth0, c:eth0]
  - {kind: vxlan, endpoint: c:vx0, id: 100, remote: "2001:db8::9"}
EOF2
out=$(on_machine m1 "$NSTOPO" apply "$WORK/clash.yaml" 2>&1)
check_eq "m1: a lab whose VNI the machine has already fails" 1 $?
check_match "m1: ...saying why" 'link add vx0 .*type vxlan id 100 .*File exists' "$out"
check_match "m1: ...and rolled back" 'rolled back' "$out"
check_eq "m1: nothing of it is left" "" "$(on_machine m1 sh -c 'ls /run/netns; ls /run/nstopo' | grep -x -e b -e c -e clash)"

for m in m1 m2; do
	check "$m: destroy" on_machine "$m" "$NSTOPO" destroy "$WORK/$m.yaml"
	check_eq "$m: exactly as before (links, addresses, routes, netns, state, UDP sockets)" \
		"$(cat "$WORK/$m.before")" "$(machine_state "$m")"
done

# Destroy deletes each VXLAN device itself: the VNI is free at once
# (dropping the namespace alone frees it only after the kernel's cleanup).
n=0
for i in 1 2 3 4 5; do
	on_machine m1 "$NSTOPO" apply -q "$WORK/m1.yaml" &&
		on_machine m1 "$NSTOPO" destroy -q "$WORK/m1.yaml" && n=$((n + 1))
done
check_eq "m1: apply and destroy 5 times in a row" 5 "$n"
check_eq "m1: as before" "$(cat "$WORK/m1.before")" "$(machine_state m1)"

# A node deleted behind nstopo's back takes its VXLAN devices along (they
# live in it): the machine keeps no device and, once the kernel's
# namespace cleanup has run, no socket; destroy then finds nothing.
check "m1: apply" on_machine m1 "$NSTOPO" apply -q "$WORK/m1.yaml"
on_machine m1 ip netns del a
i=0
while [ -n "$(on_machine m1 ss -Hlun 'sport = :4789')" ] && [ "$i" -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
check_eq "m1: node a deleted by hand: no VXLAN device is left in the machine" "" \
	"$(on_machine m1 ip -o link show type vxlan)"
check_eq "...nor its UDP socket" "" "$(on_machine m1 ss -Hlun 'sport = :4789')"
check "m1: destroy after that" on_machine m1 "$NSTOPO" destroy "$WORK/m1.yaml"
check_eq "m1: as before" "$(cat "$WORK/m1.before")" "$(machine_state m1)"

# What cannot work fails before anything is left
sed 's/local: 192.0.2.1/local: 192.0.2.2/' "$WORK/m1.yaml" > "$WORK/wrong.yaml"
out=$(on_machine m1 "$NSTOPO" apply "$WORK/wrong.yaml" 2>&1)
check_match "a local address of another machine: refused" \
	'local address 192.0.2.2 is on no interface of this machine' "$out"
sed 's/dev: eth0/dev: eth9/' "$WORK/m1.yaml" > "$WORK/nodev.yaml"
out=$(on_machine m1 "$NSTOPO" apply "$WORK/nodev.yaml" 2>&1)
check_match "an underlay device the machine lacks: refused" \
	'its underlay device eth9 does not exist in the host' "$out"
sed 's/dev: eth0}/dev: eth0, mtu: 1451}/' "$WORK/m1.yaml" > "$WORK/big.yaml"
out=$(on_machine m1 "$NSTOPO" apply "$WORK/big.yaml" 2>&1)
check_match "an MTU the underlay cannot carry: refused" \
	'mtu 1451 does not fit its underlay eth0 \(mtu 1500\): at most 1450' "$out"
check_eq "m1: as before after the refusals" "$(cat "$WORK/m1.before")" "$(machine_state m1)"

# A VXLAN end in the host namespace (node host): made there, no move.
cat > "$WORK/hostend.yaml" <<'EOF2'
name: hostend
nodes:
  host: {interfaces: {vxh: {addresses: [10.7.0.1/24]}}}
links:
  - {kind: vxlan, endpoint: host:vxh, id: 7, remote: 192.0.2.2, local: 192.0.2.1, dev: eth0}
EOF2
cat > "$WORK/hostend2.yaml" <<'EOF2'
name: hostend
nodes:
  b: {interfaces: {vxh: {addresses: [10.7.0.2/24]}}}
links:
  - {kind: vxlan, endpoint: b:vxh, id: 7, remote: 192.0.2.1, local: 192.0.2.2, dev: eth0}
EOF2
check "m1: a vxlan link in the host namespace" on_machine m1 "$NSTOPO" apply --wait "$WORK/hostend.yaml"
check "m2: its far end in node b" on_machine m2 "$NSTOPO" apply --wait "$WORK/hostend2.yaml"
check "m2's node reaches m1's host over it" on_machine m2 ip netns exec b ping -c1 -W2 -q 10.7.0.1
check_match "m1: vxh carries the lab's mark" 'alias nstopo:hostend/vxh' "$(on_machine m1 ip -d link show vxh)"
check "m1: status as planned" on_machine m1 "$NSTOPO" status -q "$WORK/hostend.yaml"
check "m1: destroy" on_machine m1 "$NSTOPO" destroy "$WORK/hostend.yaml"
check "m2: destroy" on_machine m2 "$NSTOPO" destroy "$WORK/hostend2.yaml"
for m in m1 m2; do
	check_eq "$m: as before" "$(cat "$WORK/$m.before")" "$(machine_state "$m")"
done

machines_down
check_clean "nothing left in the sandbox"
finish
