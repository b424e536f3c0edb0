# t-status.sh - status compares the live kernel with what the lab's
# journal made: a clean lab is "as planned" (exit 0); every kind of change
# made by hand is found and named, in the text and in the JSON (exit 3);
# a lab that is not up is exit 4; a file edited since apply is noted.
# Living with daemons: routes of other protocols (bird, router
# advertisements, ip route by hand) are foreign, listed with -v and never
# drift; the kernel's routes of the lab's addresses are checked; a link
# flap keeps IPv6 addresses (keep_addr_on_down, which the file can turn
# off); an end whose peer is down has no carrier.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"

# A copy of the spec's lab, so that it can be edited.
spec=$WORK/spec.yaml
cp tests/integration/labs/spec-example.yaml "$spec"

# st ARGS...: run status; its output in $out, its exit status in $rc
st() {
	out=$("$NSTOPO" status "$@" 2>&1)
	rc=$?
}

# jrow JSON NODE OBJECT STATE [DETAIL]: the status JSON is well-formed,
# its counts match its objects, and it has that row
cat > "$WORK/jrow.py" <<'EOF'
import json, sys
d = json.loads(sys.argv[1])
node, obj, state = sys.argv[2:5]
detail = sys.argv[5] if len(sys.argv) > 5 else None
counts = {}
for o in d["objects"]:
    counts[o["state"]] = counts.get(o["state"], 0) + 1
for s in ("ok", "missing", "different", "extra", "foreign"):
    if d["counts"][s] != counts.get(s, 0):
        sys.exit("counts[%s] is %d, but %d objects are %s"
                 % (s, d["counts"][s], counts.get(s, 0), s))
if d["drift"] != any(counts.get(s) for s in ("missing", "different", "extra")):
    sys.exit("drift is %s for %s" % (d["drift"], counts))
for o in d["objects"]:
    if (o["node"], o["object"], o["state"]) == (node, obj, state) and \
       (detail is None or o.get("detail") == detail):
        sys.exit(0)
sys.exit("no object %r" % ([node, obj, state, detail],))
EOF
jrow() {
	python3 "$WORK/jrow.py" "$@"
}

# row NODE OBJECT STATE [DETAIL]: the regex of a line of the text table
row() {
	re=$(printf '%s' "$2" | sed 's/[.]/\\./g')
	printf '^%s +%s +%s +%s *$' "$1" "$re" "$3" "${4:-}"
}

snapshot "$WORK/before"

# A clean lab.
check "apply" "$NSTOPO" apply "$spec"
st "$spec"
check_eq "clean: exit 0" 0 "$rc"
check_match "clean: as planned, nothing missing, different or extra" \
	'^lab lab1: as planned: [0-9]+ ok, 0 missing, 0 different, 0 extra$' "$out"
check_eq "clean: no table, only the summary" 1 "$(printf '%s\n' "$out" | wc -l)"
ok_n=$(printf '%s\n' "$out" | sed -n 's/.*as planned: \([0-9]*\) ok.*/\1/p')
st
check_eq "clean: without FILE or --lab, the only lab" 0 "$rc"
st -v --lab lab1
check_eq "clean -v: exit 0" 0 "$rc"
check_eq "clean -v: every object listed, all ok" "$ok_n" \
	"$(printf '%s\n' "$out" | grep -Ec '^[^ ]+ +[^ ]+ .* ok +$')"
check_match "clean -v: a row per kind of object" \
	"$(row router 'netns router' ok)" "$out"
for r in "host:link br-lab" "host:addr 10.0.2.254/24 dev br-lab" \
	"h1:route default via 10.0.1.1" \
	"router:sysctl net.ipv4.ip_forward" "router:link eth1"; do
	check_match "clean -v: ${r%%:*} ${r#*:} ok" "$(row "${r%%:*}" "${r#*:}" ok)" "$out"
done
st --json "$spec"
json=$out
check_eq "clean --json: exit 0" 0 "$rc"
check "clean --json: no drift, counts match objects" jrow "$json" h1 \
	"addr fd00:1::2/64 dev eth0" ok
check_match "clean --json: counts" \
	"\"drift\":false,\"counts\":\\{\"ok\":$ok_n,\"missing\":0,\"different\":0,\"extra\":0,\"foreign\":0\\}" \
	"$json"
check "destroy" "$NSTOPO" destroy "$spec"

# drift DESC NODE OBJECT STATE DETAIL CMD...: on a fresh lab, CMD changes
# something by hand; status must say DRIFT (exit 3) and show the row, in
# the text and in the JSON; then the lab is destroyed.
drift() {
	desc=$1 node=$2 obj=$3 state=$4 detail=$5
	shift 5
	if ! "$NSTOPO" apply -q "$spec"; then
		bad "$desc: apply"
		return
	fi
	check "$desc: made by hand" "$@"
	st "$spec"
	check_eq "$desc: exit 3" 3 "$rc"
	check_match "$desc: named: $node $obj $state${detail:+ ($detail)}" \
		"$(row "$node" "$obj" "$state" "$detail")" "$out"
	check_match "$desc: summary says DRIFT" \
		'^lab lab1: DRIFT: [0-9]+ ok, [0-9]+ missing, [0-9]+ different, [0-9]+ extra$' \
		"$out"
	check_eq "$desc: no ok rows without -v" "" \
		"$(printf '%s\n' "$out" | grep -E ' ok +$')"
	st --json --lab lab1
	json=$out
	check_eq "$desc: --json exit 3" 3 "$rc"
	check "$desc: --json has the object" jrow "$json" "$node" "$obj" \
		"$state" ${detail:+"$detail"}
	check_match "$desc: --json drift true" '"drift":true' "$json"
	"$NSTOPO" destroy -q --lab lab1
	check_eq "$desc: destroy" 0 $?
	check_clean "$desc: nothing left"
}

drift "address removed" h1 "addr 10.0.1.2/24 dev eth0" missing "" \
	ip -n h1 addr del 10.0.1.2/24 dev eth0
drift "IPv6 address removed" router "addr fd00:1::1/64 dev eth0" missing "" \
	ip -n router addr del fd00:1::1/64 dev eth0
drift "mtu changed" router "link eth1" different "mtu 1500, want 9000" \
	ip -n router link set eth1 mtu 1500
drift "mac changed" router "link eth1" different \
	"mac 02:00:00:00:02:99, want 02:00:00:00:02:01" \
	ip -n router link set eth1 address 02:00:00:00:02:99
drift "link down" h2 "link eth0" different "down, want up" \
	ip -n h2 link set eth0 down
drift "bridge down" host "link br-lab" different "down, want up" \
	ip link set br-lab down
drift "master removed" host "link rtr" different "master none, want br-lab" \
	ip link set rtr nomaster
drift "host link deleted" host "link rtr" missing "" ip link del rtr
drift "route removed" h2 "route 198.51.100.0/24" missing "" \
	ip -n h2 route del blackhole 198.51.100.0/24
drift "IPv6 route removed" h1 "route ::/0 via fd00:1::1" missing "" \
	ip -n h1 -6 route del default via fd00:1::1
# Routes of nstopo's protocol (110) that the journal does not have.
drift "extra route" h1 "route 10.77.0.0/16 via 10.0.1.1 dev eth0" extra "" \
	ip -n h1 route add 10.77.0.0/16 via 10.0.1.1 proto 110
drift "extra route in another table" h2 "route 10.78.0.0/16 table 100" extra "" \
	ip -n h2 route add blackhole 10.78.0.0/16 table 100 proto 110
drift "route replaced by another protocol's" h2 "route 198.51.100.0/24" \
	different "proto bird, want nstopo" \
	ip -n h2 route replace blackhole 198.51.100.0/24 proto bird
drift "the kernel's connected route removed" router \
	"route 10.0.1.0/24 dev eth0 proto kernel" missing "" \
	ip -n router route del 10.0.1.0/24 dev eth0
drift "the kernel's local route of an address removed" h1 \
	"route local fd00:1::2 dev eth0 table local proto kernel" missing "" \
	ip -n h1 -6 route del local fd00:1::2 dev eth0 table local
drift "peer down: no carrier on the far end" router "link eth0" different \
	"no carrier" ip -n h1 link set eth0 down
drift "extra address" h2 "addr 10.9.9.9/24 dev eth0" extra "" \
	ip -n h2 addr add 10.9.9.9/24 dev eth0
drift "extra link (veth pair), one end" proxy "link vx0" extra "" \
	ip -n proxy link add vx0 type veth peer name vx1
drift "extra link (bridge)" h1 "link brx" extra "" \
	ip -n h1 link add brx type bridge
drift "sysctl changed" router "sysctl net.ipv4.ip_forward" different "0, want 1" \
	ip netns exec router sysctl -qw net.ipv4.ip_forward=0
drift "host sysctl changed" host "sysctl net.ipv6.conf.rtr.disable_ipv6" \
	different "0, want 1" sysctl -qw net.ipv6.conf.rtr.disable_ipv6=0
drift "namespace deleted by hand" proxy "netns proxy" missing "" \
	ip netns del proxy

# Both ends of the extra veth pair are named.
"$NSTOPO" apply -q "$spec"
ip -n proxy link add vx0 type veth peer name vx1
st "$spec"
check_match "extra veth pair: the other end too" "$(row proxy 'link vx1' extra)" "$out"
# A deleted namespace takes the host end of its link with it (once the
# kernel has cleaned the namespace up, which it does in the background).
ip netns del proxy
i=0
while ip link show proxy-eth0 >/dev/null 2>&1 && [ "$i" -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
st "$spec"
check_match "namespace deleted: its host link is missing" \
	"$(row host 'link proxy-eth0' missing)" "$out"
check_match "namespace deleted: the summary counts it" \
	'DRIFT: [0-9]+ ok, [1-9][0-9]* missing' "$out"
"$NSTOPO" destroy -q --lab lab1
check_clean "after namespace deletion: nothing left"

# Foreign routes: a routing daemon's (bird), a router advertisement's, one
# added by hand (proto boot) -- listed with -v, counted apart, never drift.
"$NSTOPO" apply -q "$spec"
ip -n h1 route add 10.77.0.0/16 via 10.0.1.1 proto bird
ip -n h1 route add 10.79.0.0/16 via 10.0.1.1 proto 12
ip -n h2 route add 10.78.0.0/16 via 10.0.2.1
ip -n h1 -6 route add fd00:77::/64 via fd00:1::1 proto ra
st "$spec"
check_eq "foreign routes: exit 0" 0 "$rc"
check_match "foreign routes: as planned, counted apart" \
	'^lab lab1: as planned: [0-9]+ ok, 0 missing, 0 different, 0 extra, 4 foreign routes$' "$out"
check_eq "foreign routes: not in the table without -v" 1 \
	"$(printf '%s\n' "$out" | wc -l)"
st -v "$spec"
check_eq "foreign routes -v: exit 0" 0 "$rc"
check_match "foreign routes -v: bird's, named with its protocol" \
	"$(row h1 'route 10.77.0.0/16 via 10.0.1.1 dev eth0 proto bird' foreign)" "$out"
check_match "foreign routes -v: proto 12 is bird's" \
	"$(row h1 'route 10.79.0.0/16 via 10.0.1.1 dev eth0 proto bird' foreign)" "$out"
check_match "foreign routes -v: one added by hand" \
	"$(row h2 'route 10.78.0.0/16 via 10.0.2.1 dev eth0 proto boot' foreign)" "$out"
check_match "foreign routes -v: a router advertisement's" \
	"$(row h1 'route fd00:77::/64 via fd00:1::1 dev eth0 proto ra' foreign)" "$out"
check_match "foreign routes -v: the kernel's routes of the lab's addresses are checked" \
	"$(row h1 'route 10.0.1.0/24 dev eth0 proto kernel' ok)" "$out"
check_match "foreign routes -v: ...the local ones too" \
	"$(row router 'route local fd00:1::1 dev eth0 table local proto kernel' ok)" "$out"
st --json "$spec"
json=$out
check_eq "foreign routes --json: exit 0" 0 "$rc"
check "foreign routes --json: the row, no drift" jrow "$json" h1 \
	"route 10.77.0.0/16 via 10.0.1.1 dev eth0 proto bird" foreign
check_match "foreign routes --json: counted" '"drift":false,.*"foreign":4\}' "$json"
# An unplanned route of nstopo's protocol next to them is drift.
ip -n h1 route add 10.76.0.0/16 via 10.0.1.1 proto 110
st "$spec"
check_eq "foreign routes and an extra one of nstopo's: exit 3" 3 "$rc"
check_match "... the extra one is named" \
	"$(row h1 'route 10.76.0.0/16 via 10.0.1.1 dev eth0' extra)" "$out"
"$NSTOPO" destroy -q --lab lab1
check_clean "foreign routes: nothing left"

# A link flap keeps the interface's IPv6 addresses (keep_addr_on_down in
# every node), and the kernel puts its routes back: status stays clean.
"$NSTOPO" apply -q "$spec"
check_eq "keep_addr_on_down is on in the nodes" "1 1" \
	"$(ip netns exec router sysctl -n net.ipv6.conf.all.keep_addr_on_down net.ipv6.conf.default.keep_addr_on_down | tr '\n' ' ' | sed 's/ $//')"
ip -n router link set eth0 down
ip -n router link set eth0 up
check_match "link flap: the IPv6 address is still there" 'inet6 fd00:1::1/64' \
	"$(ip -n router -6 addr show dev eth0)"
st "$spec"
check_eq "link flap: status exit 0" 0 "$rc"
check_match "link flap: as planned" '^lab lab1: as planned: [0-9]+ ok, 0 missing, 0 different, 0 extra$' "$out"
check "link flap: IPv6 across it" ip netns exec h1 ping -6 -c1 -W2 -q fd00:1::1
"$NSTOPO" destroy -q --lab lab1
# ...unless the file says otherwise: then the flap loses it, and status
# says so.
nokeep=$WORK/nokeep.yaml
sed 's/^      net.ipv4.ip_forward: 1$/      net.ipv4.ip_forward: 1\n      net.ipv6.conf.all.keep_addr_on_down: 0\n      net.ipv6.conf.default.keep_addr_on_down: 0/' \
	"$spec" > "$nokeep"
"$NSTOPO" apply -q "$nokeep"
check_eq "keep_addr_on_down: 0 in the file: written" "0" \
	"$(ip netns exec router sysctl -n net.ipv6.conf.eth0.keep_addr_on_down)"
ip -n router link set eth0 down
ip -n router link set eth0 up
st "$nokeep"
check_eq "keep_addr_on_down: 0: a flap is drift" 3 "$rc"
check_match "keep_addr_on_down: 0: the IPv6 address is missing" \
	"$(row router 'addr fd00:1::1/64 dev eth0' missing)" "$out"
check_match "keep_addr_on_down: 0: IPv4 survives as ever" \
	"$(row router 'addr 10.0.1.1/24 dev eth0' ok)" "$(st -v "$nokeep"; printf '%s' "$out")"
"$NSTOPO" destroy -q --lab lab1
check_clean "link flap: nothing left"

# list: the labs that are up, their state, size and file.
out=$("$NSTOPO" list)
check_eq "list, nothing up" "no labs are up" "$out"
check_eq "list --json, nothing up" "[
]" "$("$NSTOPO" list --json)"
small=$WORK/small.yaml
printf 'name: small\nnamespace-prefix: sm-\nnodes:\n  a: {}\n  b: {}\nlinks:\n  - [a:e, b:e]\n' > "$small"
"$NSTOPO" apply -q "$spec"
"$NSTOPO" apply -q "$small"
out=$("$NSTOPO" list)
check_match "list: a header" '^LAB +STATE +NODES +LINKS +APPLIED +FILE$' "$out"
check_match "list: lab1 up, 4 nodes, 6 links, its file" \
	"^lab1 +up +4 +6 +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}  $spec\$" "$out"
check_match "list: small up" "^small +up +2 +1 +.*  $small\$" "$out"
check_match "list: ls is list" "^small +up" "$("$NSTOPO" ls)"
out=$("$NSTOPO" list --json)
check "list --json: one object per lab, as in the text" python3 -c '
import json, sys
d = {x["lab"]: x for x in json.loads(sys.argv[1])}
assert set(d) == {"lab1", "small"}, d
assert d["lab1"]["state"] == "up" and d["lab1"]["nodes"] == 4, d
assert d["lab1"]["links"] == 6 and d["lab1"]["file"] == sys.argv[2], d
assert d["small"]["nodes"] == 2 and d["small"]["links"] == 1, d
assert all(x["applied"] > 1500000000 for x in d.values()), d
' "$out" "$spec"
"$NSTOPO" list extra >/dev/null 2>&1
check_eq "list takes no argument: 2" 2 $?
"$NSTOPO" destroy -q "$small"
NSTOPO_FAULT_AT=5 "$NSTOPO" apply -q --keep "$small" 2>/dev/null
check_match "list: a lab left half-applied by --keep is partial" \
	"^small +partial " "$("$NSTOPO" list)"
"$NSTOPO" destroy -q --lab small
"$NSTOPO" destroy -q --lab lab1
check_clean "list: nothing left"

# Not up: exit 4, for a file, a lab name, and with nothing up at all.
st "$spec"
check_eq "not up (FILE): exit 4" 4 "$rc"
check_eq "not up (FILE): says so" "lab lab1 is not up" "$out"
st --lab nosuch
check_eq "not up (--lab): exit 4" 4 "$rc"
check_eq "not up (--lab): says so" "lab nosuch is not up" "$out"
st --json --lab lab1
check_eq "not up --json: exit 4" 4 "$rc"
check_eq "not up --json: up false" '{"lab":"lab1","up":false}' "$out"
st
check_eq "nothing up, no argument: exit 4" 4 "$rc"
check_match "nothing up, no argument: says so" "no lab is up" "$out"

# Half applied (--keep after a failure): drift, and said so.
NSTOPO_FAULT_AT=20 "$NSTOPO" apply -q --keep "$spec" 2>/dev/null
st "$spec"
check_eq "partly applied: exit 3" 3 "$rc"
check_match "partly applied: said so" "lab lab1 is only partly applied" "$out"
st --json "$spec"
check_match "partly applied --json: complete false" '"complete":false' "$out"
"$NSTOPO" destroy -q --lab lab1

# The file changed since apply: noted, and the kernel still as planned.
check "apply (to edit the file)" "$NSTOPO" apply "$spec"
st --json "$spec"
check_eq "unchanged file: no file_changed" "" \
	"$(printf '%s' "$out" | grep -o file_changed)"
sed -i 's#10.0.2.3/24#10.0.2.4/24#' "$spec"
# status FILE compares the kernel with the file as it is now: the edit
# shows as what applying it would change.
st "$spec"
check_eq "file edited: exit 3 (the kernel is not what the file says)" 3 "$rc"
check_match "file edited: noted" \
	"^note: the lab was applied from $spec, and the file given differs" "$out"
check_match "file edited: the new address missing" \
	'proxy +addr 10.0.2.4/24 dev eth0 +missing' "$out"
check_match "file edited: the old one extra" \
	'proxy +addr 10.0.2.3/24 dev eth0 +extra' "$out"
st --json "$spec"
check_match "file edited --json: file_changed" '"file_changed":true' "$out"
st --lab lab1
check_eq "--lab: as applied (exit 0)" 0 "$rc"
check_match "--lab: as planned" '^lab lab1: as planned:' "$out"
check_eq "--lab: no file to compare, no note" "" \
	"$(printf '%s\n' "$out" | grep note)"
# Found by its recorded path even when its name: changed.
sed -i 's/^name: lab1 /name: other /' "$spec"
st "$spec"
check_match "file renamed its lab: still found, noted" \
	"^note: the lab was applied from $spec, and the file given differs" "$out"
check_match "file renamed its lab: the lab is lab1" '^lab lab1: ' "$out"
# Changed and drifted: both said, exit 3.
ip -n h2 addr add 10.9.9.9/24 dev eth0
st "$spec"
check_eq "file edited and drift: exit 3" 3 "$rc"
check_match "file edited and drift: noted" "^note: the lab was applied from $spec" "$out"
check_match "file edited and drift: the drift named" 'h2 +addr 10.9.9.9/24 dev eth0 +extra' "$out"
"$NSTOPO" destroy -q --lab lab1
check_clean "end: nothing left"
# Two interfaces of a node with addresses on one subnet (a bridge and its
# port; a macvlan and its parent): each has its own connected route, and
# the two differ only in their device.  Both are seen.
cat > "$WORK/samenet.yaml" <<'EOF'
version: 1
name: samenet
nodes:
  a:
    interfaces:
      br0: {addresses: [10.0.0.34/24]}
      eth0: {addresses: [10.0.0.224/24]}
      eth1: {addresses: ["fd00::2/64"]}
      mv0: {addresses: ["fd00::3/64"]}
  b:
    interfaces:
      eth0: {addresses: [10.0.0.1/24]}
      eth1: {addresses: ["fd00::1/64"]}
bridges:
  br0: {node: a, ports: [eth0]}
links:
  - ["a:eth0", "b:eth0"]
  - ["a:eth1", "b:eth1"]
  - {kind: macvlan, endpoint: "a:mv0", parent: "a:eth1", mode: private}
EOF
check "same subnet twice: apply" "$NSTOPO" apply -q "$WORK/samenet.yaml"
st "$WORK/samenet.yaml"
check_eq "same subnet twice: exit 0" 0 "$rc"
st -v "$WORK/samenet.yaml"
check_match "same subnet twice: the bridge's connected route" \
	"$(row a 'route 10.0.0.0/24 dev br0 proto kernel' ok)" "$out"
check_match "same subnet twice: its port's" \
	"$(row a 'route 10.0.0.0/24 dev eth0 proto kernel' ok)" "$out"
check_match "same subnet twice: the macvlan's, next to its parent's" \
	"$(row a 'route fd00::/64 dev mv0 proto kernel' ok)" "$out"
ip -n a route del 10.0.0.0/24 dev eth0
st "$WORK/samenet.yaml"
check_eq "same subnet twice: one deleted: exit 3" 3 "$rc"
check_match "same subnet twice: the one deleted is missing" \
	"$(row a 'route 10.0.0.0/24 dev eth0 proto kernel' missing)" "$out"
"$NSTOPO" destroy -q "$WORK/samenet.yaml"
check_clean "same subnet twice: nothing left"

snapshot "$WORK/after"
check "end: host state as before" diff -u "$WORK/before" "$WORK/after"
finish
