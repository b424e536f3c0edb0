# t-linkkinds.sh - links other than veth pairs: macvlan (bridge, private,
# vepa), on a parent the lab makes and on an interface the host has; and
# dummy, ipvlan and vlan, which are checked the same way where the kernel
# has them, and where it does not, must fail the apply with a clear
# message and leave nothing.  Each kind is probed in the sandbox first
# (`ip link add ... type KIND`), so the test means something on any
# kernel: one branch or the other always asserts.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"
. "$TOP/tests/integration/lankit.sh"

# link_desc NETNS IFNAME: "KIND MODE ID LOWER" of a link, from ip -j -d;
# LOWER is NETNS:IFINDEX of its parent (the namespace by its name, or
# "here" when the parent is in the same namespace), "-" for none
link_desc() {
	{
		if [ "$1" = host ]; then
			ip -j -d link show dev "$2"
			echo "=="
			ip -j netns list-id
		else
			ip -n "$1" -j -d link show dev "$2"
			echo "=="
			ip -n "$1" -j netns list-id
		fi
	} 2> /dev/null | python3 -c '
import json, sys
text = sys.stdin.read().split("==")
link = json.loads(text[0])[0]
ids = {str(n["nsid"]): n.get("name", "?") for n in json.loads(text[1] or "[]")}
info = link.get("linkinfo", {})
data = info.get("info_data", {})
if "link_netnsid" in link and "link_index" in link and "link" not in link:
    lower = "%s:%s" % (ids.get(str(link["link_netnsid"]), "?"), link["link_index"])
elif "link" in link:
    lower = "here:" + str(link["link"])
else:
    lower = "-"
print(info.get("info_kind", "-"), data.get("mode", "-"), data.get("id", "-"), lower)'
}

# ifindex NETNS IFNAME
ifindex() {
	ip -n "$1" -j link show dev "$2" | python3 -c \
		'import json, sys; print(json.load(sys.stdin)[0]["ifindex"])'
}

# reach FROM ADDR / no_reach FROM ADDR: ping from a lab namespace
reach() { check "$1 reaches $2" ip netns exec "$1" ping -c1 -W2 -q "$2"; }
no_reach() { check_fail "$1 does not reach $2" ip netns exec "$1" ping -c1 -W1 -q "$2"; }

# status_clean FILE DESC
status_clean() {
	out=$("$NSTOPO" status "$1" 2>&1)
	check_eq "$2: status exits 0" 0 $?
	check_match "$2: status: as planned" \
		'as planned: [0-9]+ ok, 0 missing, 0 different, 0 extra' "$out"
}

# -- macvlan on a parent the lab makes ------------------------------------
# sw is the far end of p's veth up0 (the "switch" outside); a and b sit on
# up0 in bridge mode, c and d in private mode, e in vepa mode.
lab=$WORK/macvlan.yaml
cat > "$lab" <<'EOF'
name: macvlan
nodes:
  sw: {interfaces: {eth0: {addresses: [10.60.0.254/24]}}}
  p: {}
  a: {interfaces: {mv0: {addresses: [10.60.0.1/24]}}}
  b: {interfaces: {mv0: {addresses: [10.60.0.2/24]}}}
  c: {interfaces: {mv0: {addresses: [10.60.0.3/24]}}}
  d: {interfaces: {mv0: {addresses: [10.60.0.4/24]}}}
  e: {interfaces: {mv0: {addresses: [10.60.0.5/24]}}}
links:
  - [sw:eth0, p:up0]
  - {kind: macvlan, endpoint: a:mv0, parent: p:up0, mode: bridge}
  - {kind: macvlan, endpoint: b:mv0, parent: p:up0}
  - {kind: macvlan, endpoint: c:mv0, parent: p:up0, mode: private}
  - {kind: macvlan, endpoint: d:mv0, parent: p:up0, mode: private}
  - {kind: macvlan, endpoint: e:mv0, parent: p:up0, mode: vepa}
EOF
"$NSTOPO" plan --json "$lab" > "$WORK/macvlan.json"
check "macvlan: apply" "$NSTOPO" apply "$lab"
check "macvlan: kernel state matches the plan" verify.py "$WORK/macvlan.json"
up0=p:$(ifindex p up0)
check_eq "macvlan: a's mv0 is a bridge-mode macvlan on p's up0" \
	"macvlan bridge - $up0" "$(link_desc a mv0)"
check_eq "macvlan: bridge mode is the default (b)" \
	"macvlan bridge - $up0" "$(link_desc b mv0)"
check_eq "macvlan: c's mv0 is a private-mode macvlan on p's up0" \
	"macvlan private - $up0" "$(link_desc c mv0)"
check_eq "macvlan: e's mv0 is a vepa-mode macvlan on p's up0" \
	"macvlan vepa - $up0" "$(link_desc e mv0)"
reach a 10.60.0.2
reach b 10.60.0.1
reach a 10.60.0.254
reach c 10.60.0.254
reach e 10.60.0.254
reach sw 10.60.0.4
no_reach c 10.60.0.4
no_reach a 10.60.0.3
no_reach e 10.60.0.1
status_clean "$lab" macvlan
check "macvlan: destroy" "$NSTOPO" destroy "$lab"
check "macvlan: nothing of the lab is left" verify.py --gone "$WORK/macvlan.json"
check_clean "macvlan: nothing left"

# -- macvlan on an interface the host has (made here, in the sandbox) ----
# hostnic0's other end, hostnic1, has the address the macvlan talks to.
ip link add hostnic0 type veth peer hostnic1
sysctl -qw net.ipv6.conf.hostnic0.accept_dad=0 net.ipv6.conf.hostnic1.accept_dad=0
ip link set hostnic0 up
ip addr add 10.61.0.1/24 dev hostnic1
ip link set hostnic1 up
iface_state hostnic0 > "$WORK/nic0"
host_snap "$WORK/h0"
lab=$WORK/macvlan-host.yaml
cat > "$lab" <<'EOF'
name: macvlan-host
nodes:
  h: {interfaces: {mvh: {addresses: [10.61.0.2/24]}}}
  v: {interfaces: {mvv: {addresses: [10.61.0.3/24]}}}
links:
  - {kind: macvlan, endpoint: h:mvh, parent: host:hostnic0, mode: bridge}
  - {kind: macvlan, endpoint: v:mvv, parent: host:hostnic0, mode: vepa}
EOF
"$NSTOPO" plan --json "$lab" > "$WORK/macvlan-host.json"
check "host parent: apply" "$NSTOPO" apply "$lab"
check "host parent: kernel state matches the plan" verify.py "$WORK/macvlan-host.json"
nic0=$(ip -j link show dev hostnic0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["ifindex"])')
hdesc=$(link_desc h mvh)
check_match "host parent: h's mvh is a bridge-mode macvlan on the host's hostnic0" \
	"^macvlan bridge - [^:]+:$nic0\$" "$hdesc"
check_match "host parent: v's mvv is a vepa-mode macvlan on the host's hostnic0" \
	"^macvlan vepa - [^:]+:$nic0\$" "$(link_desc v mvv)"
reach h 10.61.0.1
reach v 10.61.0.1
status_clean "$lab" "host parent"
check "host parent: destroy" "$NSTOPO" destroy "$lab"
check "host parent: nothing of the lab is left" verify.py --gone "$WORK/macvlan-host.json"
iface_state hostnic0 > "$WORK/nic1"
check "host parent: hostnic0 intact (link, addresses, routes)" \
	diff -u "$WORK/nic0" "$WORK/nic1"
host_snap "$WORK/h1"
check "host parent: the host as before" diff -u "$WORK/h0" "$WORK/h1"

# -- dummy, ipvlan, vlan: as this kernel allows ---------------------------
# (macvlan goes through the same steps first: on a kernel that has it, the
# branch taken for kinds the kernel has is exercised everywhere)
# has_kind KIND: can a link of KIND be made here (in the sandbox)?
ip link add probe-p type veth peer probe-q
has_kind() {
	case $1 in
	macvlan) ip link add probe-k link probe-p type macvlan mode private ;;
	dummy) ip link add probe-k type dummy ;;
	ipvlan) ip link add probe-k link probe-p type ipvlan mode l2 ;;
	vlan) ip link add probe-k link probe-p type vlan id 5 ;;
	esac > /dev/null 2>&1 || return 1
	ip link del probe-k
}

# kind_case KIND LINK_YAML WANT_DESC: a lab with one link of KIND in node
# n, on a parent in node p (a veth to sw)
kind_case() {
	kind=$1
	lab=$WORK/kind-$kind.yaml
	cat > "$lab" <<EOF
name: kind-$kind
nodes:
  sw: {}
  p: {}
  n: {interfaces: {k0: {addresses: [10.63.0.1/24]}}}
links:
  - [sw:eth0, p:up0]
  - $2
EOF
	"$NSTOPO" plan --json "$lab" > "$WORK/kind-$kind.json"
	if has_kind "$kind"; then
		echo "     this kernel has '$kind' links: the lab must come up"
		check "$kind: apply" "$NSTOPO" apply "$lab"
		check "$kind: kernel state matches the plan" verify.py "$WORK/kind-$kind.json"
		want=$(printf '%s' "$3" | sed "s/PARENT/p:$(ifindex p up0)/")
		check_eq "$kind: ip -d link shows kind, mode, id and parent" \
			"$want" "$(link_desc n k0)"
		status_clean "$lab" "$kind"
		check "$kind: destroy" "$NSTOPO" destroy "$lab"
	else
		echo "     this kernel has no '$kind' links: the apply must fail cleanly"
		out=$("$NSTOPO" apply "$lab" 2>&1)
		check_eq "$kind: apply exits 1" 1 $?
		check_match "$kind: the message says the kernel lacks the link type" \
			"this kernel has no '$kind' link type" "$out"
		check_match "$kind: the message names the step" \
			"step [0-9]+ of [0-9]+ failed: link add k0 .*type $kind" "$out"
		check_match "$kind: rolled back" "rolled back" "$out"
		check_fail "$kind: no lab state is left" test -e "/run/nstopo/kind-$kind"
	fi
	check "$kind: nothing of the lab is left" verify.py --gone "$WORK/kind-$kind.json"
	check_clean "$kind: nothing left"
}

# (the probe's veth and the test's hostnic pair are not the lab's)
ip link del hostnic0
host_objects | sort > "$WORK/labkit.base"
kind_case macvlan "{kind: macvlan, endpoint: n:k0, parent: p:up0, mode: private}" \
	"macvlan private - PARENT"
kind_case dummy "{kind: dummy, endpoint: n:k0}" "dummy - - -"
kind_case ipvlan "{kind: ipvlan, endpoint: n:k0, parent: p:up0, mode: l3}" \
	"ipvlan l3 - PARENT"
kind_case vlan "{kind: vlan, endpoint: n:k0, parent: p:up0, id: 10}" \
	"vlan - 10 PARENT"
ip link del probe-p
finish
