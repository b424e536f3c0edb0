# t-hosts.sh - a lab spread over three machines (hostkit.sh): one command
# on m1 applies, checks and destroys every machine's share, m1's there,
# m2's and m3's over ssh to the sshd of each (key authentication).  A
# routed path across all three (IPv4 and IPv6, full-size packets at the
# tunnels' MTU), a LAN bridged over the three by head-end replication
# (ARP, ND, SLAAC from a router on another machine), status merged from
# every host, drift on one of them, destroy leaving each machine exactly
# as before, a share that fails rolling the others back, the same lab on
# one machine, and an IPv6 underlay.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"
. "$TOP/tests/integration/lankit.sh"
. "$TOP/tests/integration/hostkit.sh"
trap 'radvd_stop; machines_down' EXIT

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

# settled_state M: machine_state once eth0's link-local address is done
settled_state() {
	_i=0
	until machine_state "$1" | grep -q '^route6 local fe80::' || [ "$_i" -ge 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	machine_state "$1"
}
# same_as_before M DESC: M's state is its .before (the kernel may finish
# giving an address back a moment after destroy returns)
same_as_before() {
	if settle_diff "$WORK/$1.before" "$WORK/$1.now" machine_state "$1"; then
		ok "$2"
		settled "$2"
	else
		bad "$2"
		sed 's/^/     | /' "$WORK/$1.now.diff" | head -30
	fi
}
inn() {
	_m=$1 _ns=$2
	shift 2
	on_machine "$_m" ip netns exec "$_ns" "$@"
}
reach() {
	_m=$1 _ns=$2 _a=$3
	shift 3
	check "$_ns@$_m reaches $_a${*:+ ($*)}" inn "$_m" "$_ns" ping -c1 -W2 -q "$@" "$_a"
}
RADVD_PID=
radvd_stop() {
	[ -n "$RADVD_PID" ] && kill "$RADVD_PID" 2> /dev/null && wait "$RADVD_PID" 2> /dev/null
	RADVD_PID=
	return 0
}

if machines_up 3 && sshd_up; then
	ok "three machines, sshd in each"
else
	bad "machines_up 3 / sshd_up"
	finish
	exit 1
fi
for m in m1 m2 m3; do
	settled_state "$m" > "$WORK/$m.before"
done

# The remote command, logging where it goes: m1's share must run on m1
# itself, without ssh.
cat > "$HK/bin/logged-remote" <<EOF2
#!/bin/sh
echo "\$1 \$*" >> "$WORK/remote.log"
exec "$(remote_cmd)" "\$@"
EOF2
chmod 0755 "$HK/bin/logged-remote"
remote="$HK/bin/logged-remote"

lab=$WORK/spread.yaml
cat > "$lab" <<'EOF2'
name: spread
hosts:
  m1: {address: 192.0.2.1}
  m2: {address: 192.0.2.2, ssh: m2}
  m3: {address: 192.0.2.3}
nodes:
  r1:
    host: m1
    interfaces:
      eth0: {addresses: [10.1.0.1/24, "fd00:1::1/64"]}
    routes:
      - {to: 10.3.0.0/24, via: 10.1.0.2}
      - {to: "fd00:3::/64", via: "fd00:1::2"}
  r2:
    host: m2
    sysctl: {net.ipv4.ip_forward: 1, net.ipv6.conf.all.forwarding: 1}
    interfaces:
      eth0: {addresses: [10.1.0.2/24, "fd00:1::2/64"]}
      eth1: {addresses: [10.3.0.2/24, "fd00:3::2/64"]}
  r3:
    host: m3
    interfaces:
      eth0: {addresses: [10.3.0.3/24, "fd00:3::3/64"]}
    routes:
      - {to: 10.1.0.0/24, via: 10.3.0.2}
      - {to: "fd00:1::/64", via: "fd00:3::2"}
  gw:
    host: m1
    sysctl: {net.ipv6.conf.all.forwarding: 1}
    interfaces:
      eth0: {addresses: [10.2.0.254/24, "fd00:2::fe/64", "fd00:2b::1/64"]}
  h1:
    host: m1
    interfaces:
      eth0: {addresses: [10.2.0.1/24, "fd00:2::1/64"], mac: "02:00:00:00:02:01"}
  h2:
    host: m2
    interfaces:
      eth0: {addresses: [10.2.0.2/24, "fd00:2::2/64"], mac: "02:00:00:00:02:02"}
  h3:
    host: m3
    interfaces:
      eth0:
        addresses: [10.2.0.3/24, "fd00:2::3/64"]
        mac: "02:00:00:00:02:03"
        accept-ra: true
        autoconf: true
bridges:
  lan: {}
links:
  - [r1:eth0, r2:eth0]
  - [r2:eth1, r3:eth0]
  - [gw:eth0, lan]
  - [h1:eth0, lan]
  - [h2:eth0, lan]
  - [h3:eth0, lan]
EOF2

# -- apply from m1: its share here, m2's and m3's over ssh --------------------
out=$(on_machine m1 "$NSTOPO" apply --remote "$remote" "$lab" 2>&1)
check_eq "apply of the lab on three hosts exits 0" 0 $?
printf '%s\n' "$out" | sed 's/^/     > /'
for m in m1 m2 m3; do
	check_match "apply: $m's lines say it is $m's" "^$m: lab spread is up" "$out"
done
check_match "apply: one line for the whole lab" '^lab spread is up on 3 hosts \(m1, m2 and m3\)' "$out"
check_eq "m1's share ran on m1, the others over ssh" "m2 m3" \
	"$(awk '/ apply / { print $1 }' "$WORK/remote.log" | sort | tr '\n' ' ' | sed 's/ $//')"
check_match "the share is given to the remote nstopo as apply --host NAME -" \
	'^m2 m2 nstopo apply --host m2 -$' "$(grep '^m2 ' "$WORK/remote.log")"
ns_of() { on_machine "$1" sh -c 'ls /run/netns' | tr '\n' ' ' | sed 's/ $//'; }
check_eq "m1 has r1, gw and h1" "gw h1 r1" "$(ns_of m1)"
check_eq "m2 has r2 and h2" "h2 r2" "$(ns_of m2)"
check_eq "m3 has r3 and h3" "h3 r3" "$(ns_of m3)"
for m in m1 m2 m3; do
	check_match "$m: lan and its VXLAN port vx-lan, in the machine" \
		'vx-lan@?.* master lan ' "$(on_machine "$m" ip -o link show vx-lan)"
done
zero_fdb() {
	on_machine "$1" bridge fdb show dev vx-lan | awk '/^00:00:00:00:00:00 / { print $3 }' | sort | tr '\n' ' ' | sed 's/ $//'
}
check_eq "m1: vx-lan floods to m2 and m3" "192.0.2.2 192.0.2.3" "$(zero_fdb m1)"
check_eq "m3: vx-lan floods to m1 and m2" "192.0.2.1 192.0.2.2" "$(zero_fdb m3)"
vni() { on_machine "$1" ip -n "$2" -j -d link show dev "$3" | python3 -c 'import json,sys; l=json.load(sys.stdin)[0]; print(l["linkinfo"]["info_kind"], l["linkinfo"]["info_data"]["id"], l["mtu"])'; }
check_eq "r1:eth0 (m1) and r2:eth0 (m2) are a VXLAN pair: one VNI, MTU 1450" \
	"$(vni m1 r1 eth0)" "$(vni m2 r2 eth0)"
check_match "...of kind vxlan, MTU 1450" '^vxlan [0-9]+ 1450$' "$(vni m1 r1 eth0)"
check_eq "h3's veth on the spread LAN has its MTU too" 1450 "$(inn m3 h3 cat /sys/class/net/eth0/mtu)"

out=$(on_machine m1 "$NSTOPO" apply --remote "$remote" "$lab" 2>&1)
check_eq "apply again: exits 0" 0 $?
for m in m1 m2 m3; do
	check_match "apply again: $m's share is up already" "^$m: lab spread is already up: nothing to do" "$out"
done

# -- traffic across machines -------------------------------------------------
# (apply without --wait: it would wait for h3's router advertisement,
# whose daemon starts below)
for m_ns in m1:gw m1:h1 m2:h2 m3:h3 m1:r1 m2:r2 m3:r3; do
	check "${m_ns#*:}'s IPv6 addresses are ready" ipv6_ready "${m_ns%:*}" "${m_ns#*:}"
done
reach m1 r1 10.1.0.2
reach m1 r1 fd00:1::2
reach m1 r1 10.3.0.3
reach m1 r1 fd00:3::3
reach m3 r3 10.1.0.1
reach m1 r1 10.3.0.3 -M do -s 1422
reach m1 r1 fd00:3::3 -M do -s 1402
check_fail "r1: one byte more than the tunnel's MTU does not leave" \
	inn m1 r1 ping -c1 -W1 -q -M do -s 1423 10.3.0.3
reach m1 h1 10.2.0.2
reach m1 h1 10.2.0.3
reach m2 h2 10.2.0.3
reach m1 h1 fd00:2::3
reach m3 h3 fd00:2::2
reach m2 h2 fd00:2::1
reach m1 h1 10.2.0.3 -M do -s 1422
reach m3 h3 fd00:2::1 -M do -s 1402
check_match "ARP across machines: h1 has h3's MAC" 'lladdr 02:00:00:00:02:03 ' \
	"$(on_machine m1 ip -n h1 neigh show 10.2.0.3)"
check_match "ND across machines: h3 has h2's MAC" 'lladdr 02:00:00:00:02:02 ' \
	"$(on_machine m3 ip -n h3 -6 neigh show fd00:2::2)"
check_match "ND across machines: h1 has h3's MAC" 'lladdr 02:00:00:00:02:03 ' \
	"$(on_machine m1 ip -n h1 -6 neigh show fd00:2::3)"

# SLAAC: radvd in gw (m1) advertises fd00:2b::/64; h3 on m3 takes it
printf 'interface eth0 {\n\tAdvSendAdvert on;\n\tMinRtrAdvInterval 3;\n\tMaxRtrAdvInterval 4;\n\tprefix fd00:2b::/64 { AdvOnLink on; AdvAutonomous on; };\n};\n' \
	> "$HK/radvd.conf"
machine_daemon m1 "$HK/radvd.out" ip netns exec gw radvd -n -C "$HK/radvd.conf" \
	-p "$HK/radvd.pid" -m logfile -l "$HK/radvd.log"
RADVD_PID=$HK_PID
slaac() {
	on_machine m3 ip -n h3 -j -6 addr show dev eth0 | python3 -c '
import json, sys
for l in json.load(sys.stdin):
    for a in l.get("addr_info", []):
        if a.get("dynamic") and a["local"].startswith("fd00:2b:"):
            print(a["local"])'
}
i=0
while [ -z "$(slaac)" ] && [ "$i" -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
check_eq "h3 (m3) has its SLAAC address from gw's advertisement (m1)" \
	fd00:2b::ff:fe00:203 "$(slaac)"
check_match "h3 has a default route via gw (proto ra)" '^default via fe80::.* dev eth0 proto ra ' \
	"$(on_machine m3 ip -n h3 -6 route show default)"
check "h3's SLAAC address is ready" ipv6_ready m3 h3
reach m1 gw fd00:2b::ff:fe00:203

# -- status, list: every host's answer, merged -------------------------------
out=$(on_machine m1 "$NSTOPO" status --remote "$remote" "$lab" 2>&1)
check_eq "status of the lab on three hosts exits 0" 0 $?
check_match "status: one line for the whole lab" '^lab spread: as planned on 3 hosts$' "$out"
for m in m1 m2 m3; do
	check_match "status: $m says as planned" "^$m: lab spread: as planned: [0-9]+ ok, 0 missing" "$out"
done
out=$(on_machine m1 "$NSTOPO" status --json --remote "$remote" "$lab" 2>&1)
check_eq "status --json: one object, every host's answer in it" "False 0 m1 m2 m3 as planned" \
	"$(printf '%s' "$out" | python3 -c '
import json, sys
j = json.load(sys.stdin)
print(j["drift"], j["exit"], *[h["host"] for h in j["hosts"]],
      "as planned" if all(not h["status"]["drift"] for h in j["hosts"]) else "drift")' 2>&1)"
out=$(on_machine m1 "$NSTOPO" list --remote "$remote" "$lab" 2>&1)
for m in m1 m2 m3; do
	check_match "list: $m lists the lab" "^$m: spread +up " "$out"
done
# drift on m3: its FDB entry to m2 goes
on_machine m3 bridge fdb del 00:00:00:00:00:00 dst 192.0.2.2 dev vx-lan
out=$(on_machine m1 "$NSTOPO" status --remote "$remote" "$lab" 2>&1)
check_eq "status exits 3 when one host drifted" 3 $?
check_match "status: m3 names the FDB entry that is missing" \
	'^m3: .*fdb 00:00:00:00:00:00 dst 192\.0\.2\.2 dev vx-lan +missing' "$out"
check_match "status: the line for the whole lab says drift" \
	'^lab spread: DRIFT: 2 of 3 hosts as planned, 1 drifted' "$out"

# -- destroy: every machine as it was -----------------------------------------
radvd_stop
out=$(on_machine m1 "$NSTOPO" destroy --remote "$remote" "$lab" 2>&1)
check_eq "destroy of the lab on three hosts exits 0" 0 $?
check_match "destroy: one line for the whole lab" '^lab spread is down on 3 hosts$' "$out"
for m in m1 m2 m3; do
	same_as_before "$m" "$m: exactly as before (links, addresses, routes, netns, state, UDP sockets)"
done

# -- a share that fails rolls the others back --------------------------------
on_machine m3 ip netns add h3
settled_state m3 > "$WORK/m3.planted"
out=$(NSTOPO_REMOTE="$remote" on_machine m1 "$NSTOPO" apply "$lab" 2>&1)
check_eq "apply with a name taken on m3 exits 1" 1 $?
printf '%s\n' "$out" | sed 's/^/     > /'
check_match "m3 says why" '^m3: nstopo: apply spread: namespace h3 already exists' "$out"
check_match "the whole lab failed on m3" '^nstopo: apply spread: failed on m3$' "$out"
check_match "...and was rolled back everywhere" 'rolled back on every host' "$out"
same_as_before m1 "m1: as before after the failed apply"
same_as_before m2 "m2: as before after the failed apply"
check_eq "m3: as before, with the namespace planted there" \
	"$(cat "$WORK/m3.planted")" "$(machine_state m3)"
on_machine m3 ip netns del h3
same_as_before m3 "m3: as before once the planted namespace is gone"

# ...also when it fails half way: m2 has a VXLAN device of the VNI its
# share's tunnel to m1 needs
vni=$("$NSTOPO" plan --host m2 "$lab" | sed -n 's/^+ link add eth0 .* type vxlan id \([0-9]*\) .*@r2$/\1/p')
check_match "the tunnel's VNI, from plan --host m2" '^[0-9]+$' "$vni"
on_machine m2 ip link add vxplant type vxlan id "$vni" local 192.0.2.2 dstport 4789
settled_state m2 > "$WORK/m2.planted"
out=$(NSTOPO_REMOTE="$remote" on_machine m1 "$NSTOPO" apply "$lab" 2>&1)
check_eq "apply with the VNI taken on m2 exits 1" 1 $?
check_match "m2 failed at its tunnel, rolled back its own steps" \
	"^m2: nstopo: apply spread: step [0-9]+ of [0-9]+ failed: link add eth0 .*type vxlan id $vni " "$out"
check_match "...and every other share was destroyed" 'rolled back on every host' "$out"
same_as_before m1 "m1: as before after the failed apply"
same_as_before m3 "m3: as before after the failed apply"
check_eq "m2: as before, with its own VXLAN device" \
	"$(cat "$WORK/m2.planted")" "$(machine_state m2)"
on_machine m2 ip link del vxplant
same_as_before m2 "m2: as before once the planted device is gone"

# -- the example of two machines, on m1 and m2 -------------------------------
# (ssh: the kit's names of the machines; destroy runs from m2, where
# left is the other machine)
sed -e 's/ssh: root@right/ssh: m2/' -e 's/left: {address: 192.0.2.1}/left: {address: 192.0.2.1, ssh: m1}/' \
	"$TOP/topologies/two-machines.yaml" > "$WORK/two-machines.yaml"
check "topologies/two-machines.yaml on m1 (left) and m2 (right)" \
	on_machine m1 "$NSTOPO" apply --wait --remote "$remote" "$WORK/two-machines.yaml"
check_eq "m1 has r1 and c1, m2 r2 and c2" "c1 r1 | c2 r2" "$(ns_of m1) | $(ns_of m2)"
sed -n 's/^# test: ping //p' "$WORK/two-machines.yaml" | while read -r node addrs; do
	m=m1
	case $node in r2 | c2) m=m2 ;; esac
	for a in $addrs; do
		echo "$m $node $a"
	done
done > "$WORK/two-machines.pings"
while read -r m node a; do
	reach "$m" "$node" "$a"
done < "$WORK/two-machines.pings"
reach m1 c1 10.21.0.12 -M do -s 1422
check "...destroy" on_machine m2 "$NSTOPO" destroy --remote "$remote" "$WORK/two-machines.yaml"
same_as_before m1 "m1: as before"
same_as_before m2 "m2: as before"

# -- the same lab on one machine: every host's address is m1's ---------------
on_machine m1 ip addr add 192.0.2.2/32 dev lo
on_machine m1 ip addr add 192.0.2.3/32 dev lo
: > "$WORK/remote.log"
check "every host is m1: apply runs the whole lab there" \
	on_machine m1 "$NSTOPO" apply --remote "$remote" "$lab"
check_eq "...without ssh" "" "$(cat "$WORK/remote.log")"
check_eq "m1 has every node" "gw h1 h2 h3 r1 r2 r3" "$(ns_of m1)"
for ns in r1 r3 h1 h3; do
	check "$ns's IPv6 addresses are ready" ipv6_ready m1 "$ns"
done
check_eq "...and no tunnel" "" "$(on_machine m1 ip -o link show type vxlan)"
reach m1 r1 10.3.0.3
reach m1 r1 fd00:3::3
reach m1 h1 10.2.0.3
reach m1 h1 fd00:2::3
check "...destroy" on_machine m1 "$NSTOPO" destroy --remote "$remote" "$lab"
on_machine m1 ip addr del 192.0.2.2/32 dev lo
on_machine m1 ip addr del 192.0.2.3/32 dev lo
same_as_before m1 "m1: as before"

machines_down

# -- an IPv6 underlay of MTU 1400 ----------------------------------------------
if machines_up 2 --ipv6-only --mtu 1400 && sshd_up; then
	ok "two machines on an IPv6 underlay of MTU 1400"
else
	bad "machines_up 2 --ipv6-only --mtu 1400"
fi
cat > "$WORK/six.yaml" <<'EOF2'
name: six
hosts:
  m1: {address: "2001:db8::1", mtu: 1400}
  m2: {address: "2001:db8::2", mtu: 1400}
nodes:
  a: {host: m1, interfaces: {eth0: {addresses: [10.6.0.1/24, "fd00:6::1/64"]}}}
  b: {host: m2, interfaces: {eth0: {addresses: [10.6.0.2/24, "fd00:6::2/64"]}}}
links:
  - [a:eth0, b:eth0]
EOF2
check "apply over the IPv6 underlay" on_machine m2 "$NSTOPO" apply --wait --remote "$(remote_cmd)" "$WORK/six.yaml"
check_eq "the tunnel's MTU: 1400 - 70" 1330 "$(inn m1 a cat /sys/class/net/eth0/mtu)"
reach m2 b 10.6.0.1 -M do -s 1302
reach m2 b fd00:6::1 -M do -s 1282
check_fail "one byte more does not leave" inn m2 b ping -c1 -W1 -q -M do -s 1303 10.6.0.1
check "destroy" on_machine m2 "$NSTOPO" destroy --remote "$(remote_cmd)" "$WORK/six.yaml"
check_eq "m1: no namespace left" "" "$(on_machine m1 ls -A /run/netns 2> /dev/null)"
check_eq "m1: no VXLAN socket left" "" "$(on_machine m1 ss -Hlun 'sport = :4789')"
machines_down
check_clean "nothing left in the sandbox"
finish
