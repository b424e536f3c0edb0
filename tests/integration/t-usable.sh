# t-usable.sh - apply returns once the lab is usable (issue 15, item 1):
# the first packet of the first test gets through, IPv4 and IPv6, across
# a router; and apply succeeds however busy the kernel is.
. "$TOP/tests/integration/lib.sh"

LAB=$TOP/topologies/router.yaml
snapshot "$WORK/before"

# 50 applies, each followed at once by one ping of each family, 1 s
# timeout, from h1 across r1 to h3 (another bridge, another subnet).
ok4=0 ok6=0 applied=0 i=0
while [ $i -lt 50 ]; do
	if "$NSTOPO" apply -q "$LAB"; then
		applied=$((applied + 1))
		ip netns exec h1 ping -c1 -W1 10.2.0.11 >/dev/null 2>&1 &&
			ok4=$((ok4 + 1))
		ip netns exec h1 ping -6 -c1 -W1 fd00:0:0:b::11 >/dev/null 2>&1 &&
			ok6=$((ok6 + 1))
	fi
	"$NSTOPO" destroy -q "$LAB" || break
	i=$((i + 1))
done
check_eq "50 applies of the router lab" 50 "$applied"
check_eq "the first IPv4 ping across the router: 50 of 50" 50 "$ok4"
check_eq "the first IPv6 ping across the router: 50 of 50" 50 "$ok6"

# --no-wait returns at the last acknowledgement: still a working lab a
# moment later.
check "apply --no-wait" "$NSTOPO" apply -q --no-wait "$LAB"
check "...usable a moment later (ping -6 -w 5)" \
	ip netns exec h1 ping -6 -c1 -w5 fd00:0:0:b::11
check "...destroy" "$NSTOPO" destroy -q "$LAB"
check_fail "--wait and --no-wait together are refused" \
	"$NSTOPO" apply --wait=5 --no-wait "$LAB"

# Another sandbox's 2,000 namespaces, freed all at once when it ends: the
# kernel's cleanup_net work holds it busy (and takes RTNL) while 20
# applies of the router lab (IPv6 default routes via on-link gateways)
# run.  Each must succeed and be usable.
sh "$TOP/bench/gen-big.sh" 2000 2 burst > "$WORK/burst.yaml"
unshare --net --mount --propagation private sh -c '
	mount -t tmpfs burst /run && "$1" apply -q --no-wait -' \
	- "$NSTOPO" <"$WORK/burst.yaml"
check_eq "another sandbox made 2,000 namespaces (and is gone)" 0 $?
slab() { awk '$1 == "net_namespace" { print $2 }' /proc/slabinfo; }
left_before=$(slab)
good=0 used=0 i=0
while [ $i -lt 20 ]; do
	if out=$("$NSTOPO" apply -q "$LAB" 2>&1); then
		good=$((good + 1))
		ip netns exec h1 ping -6 -c1 -W1 fd00:0:0:b::11 >/dev/null 2>&1 &&
			used=$((used + 1))
	else
		printf '%s\n' "$out" | sed 's/^/     | /'
	fi
	"$NSTOPO" destroy -q "$LAB" || break
	i=$((i + 1))
done
echo "     (net_namespace objects when the applies began: $left_before; after: $(slab))"
check_eq "20 applies while the kernel frees 2,000 namespaces: 20 of 20" 20 "$good"
check_eq "...each usable at once over IPv6: 20 of 20" 20 "$used"

# An IPv6 address on lo (or any interface without neighbour discovery)
# joins no solicited-node group: apply does not wait for one (it would
# wait its whole limit, then warn).
cat > "$WORK/lo6.yaml" <<'EOF2'
name: lo6
nodes:
  a:
    interfaces:
      lo: {addresses: ["fd99::2/128"]}
      eth0: {addresses: ["fd00::1/64"]}
  b:
    interfaces:
      eth0: {addresses: ["fd00::2/64"]}
links:
  - [a:eth0, b:eth0]
EOF2
out=$("$NSTOPO" apply "$WORK/lo6.yaml" 2>&1)
check_eq "IPv6 on lo: apply exits 0" 0 $?
check_eq "IPv6 on lo: no warning" "" "$(printf '%s\n' "$out" | grep warning)"
check "IPv6 on lo: status as planned" "$NSTOPO" status -q "$WORK/lo6.yaml"
check "IPv6 on lo: destroy" "$NSTOPO" destroy -q "$WORK/lo6.yaml"

# Nodes whose IPv6 prefix route the kernel lost (addrconf makes it when
# the link comes up, with an atomic allocation that may fail under a
# burst of links; here it is deleted by hand).  In h, a route via a
# gateway on that subnet gives the node's own address again, which makes
# the kernel restore the prefix route, instead of waiting 30 s and
# failing; r has no route: the wait for a usable lab finds it without
# its prefix route and gives its address again.
cat > "$WORK/lost.yaml" <<'EOF2'
name: lost
nodes:
  r:
    interfaces:
      eth0: {addresses: ["fd77::1/64", 10.77.0.1/24]}
  h:
    interfaces:
      eth0: {addresses: ["fd77::2/64", 10.77.0.2/24]}
links:
  - [r:eth0, h:eth0]
EOF2
sed 's/^links:/    routes:\n      - {to: "fd78::\/64", via: "fd77::1"}\nlinks:/' \
	"$WORK/lost.yaml" > "$WORK/lost2.yaml"
check "lost prefix route: apply" "$NSTOPO" apply -q "$WORK/lost.yaml"
check "...the prefix routes deleted by hand" \
	sh -c 'ip -n h -6 route del fd77::/64 dev eth0 &&
		ip -n r -6 route del fd77::/64 dev eth0'
check_eq "...h has no route to fd77::1" "" \
	"$(ip -n h -6 route get fd77::1 2>/dev/null | grep -w eth0)"
start=$(date +%s)
out=$("$NSTOPO" apply -q "$WORK/lost2.yaml" 2>&1)
check_eq "...an edit adding a route via fd77::1 succeeds" 0 $?
printf '%s\n' "$out" | grep . | sed 's/^/     | /'
echo "     (the edit took $(($(date +%s) - start)) s)"
check "...the prefix route is back in h" \
	sh -c 'ip -n h -6 route show fd77::/64 | grep -q "dev eth0 proto kernel"'
check "...and in r" \
	sh -c 'ip -n r -6 route show fd77::/64 | grep -q "dev eth0 proto kernel"'
check "...and the new route is in" \
	sh -c 'ip -n h -6 route show fd78::/64 | grep -q "via fd77::1"'
check "...status as planned" "$NSTOPO" status -q "$WORK/lost2.yaml"
check "...the address is as it was (permanent, not tentative)" \
	sh -c 'ip -n h -o -6 addr show dev eth0 | grep "fd77::2/64" | grep -v tentative | grep -q "valid_lft forever"'
check "...ping across" ip netns exec h ping -6 -c1 -W1 fd77::1
check "...destroy" "$NSTOPO" destroy -q "$WORK/lost2.yaml"

snapshot "$WORK/after"
check "the sandbox is as it was" diff "$WORK/before" "$WORK/after"
finish
