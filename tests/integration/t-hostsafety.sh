# t-hostsafety.sh - the host's network is not the lab's: what destroy
# removes it proves to be the lab's (marks the kernel keeps), a journal
# that was damaged or forged is not obeyed, /run/nstopo that is not as
# nstopo made it is refused, host sysctls that labs share come back
# exactly once the last lab is gone, and the small things that left the
# host changed (a bridge MTU, a renamed link, a file at /run/netns, a
# start-up command that ignores SIGTERM).
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"

# lab NAME FILE [MORE-YAML]: a lab with a host bridge and two nodes
lab() {
	cat >"$2" <<EOF
name: $1
namespace-prefix: $1-
nodes:
  a:
    interfaces:
      eth0: {addresses: [10.9.0.1/24]}
    routes:
      - {to: 10.99.0.0/16, via: 10.9.0.254}
  b: {}
  host:
    interfaces:
      br-$1: {addresses: [10.9.0.254/24]}
bridges:
  br-$1: {}
links:
  - [a:eth0, br-$1]
  - [b:eth0, br-$1]
${3:-}
EOF
}

snapshot "$WORK/s0"

# -- Marks: every object carries the lab's whole name.
lab m1 "$WORK/m1.yaml"
check "marks: apply" "$NSTOPO" -q apply "$WORK/m1.yaml"
check_eq "marks: the host bridge's alias names lab and link" \
	"nstopo:m1/br-m1" "$(ip -j -d link show br-m1 |
		python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["ifalias"])')"
check_match "marks: each namespace's lo carries the lab's mark" \
	"alias nstopo:m1\$" "$(ip -n m1-a -d link show lo)"
check_match "marks: routes have nstopo's own protocol (110)" \
	"^10.99.0.0/16 via 10.9.0.254 dev eth0 proto 110" \
	"$(ip -n m1-a route show 10.99.0.0/16)"
check "marks: destroy" "$NSTOPO" -q destroy "$WORK/m1.yaml"

# Two labs whose names hash to one interface group: destroying one
# leaves the other's bridge (the group is no proof, the alias is).
lab lab1019 "$WORK/g1.yaml"
lab lab17140 "$WORK/g2.yaml"
sed -i 's/10\.9\./10.8./g' "$WORK/g2.yaml"
check "group collision: apply lab1019" "$NSTOPO" -q apply "$WORK/g1.yaml"
check "group collision: apply lab17140" "$NSTOPO" -q apply "$WORK/g2.yaml"
check_eq "group collision: the labs share a group" \
	"$(ip -d -o link show br-lab1019 | grep -o 'group [^ ]*')" \
	"$(ip -d -o link show br-lab17140 | grep -o 'group [^ ]*')"
check "group collision: destroy lab1019" "$NSTOPO" -q destroy --lab lab1019
check "group collision: lab17140's bridge is still there" \
	ip link show br-lab17140
out=$("$NSTOPO" status --lab lab17140 2>&1)
check_eq "group collision: lab17140 is as planned" 0 $?
check "group collision: destroy lab17140" "$NSTOPO" -q destroy --lab lab17140

# -- A journal that cannot lie quietly.
lab j1 "$WORK/j1.yaml"
ip link add hostnic type veth peer name hostnic-p # the host's own
ip addr add 192.0.2.50/24 dev hostnic
ip netns add foreign
theirs() {
	echo "$(ip -o addr show dev hostnic | awk '{print $4}')" \
		"$(ls /run/netns | grep -c '^foreign$')" \
		"$(ip -o link show hostnic | awk '{print $2}')"
}
want=$(theirs)
check "forged records: apply" "$NSTOPO" -q apply "$WORK/j1.yaml"
cat >>/run/nstopo/j1/journal <<EOF
+ 90 k=netns.add node=foreign ns=foreign
+ 91 k=link.add name=hostnic type=1 mark=1
+ 92 k=addr.add name=hostnic addr=192.0.2.50/24
EOF
out=$("$NSTOPO" destroy --lab j1 2>&1)
check_eq "forged records: destroy exits 0" 0 $?
check_match "forged records: reported" "3 records that do not check" "$out"
check_eq "forged records: the host's namespace, link and address stay" \
	"$want" "$(theirs)"
check_eq "forged records: the lab is gone" "" "$(ls /run/netns | grep -v foreign)"

# A record changed in place: not acted on either.
check "damaged record: apply" "$NSTOPO" -q apply "$WORK/j1.yaml"
sed -i 's/^\(+ [0-9]* k=netns.add node=b ns=\)j1-b/\1foreign/' \
	/run/nstopo/j1/journal
out=$("$NSTOPO" destroy --lab j1 2>&1)
check_eq "damaged record: destroy exits 0" 0 $?
check_match "damaged record: reported" "1 record that does not check" "$out"
check_match "damaged record: what it named is found by the marks" \
	"found by their marks" "$out"
check_eq "damaged record: foreign stays, b is gone" "foreign" \
	"$(ls /run/netns)"

# Journals emptied, cut to the header, cut mid-line, or gone: the lab is
# still found, by its marks, and all of it removed.
for how in empty header truncated deleted nodir; do
	check "$how journal: apply" "$NSTOPO" -q apply "$WORK/j1.yaml"
	jr=/run/nstopo/j1/journal
	case $how in
	empty) : >"$jr" ;;
	header) head -n 2 "$jr" >"$jr.x" && mv "$jr.x" "$jr" ;;
	truncated) head -c 300 "$jr" >"$jr.x" && mv "$jr.x" "$jr" ;;
	deleted) rm "$jr" ;;
	nodir) rm -r /run/nstopo/j1 ;;
	esac
	out=$("$NSTOPO" destroy --lab j1 2>&1)
	check_eq "$how journal: destroy exits 0" 0 $?
	check_match "$how journal: says what it found by the marks" \
		"is down.*found by their marks" "$out"
	check_eq "$how journal: no namespace of the lab is left" "foreign" \
		"$(ls /run/netns)"
	check_fail "$how journal: no link of the lab is left" \
		ip link show br-j1
done

# A sequence number no journal can have: no allocation from it.
check "huge sequence: apply" "$NSTOPO" -q apply "$WORK/j1.yaml"
echo "! 100000000000 5" >>/run/nstopo/j1/journal
out=$("$NSTOPO" list 2>&1)
check_eq "huge sequence: list exits 0" 0 $?
out=$("$NSTOPO" destroy --lab j1 2>&1)
check_eq "huge sequence: destroy exits 0" 0 $?
check_fail "huge sequence: the lab is gone" ip link show br-j1
ip netns del foreign
ip link del hostnic

# -- /run/nstopo as nstopo made it, or refused.
lab y1 "$WORK/y1.yaml"
mkdir -p /run/nstopo/y1
echo precious >"$WORK/target"
ln -s "$WORK/target" /run/nstopo/y1/lock
out=$("$NSTOPO" apply "$WORK/y1.yaml" 2>&1)
check_eq "a symlink for the lock: apply exits 1" 1 $?
check_eq "a symlink for the lock: its target is untouched" "precious" \
	"$(cat "$WORK/target")"
check_fail "a symlink for the lock: nothing made" ip link show br-y1
rm -r /run/nstopo/y1
mkdir -p "$WORK/elsewhere" && echo keep >"$WORK/elsewhere/journal"
echo keep >"$WORK/elsewhere/lock"
ln -s "$WORK/elsewhere" /run/nstopo/y1
out=$("$NSTOPO" destroy --lab y1 2>&1)
check_eq "a symlinked lab directory: destroy exits 1" 1 $?
check_match "a symlinked lab directory: says why" "not a directory" "$out"
check_eq "a symlinked lab directory: nothing deleted where it points" \
	"keep keep" "$(cat "$WORK/elsewhere/journal" "$WORK/elsewhere/lock" | tr '\n' ' ' | sed 's/ $//')"
rm /run/nstopo/y1
mkdir -m 0777 /run/nstopo/y1
out=$("$NSTOPO" apply "$WORK/y1.yaml" 2>&1)
check_eq "a lab directory others may write: apply exits 1" 1 $?
check_match "a lab directory others may write: says why" \
	"others may write it" "$out"
rmdir /run/nstopo/y1
rmdir /run/nstopo 2>/dev/null

# -- Host sysctls shared by labs: the ledger.
sysctl -qw net.ipv4.ip_forward=0
lab sa "$WORK/sa.yaml" "defaults: {}"
cat >>"$WORK/sa.yaml" <<EOF
EOF
sed -i 's/^  host:$/  host:\n    sysctl: {net.ipv4.ip_forward: 1}/' "$WORK/sa.yaml"
sed 's/sa/sb/g; s/10\.9\./10.7./g' "$WORK/sa.yaml" >"$WORK/sb.yaml"
sed 's/sa/sc/g; s/10\.9\./10.6./g; s/ip_forward: 1/ip_forward: 0/' \
	"$WORK/sa.yaml" >"$WORK/sc.yaml"
check "shared sysctl: apply A" "$NSTOPO" -q apply "$WORK/sa.yaml"
check "shared sysctl: apply B (the same value: joins)" \
	"$NSTOPO" -q apply "$WORK/sb.yaml"
# names SNAP: what exists (links, namespaces, state), not how it ticks
names() {
	{ ip -o link show | awk '{print $2}'; ls /run/netns; ls -a /run/nstopo; } >"$1" 2>&1
}
names "$WORK/sc0"
out=$("$NSTOPO" apply "$WORK/sc.yaml" 2>&1)
check_eq "shared sysctl: C wants another value: apply exits 1" 1 $?
check_match "shared sysctl: C is told which labs hold it" \
	"net.ipv4.ip_forward is held at another value by lab sa,sb" "$out"
names "$WORK/sc1"
check "shared sysctl: C made nothing" diff -u "$WORK/sc0" "$WORK/sc1"
check "shared sysctl: destroy A" "$NSTOPO" -q destroy --lab sa
check_eq "shared sysctl: B still has it" 1 "$(sysctl -n net.ipv4.ip_forward)"
check "shared sysctl: destroy B" "$NSTOPO" -q destroy --lab sb
check_eq "shared sysctl: the last out put 0 back" 0 \
	"$(sysctl -n net.ipv4.ip_forward)"
check_fail "shared sysctl: the ledger is empty again" \
	test -e /run/nstopo/.host-sysctl

# Exact values: an empty original, a long one, and all.forwarding with
# an interface's own forwarding that the kernel would overwrite.
ports=$(seq 20000 3 21200 | tr '\n' ',' | sed 's/,$//')
sysctl -qw net.ipv4.ip_local_reserved_ports=
ip link add fwd0 type veth peer name fwd1
sysctl -qw net.ipv4.conf.all.forwarding=0 net.ipv6.conf.all.forwarding=0
sysctl -qw net.ipv4.conf.fwd0.forwarding=1 net.ipv6.conf.fwd0.forwarding=1
lab ex "$WORK/ex.yaml"
sed -i 's/^  host:$/  host:\n    sysctl:\n      net.ipv4.ip_local_reserved_ports: 8080\n      net.ipv4.conf.all.forwarding: 1\n      net.ipv6.conf.all.forwarding: 1/' "$WORK/ex.yaml"
host_values() {
	for k in net.ipv4.ip_local_reserved_ports net.ipv4.conf.all.forwarding \
		net.ipv6.conf.all.forwarding net.ipv4.conf.fwd0.forwarding \
		net.ipv6.conf.fwd0.forwarding net.ipv4.conf.fwd1.forwarding \
		net.ipv6.conf.fwd1.forwarding; do
		printf '%s=%s\n' "$k" "$(sysctl -n "$k")"
	done
}
host_values >"$WORK/ex0"
check "exact restore (empty original): apply" "$NSTOPO" -q apply "$WORK/ex.yaml"
check_eq "exact restore: the lab's value is set" 8080 \
	"$(sysctl -n net.ipv4.ip_local_reserved_ports)"
check "exact restore: destroy" "$NSTOPO" -q destroy --lab ex
host_values >"$WORK/ex1"
check "exact restore: empty original, and each interface's own forwarding" \
	diff -u "$WORK/ex0" "$WORK/ex1"
sysctl -qw "net.ipv4.ip_local_reserved_ports=$ports"
host_values >"$WORK/ex0"
check "exact restore (a $(printf %s "$ports" | wc -c)-byte original): apply" \
	"$NSTOPO" -q apply "$WORK/ex.yaml"
check "exact restore: destroy" "$NSTOPO" -q destroy --lab ex
host_values >"$WORK/ex1"
check "exact restore: the long value whole" diff -u "$WORK/ex0" "$WORK/ex1"
sysctl -qw net.ipv4.ip_local_reserved_ports=
ip link del fwd0

# -- The small things.
cat >"$WORK/mtu.yaml" <<EOF
nodes:
  a: {}
  b: {}
  host:
    interfaces:
      br9: {mtu: 9000}
bridges:
  br9: {}
links:
  - [a:eth0, br9]
  - [b:eth0, br9]
EOF
check "bridge mtu: apply" "$NSTOPO" -q apply "$WORK/mtu.yaml"
check_match "bridge mtu: 9000 after its ports joined" "mtu 9000" \
	"$(ip -o link show br9)"
out=$("$NSTOPO" status "$WORK/mtu.yaml" 2>&1)
check_eq "bridge mtu: status is clean right after apply" 0 $?
ip link set br9 down
ip link set br9 name renamed9
out=$("$NSTOPO" destroy "$WORK/mtu.yaml" 2>&1)
check_eq "renamed bridge: destroy exits 0" 0 $?
check_fail "renamed bridge: found by its mark and removed" \
	ip link show renamed9

umount /run/netns 2>/dev/null
rmdir /run/netns 2>/dev/null
: >/run/netns
out=$("$NSTOPO" apply "$WORK/mtu.yaml" 2>&1)
check_eq "a file at /run/netns: apply exits 1" 1 $?
check_match "a file at /run/netns: says why" "not a directory" "$out"
check_eq "a file at /run/netns: no mount is left on it" "" \
	"$(awk '$5 == "/run/netns"' /proc/self/mountinfo)"
rm /run/netns

cat >"$WORK/stubborn.yaml" <<EOF
nodes:
  a:
    exec:
      - [sh, -c, 'trap "" TERM; echo \$\$ >$WORK/stubborn.pid; while :; do sleep 1; done']
  b: {}
links:
  - [a:eth0, b:eth0]
EOF
"$NSTOPO" -q apply "$WORK/stubborn.yaml" >"$WORK/stubborn.out" 2>&1 &
apply=$!
i=0
while [ ! -s "$WORK/stubborn.pid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -INT "$apply"
wait "$apply"
check_eq "SIGINT during a start-up command: apply exits 1" 1 $?
check_match "SIGINT during a start-up command: rolled back" \
	"interrupted by a signal" "$(cat "$WORK/stubborn.out")"
check_fail "SIGINT during a start-up command: the command is gone" \
	kill -0 "$(cat "$WORK/stubborn.pid")"
check_eq "SIGINT during a start-up command: no namespace left" "" \
	"$(ls /run/netns 2>/dev/null)"

check_clean "nothing of any lab is left"
snapshot "$WORK/s9"
check "the host is as it was" diff -u "$WORK/s0" "$WORK/s9"
finish
