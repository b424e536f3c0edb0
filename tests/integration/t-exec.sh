# t-exec.sh - nstopo exec: the command runs in the node's network
# namespace (with /sys and /etc/netns/NS as ip netns exec sets them up),
# in place (its exit status is the command's), with 127/126/125 for what
# a shell would call not found / not runnable / nstopo's own failure;
# --drop-caps and --user.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"

lab=$WORK/exlab.yaml
cat > "$lab" <<'EOF'
name: ex
namespace-prefix: ex-
nodes:
  h1:
    interfaces:
      eth0: {addresses: [10.0.0.1/24, "fd00::1/64"]}
  h2:
    interfaces:
      eth0: {addresses: [10.0.0.2/24, "fd00::2/64"]}
      eth1: {addresses: [10.0.1.2/24]}
  r: {}
links:
  - [h1:eth0, h2:eth0]
  - [h2:eth1, r:eth0]
EOF

# ex ARGS...: nstopo exec; its output in $out, its exit status in $rc
ex() {
	out=$("$NSTOPO" exec "$@" 2>&1)
	rc=$?
}

# cap_bits NAME TEXT: the hex value of line NAME: of /proc/self/status
cap_bits() {
	printf '%s\n' "$2" | sed -n "s/^$1:[[:space:]]*//p"
}

snapshot "$WORK/before"
check "apply" "$NSTOPO" apply "$lab"

# The right namespace.
ex h1 -- ip -br addr show dev eth0
check_eq "ip -br addr: exit 0" 0 "$rc"
check_match "ip -br addr: the node's addresses" \
	'^eth0@[^ ]+ +UP +10\.0\.0\.1/24 fd00::1/64 ' "$out"
ex h2 -- ip -br -4 addr show
check_match "h2: its own addresses" '^eth1@[^ ]+ +UP +10\.0\.1\.2/24' "$out"
host_ns=$(readlink /proc/self/ns/net)
ex h1 -- readlink /proc/self/ns/net
node_ns=$out
check_match "namespace: a net namespace" '^net:\[[0-9]+\]$' "$node_ns"
check_fail "namespace: not the host's" test "$node_ns" = "$host_ns"
check_eq "namespace: the pin's (stat -L /run/netns/ex-h1)" \
	"net:[$(stat -L -c %i /run/netns/ex-h1)]" "$node_ns"
ex h2 -- readlink /proc/self/ns/net
check_eq "namespace: h2 is ex-h2" \
	"net:[$(stat -L -c %i /run/netns/ex-h2)]" "$out"
# (-w5: a ping a second for up to 5 s.  Under a load of namespaces being
# made and destroyed elsewhere, the kernel's ipv6_addrconf work that joins
# an address's solicited-node group can lag by seconds, so the first
# neighbour solicitation may go unanswered; see t-topo-exec.sh.)
check "ping from h1 to h2 works" "$NSTOPO" exec h1 -- ping -c1 -w5 10.0.0.2
check "IPv6 ping from h1 to h2 works" "$NSTOPO" exec h1 -- ping -c1 -w5 fd00::2

# sysfs shows the node's devices.
ex h2 -- ls /sys/class/net
check_eq "/sys/class/net in h2: its devices" "eth0 eth1 lo" "$(echo $out)"
ex r -- ls /sys/class/net
check_eq "/sys/class/net in r: its devices" "eth0 lo" "$(echo $out)"
ex h2 -- cat /sys/class/net/eth1/address
check_eq "/sys: attributes of the node's device" \
	"$(ip -n ex-h2 -o link show eth1 | sed 's/.*link\/ether \([^ ]*\).*/\1/')" "$out"

# /etc/netns/NS/* is bound over /etc/* as ip netns exec does.  /etc is
# the real one, even in the sandbox: write only to a tmpfs mounted over
# /etc/netns in the sandbox's own mount namespace (or, where the
# directory does not exist, to an overlay on /etc whose upper layer is in
# the sandbox's /run).
etc_private() {
	[ "${NSTOPO_IN_SANDBOX:-}" = 1 ] || return 1
	if [ -d /etc/netns ]; then
		etc_mp=/etc/netns
		mount -t tmpfs -o mode=0755 nstopo-test /etc/netns || return 1
	else
		etc_mp=/etc
		mkdir -p "$WORK/etc-up" "$WORK/etc-work" &&
			mount -t overlay nstopo-test -o \
				"lowerdir=/etc,upperdir=$WORK/etc-up,workdir=$WORK/etc-work" \
				/etc || return 1
	fi
	# Go on only if the last mount on that point is this one.
	[ "$(awk -v mp="$etc_mp" '$5 == mp { src = $(NF - 1) } END { print src }' \
		/proc/self/mountinfo)" = nstopo-test ]
}
hosts_before=$(cat /etc/hosts)
if etc_private; then
	mkdir -p /etc/netns/ex-h1
	printf '192.0.2.77 only-in-h1\n' > /etc/netns/ex-h1/hosts
	ex h1 -- cat /etc/hosts
	check_eq "/etc/netns/ex-h1/hosts is /etc/hosts in h1" \
		"192.0.2.77 only-in-h1" "$out"
	ex h1 -- getent hosts only-in-h1
	check_match "... and the resolver uses it" '^192\.0\.2\.77 +only-in-h1$' "$out"
	ex h2 -- cat /etc/hosts
	check_eq "h2 (no /etc/netns/ex-h2): the real /etc/hosts" \
		"$hosts_before" "$out"
	check_eq "outside exec, /etc/hosts is untouched" \
		"$hosts_before" "$(cat /etc/hosts)"
	check_eq "the bind mount stayed in exec's mount namespace" "" \
		"$(awk '$5 == "/etc/hosts"' /proc/self/mountinfo)"
	umount "$etc_mp"
else
	bad "cannot make /etc/netns private in the sandbox: /etc/netns not tested"
fi

# In place: the command's exit status, its parent, its environment.
ex h1 -- sh -c 'exit 7'
check_eq "exit 7 passes through" 7 "$rc"
ex h1 -- false
check_eq "exit 1 passes through" 1 "$rc"
rc=$( ("$NSTOPO" exec h1 -- sh -c 'kill -TERM $$'; echo $?) 2>/dev/null)
check_eq "killed by SIGTERM: 143, as from a shell" 143 "$rc"
ex h1 -- sh -c 'cat /proc/$PPID/comm'
check_eq "exec in place: the command's parent is the caller, not nstopo" \
	"$(cat /proc/$$/comm)" "$out"
ex h1 -- sh -c 'echo "$NSTOPO_LAB $NSTOPO_NODE"'
check_eq "NSTOPO_LAB and NSTOPO_NODE are set" "ex h1" "$out"
out=$(echo through | "$NSTOPO" exec h1 -- cat)
check_eq "stdin passes through" "through" "$out"
ex h1 -- echo --drop-caps=x -v
check_eq "words after -- are the command's" "--drop-caps=x -v" "$out"

# Failures: 127, 126, 125.
ex h1 -- /nonexistent/cmd
check_eq "missing command: 127" 127 "$rc"
check_match "missing command: says so" \
	'^nstopo exec: cannot run /nonexistent/cmd: No such file or directory$' "$out"
ex h1 -- no-such-command-anywhere
check_eq "command not in PATH: 127" 127 "$rc"
printf '#!/bin/sh\necho should not run\n' > "$WORK/noexec.sh"
chmod 0644 "$WORK/noexec.sh"
ex h1 -- "$WORK/noexec.sh"
check_eq "not executable: 126" 126 "$rc"
check_match "not executable: says so" 'Permission denied$' "$out"
ex nosuch -- true
check_eq "unknown node: 125" 125 "$rc"
check_eq "unknown node: says so" "nstopo: lab ex has no node nosuch" "$out"
ex --lab nolab h1 -- true
check_eq "lab not up: 125" 125 "$rc"
check_eq "lab not up: says so" "nstopo: lab nolab is not up" "$out"
ex ex-h1 -- true
check_eq "a node may also be named by its namespace" 0 "$rc"
ex h1
check_eq "no command: usage error 2" 2 "$rc"
ex h1 --user nosuchuser -- true
check_eq "unknown user: 125, not 127" 125 "$rc"
check_eq "unknown user: says so" "nstopo exec: no user 'nosuchuser'" "$out"
ex h1 --user 1x -- true
check_eq "a user that is not a name nor a number: 125" 125 "$rc"
ex h1 --user nobody:nosuchgroup -- true
check_eq "unknown group: 125" 125 "$rc"

# --drop-caps
base=$(cat /proc/self/status)
ex h1 --drop-caps net_raw,net_admin -- cat /proc/self/status
check_eq "--drop-caps net_raw,net_admin: exit 0" 0 "$rc"
for set in CapBnd CapEff CapPrm; do
	v=$(cap_bits "$set" "$out")
	b=$(cap_bits "$set" "$base")
	check_eq "--drop-caps: $set lacks bits 12 (net_admin) and 13 (net_raw)" \
		0 $((0x$v >> 12 & 3))
	check_eq "--drop-caps: $set keeps the others" \
		$((0x$b & ~(3 << 12))) $((0x$v))
done
check_eq "--drop-caps: CapAmb is 0" 0000000000000000 "$(cap_bits CapAmb "$out")"
check_eq "--drop-caps: NoNewPrivs: 1" 1 "$(cap_bits NoNewPrivs "$out")"
ex h1 --drop-caps net_raw,net_admin -- ip link set lo down
check_fail "--drop-caps net_admin: 'ip link set lo down' fails" test "$rc" = 0
ex h1 -- ip -br link show lo
check_match "... and lo is still up" 'UNKNOWN|UP' "$out"
ex h1 --drop-caps net_raw,net_admin -- ping -c1 -W2 10.0.0.2
check_fail "--drop-caps net_raw: ping fails" test "$rc" = 0
ex h1 --drop-caps NET_RAW -- ping -c1 -W2 10.0.0.2
check_fail "--drop-caps NET_RAW (upper case): ping fails" test "$rc" = 0
ex h1 -- ping -c1 -w5 10.0.0.2
check_eq "without --drop-caps: ping works" 0 "$rc"
ex h1 --drop-caps cap_net_admin -- ip link set lo mtu 65536
check_fail "--drop-caps cap_net_admin (cap_ prefix): link changes fail" \
	test "$rc" = 0
ex h1 --drop-caps all -- cat /proc/self/status
check_eq "--drop-caps all: CapBnd 0" 0000000000000000 "$(cap_bits CapBnd "$out")"
check_eq "--drop-caps all: CapEff 0" 0000000000000000 "$(cap_bits CapEff "$out")"
check_eq "--drop-caps all: CapPrm 0" 0000000000000000 "$(cap_bits CapPrm "$out")"
ex h1 --drop-caps net_raw,bogus -- echo ran
check_eq "unknown capability: 125" 125 "$rc"
check_eq "unknown capability: named, nothing run" \
	"nstopo exec: --drop-caps: unknown capability 'bogus'" "$out"
# A list that names nothing would drop nothing: refused, nothing run.
for caps in "" "," "net_raw," ",net_raw" "net_raw,,net_admin" "all,net_raw"; do
	ex h1 --drop-caps "$caps" -- echo ran
	check_eq "--drop-caps '$caps': 125" 125 "$rc"
	check_match "--drop-caps '$caps': says why, nothing run" \
		"^nstopo exec: --drop-caps: .*(empty|stands alone)" "$out"
done
ex --lab no-such-lab h1 --drop-caps "" -- echo ran
check_match "--drop-caps '': refused before the lab is looked up" \
	"^nstopo exec: --drop-caps: an empty list drops nothing" "$out"
ex --drop-caps net_admin h1 -- sh -c 'grep CapBnd /proc/self/status'
check_match "options before the node work too" 'CapBnd:[[:space:]]+[0-9a-f]*[0-9a-f]{3}' "$out"
check_eq "options before the node: bit 12 dropped" 0 \
	$((0x$(cap_bits CapBnd "$out") >> 12 & 1))

# --user
ex h1 --user nobody -- id -u
check_eq "--user nobody: uid 65534" 65534 "$out"
ex h1 --user nobody -- id -g
check_eq "--user nobody: its group" "$(id -g nobody)" "$out"
ex h1 --user 12345:54321 -- sh -c 'echo $(id -u) $(id -g) $(id -G)'
check_eq "--user UID:GID" "12345 54321 54321" "$out"
ex h1 --user nobody -- ip link set lo down
check_fail "--user nobody: no capabilities left" test "$rc" = 0
ex h1 --drop-caps all --user nobody -- sh -c 'id -u; grep CapBnd /proc/self/status'
check_eq "--drop-caps all --user nobody: exit 0" 0 "$rc"
check_match "--drop-caps all --user nobody: uid 65534" '^65534$' "$out"
check_match "--drop-caps all --user nobody: CapBnd 0" 'CapBnd:[[:space:]]+0000000000000000' "$out"
ex h1 --user nobody -- readlink /proc/self/ns/net
check_eq "--user nobody: still in the node" "$node_ns" "$out"

# Two labs up: which one is meant.
two=$WORK/two.yaml
sed -e 's/^name: ex/name: ex2/' -e 's/^namespace-prefix: ex-/namespace-prefix: ey-/' \
	"$lab" > "$two"
check "apply a second lab" "$NSTOPO" apply "$two"
ex h1 -- true
check_eq "two labs, no --lab: 125" 125 "$rc"
check_match "two labs, no --lab: says so" "2 labs are up: say which with --lab" "$out"
ex --lab ex2 h1 -- readlink /proc/self/ns/net
check_eq "--lab ex2 h1 is ey-h1" "net:[$(stat -L -c %i /run/netns/ey-h1)]" "$out"
out=$(NSTOPO_LAB=ex2 "$NSTOPO" exec h1 -- sh -c 'echo $NSTOPO_LAB; readlink /proc/self/ns/net')
check_eq "NSTOPO_LAB picks the lab" \
	"ex2 net:[$(stat -L -c %i /run/netns/ey-h1)]" "$(echo $out)"
check "destroy the second lab" "$NSTOPO" destroy "$two"

check "destroy" "$NSTOPO" destroy "$lab"
check_clean "nothing left"
snapshot "$WORK/after"
check "host state as before" diff -u "$WORK/before" "$WORK/after"
finish
