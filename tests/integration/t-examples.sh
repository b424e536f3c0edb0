# t-examples.sh - every topologies/*.yaml: apply, verify against the plan,
# the connectivity its "# test:" lines promise (pings.py), destroy, and
# nothing left: the host as it was before.
#
# A topology whose bridges take ports the host already has (its NIC) gets
# them here first: each port is a veth to a namespace playing the LAN
# (lan-rig: a router with radvd, see lanrig.py), configured like a NIC,
# with addresses and default routes of both families.  Such a lab is
# applied with --wait; the LAN must reach every service's own address and
# the one it made by SLAAC, and destroy must give each port back exactly
# what it had.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"
. "$TOP/tests/integration/lankit.sh"
trap radvd_stop_all EXIT

# in_ns NETNS CMD...: run CMD in a lab namespace, or here for "host"
in_ns() {
	ns=$1; shift
	if [ "$ns" = host ]; then "$@"; else ip netns exec "$ns" "$@"; fi
}

# forward_echo PROTO NETNS DIAL TO_NETNS FAMILY ADDR PORT: an echo service
# (socat) on ADDR:PORT in TO_NETNS; a line sent from NETNS to DIAL must
# come back, through the lab's relay
forward_echo() {
	case $1$5 in
	tcp4) srv="TCP4-LISTEN:$7,bind=$6,fork,reuseaddr" ;;
	tcp6) srv="TCP6-LISTEN:$7,bind=[$6],fork,reuseaddr" ;;
	udp4) srv="UDP4-RECVFROM:$7,bind=$6,fork" ;;
	udp6) srv="UDP6-RECVFROM:$7,bind=[$6],fork" ;;
	esac
	# Not through in_ns: $! must be socat itself (ip netns exec execs
	# it), and it must hold no pipe of the caller's.
	if [ "$4" = host ]; then
		socat -T 2 "$srv" PIPE > /dev/null 2>&1 &
	else
		ip netns exec "$4" socat -T 2 "$srv" PIPE > /dev/null 2>&1 &
	fi
	fe_srv=$!
	fe_i=0
	until in_ns "$4" ss -Hln | grep -q ":$7 "; do
		[ $fe_i -lt 100 ] || break
		sleep 0.05; fe_i=$((fe_i + 1))
	done
	fe_cli=$(echo "$1" | tr tu TU)
	fe_got=$(echo "through $3" | in_ns "$2" socat -t 2 -T 5 - "$fe_cli:$3")
	kill $fe_srv
	wait $fe_srv 2>/dev/null
	[ "$fe_got" = "through $3" ]
}

# rig_up RIGFILE: the LAN of each port line of lanrig.py's output
rig_up() {
	rig_made_dir=
	[ -e /run/netns ] || rig_made_dir=yes
	ip netns add lan-rig
	ip netns exec lan-rig sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0
	ip -n lan-rig link set lo up
	_m=0
	while read -r r_kind port _ rigif rig4 port4 rig6 port6 prefix; do
		[ "$r_kind" = port ] || continue
		ip link add "$port" type veth peer "$rigif" netns lan-rig
		# a NIC configured statically: no router advertisements
		sysctl -qw "net.ipv6.conf.$port.accept_ra=0" \
			"net.ipv6.conf.$port.accept_dad=0"
		ip addr add "$port4" dev "$port"
		ip addr add "$port6" dev "$port" nodad
		ip link set "$port" up
		ip -n lan-rig addr add "$rig4" dev "$rigif"
		ip -n lan-rig addr add "$rig6" dev "$rigif" nodad
		ip -n lan-rig link set "$rigif" up
		ip -4 route add default via "${rig4%/*}" dev "$port" metric "$_m"
		ip -6 route add default via "${rig6%/*}" dev "$port" metric $((1024 + _m))
		if radvd_start lan-rig "$rigif" "$prefix"; then
			ok "$name: LAN for $port: router ${rig4%/*} ${rig6%/*}, radvd for $prefix"
		else
			bad "$name: LAN for $port: radvd does not start"
			cat "$WORK"/radvd-lan-rig-*.out "$WORK"/radvd-lan-rig-*.log | sed 's/^/     | /'
		fi
		iface_state "$port" > "$WORK/$name.$port.before"
		_m=$((_m + 1))
	done < "$1"
}

# rig_checks RIGFILE: the lab is up on the LAN
rig_checks() {
	while read -r r_kind r1 r2 r3 r4 _ r6 _; do
		case $r_kind in
		port)
			check "$name: the host reaches the LAN through $r2 (${r4%/*})" \
				ping -c1 -W2 -q "${r4%/*}"
			check "$name: the host reaches the LAN through $r2 (${r6%/*})" \
				ping -c1 -W2 -q "${r6%/*}"
			;;
		static)
			check "$name: the LAN reaches $r1 at $r2" \
				ip netns exec lan-rig ping -c1 -W2 -q "$r2"
			;;
		slaac)
			addr=$(slaac_addr "$r1" "$r2" "$r3")
			check_match "$name: $r1 has an address from the router ($r3)" . "$addr"
			[ -n "$addr" ] && check "$name: the LAN reaches $r1 at $addr (SLAAC)" \
				ip netns exec lan-rig ping -c1 -W2 -q "$addr"
			;;
		esac
	done < "$1"
}

# rig_down RIGFILE: each port as before the lab; then no LAN any more
rig_down() {
	while read -r r_kind port _; do
		[ "$r_kind" = port ] || continue
		if settle_diff "$WORK/$name.$port.before" "$WORK/$name.$port.after" \
			iface_state "$port"; then
			ok "$name: $port has its addresses and routes back, exactly"
			settled "$name: $port"
		else
			bad "$name: $port has its addresses and routes back, exactly"
			sed 's/^/     | /' "$WORK/$name.$port.after.diff" | head -40
		fi
	done < "$1"
	radvd_stop_all
	ip netns del lan-rig
	if [ -n "$rig_made_dir" ]; then
		umount /run/netns
		rmdir /run/netns
	fi
}

# rig_snap: host_snap, to standard output
rig_snap() {
	host_snap "$WORK/rig-snap"
	cat "$WORK/rig-snap"
}

n=0
for f in topologies/*.yaml; do
	[ -e "$f" ] || continue
	n=$((n + 1))
	name=$(basename "$f" .yaml)
	plan=$WORK/$name.json
	if ! "$NSTOPO" plan --json "$f" > "$plan"; then
		bad "$name: plan --json"
		continue
	fi
	rig=$WORK/$name.rig
	if ! python3 "$TOP/tests/integration/lanrig.py" "$plan" > "$rig"; then
		bad "$name: lanrig.py"
		continue
	fi
	# A lab over machines whose hosts are all this one (`# test: local
	# IFNAME ADDRESS...`, pings.py): their addresses here first.
	sed -n 's/^# test: local //p' "$f" > "$WORK/$name.local"
	while read -r lif laddrs; do
		for a in $laddrs; do
			ip addr add "$a" dev "$lif" || bad "$name: address $a on $lif"
		done
	done < "$WORK/$name.local"
	snap=snapshot
	wait=
	if [ -s "$rig" ]; then
		if ! command -v radvd > /dev/null 2>&1; then
			bad "$name: needs radvd for its LAN (scripts/install-deps.sh test installs it)"
			continue
		fi
		rig_up "$rig"
		snap=host_snap # the LAN's namespace is in /run/netns too
		wait=--wait=30
	fi
	$snap "$WORK/$name.before"
	check "$name: apply${wait:+ $wait}" "$NSTOPO" apply $wait "$f"
	check "$name: kernel state matches the plan" verify.py "$plan"
	[ -s "$rig" ] && rig_checks "$rig"
	python3 "$TOP/tests/integration/pings.py" "$f" "$plan" > "$WORK/$name.pings"
	check_match "$name: has connectivity checks" . "$(cat "$WORK/$name.pings")"
	if grep -q '"op":"addr.add".*"address":"[0-9a-f:]*:' "$plan"; then
		check_match "$name: has IPv6 connectivity checks (the lab has IPv6)" \
			'^ping [^ ]+ [0-9a-f:]*:' "$(cat "$WORK/$name.pings")"
	fi
	if grep -q '"op":"addr.add".*"address":"[0-9.]*/' "$plan"; then
		check_match "$name: has IPv4 connectivity checks (the lab has IPv4)" \
			'^ping [^ ]+ [0-9.]+$' "$(cat "$WORK/$name.pings")"
	fi
	while read -r verb ns addr; do
		case $verb in
		ping) check "$name: $ns reaches $addr" \
			in_ns "$ns" ping -c1 -W2 -q "$addr" ;;
		noping) check_fail "$name: $ns does not reach $addr" \
			in_ns "$ns" ping -c1 -W1 -q "$addr" ;;
		forward) # shellcheck disable=SC2086
			set -- $addr
			check "$name: $ns forward, dialled in $1 at $2, reaches $5 port $6 in $3" \
				forward_echo "$ns" "$@" ;;
		esac
	done < "$WORK/$name.pings"
	check "$name: destroy" "$NSTOPO" destroy "$f"
	check "$name: nothing of the lab is left" verify.py --gone "$plan"
	if [ -s "$rig" ]; then
		# the port's addresses come back a moment later (settle_diff)
		if settle_diff "$WORK/$name.before" "$WORK/$name.after" rig_snap; then
			ok "$name: host state as before"
			settled "$name: host"
		else
			bad "$name: host state as before"
			sed 's/^/     | /' "$WORK/$name.after.diff" | head -40
		fi
		rig_down "$rig"
	else
		snapshot "$WORK/$name.after"
		check "$name: host state as before" \
			diff -u "$WORK/$name.before" "$WORK/$name.after"
	fi
	while read -r lif laddrs; do
		for a in $laddrs; do
			ip addr del "$a" dev "$lif"
		done
	done < "$WORK/$name.local"
done
[ "$n" -gt 0 ] && ok "$n example topologies" || bad "no topologies/*.yaml"

# verify.py itself: a lab that drifted from its plan is noticed.
lab=tests/integration/labs/spec-example.yaml
"$NSTOPO" plan --json "$lab" > "$WORK/spec.json"
"$NSTOPO" apply -q "$lab"
ip -n router link set eth1 mtu 1500
ip -n h1 addr del fd00:1::2/64 dev eth0
ip -n h2 route del blackhole 198.51.100.0/24
ip netns exec router sysctl -qw net.ipv4.ip_forward=0
ip link set rtr nomaster
out=$(verify.py "$WORK/spec.json")
check_eq "verify.py fails on a drifted lab" 1 $?
for want in "router: link eth1: mtu 1500, want 9000" \
	"h1: addr fd00:1::2/64 dev eth0: missing" \
	"h2: route missing: route add blackhole 198.51.100.0/24" \
	"router: sysctl net.ipv4.ip_forward = 0, want 1" \
	"host: link rtr: master None, want br-lab"; do
	check_match "verify.py reports '$want'" "$want" "$out"
done
out=$(verify.py --gone "$WORK/spec.json")
check_eq "verify.py --gone fails while the lab is up" 1 $?
check_match "verify.py --gone names a namespace" "netns router" "$out"
"$NSTOPO" destroy -q --lab lab1
check "verify.py --gone after destroy" verify.py --gone "$WORK/spec.json"
finish
