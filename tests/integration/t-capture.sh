# t-capture.sh - nstopo capture: tcpdump in a node's namespace on one of
# its interfaces, while pings cross it: the pcap file (-w) and the pcap
# on standard output (read back by tcpdump -r) hold the ICMP packets, a
# filter keeps others out, a link named by its ends (A--B, [A, B]) gives
# the end on its first side, a port in the host and a bridge work, a
# terminal gets text; unknown node, interface, link, lab not up and
# tcpdump missing fail with a clear message; nothing is left running.
. "$TOP/tests/integration/lib.sh"

if ! command -v tcpdump >/dev/null 2>&1; then
	case ${CI:-} in
	true | 1 | yes) bad "tcpdump is not installed: scripts/install-deps.sh test installs it" ;;
	*) echo "skip: tcpdump is not installed" ;;
	esac
	finish
	exit
fi

# started ERRFILE: wait until tcpdump says it listens (5 s at most)
started() {
	for _ in $(seq 50); do
		grep -q 'listening on' "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# capture_while NAME PINGNS ADDR CAPTURE-ARGS...: run nstopo capture
# CAPTURE-ARGS in the background, ping ADDR from PINGNS 3 times once it
# listens, stop it with SIGINT; its stderr in $WORK/NAME.err, its
# status in $cap_rc
capture_while() {
	name=$1 pns=$2 addr=$3
	shift 3
	"$NSTOPO" capture "$@" 2>"$WORK/$name.err" &
	cap=$!
	if started "$WORK/$name.err"; then
		ok "$name: tcpdump listens"
	else
		bad "$name: tcpdump listens"
		sed 's/^/     | /' "$WORK/$name.err"
	fi
	ip netns exec "$pns" ping -c3 -i0.2 -W1 -q "$addr" >/dev/null
	sleep 0.3
	kill -INT "$cap" 2>/dev/null
	wait "$cap"
	cap_rc=$?
}

# icmp_count PCAP KIND: ICMP packets of KIND (request, reply) in PCAP
icmp_count() {
	tcpdump -nr "$1" 2>/dev/null | grep -c "ICMP echo $2"
}

lab=$TOP/topologies/router.yaml
check "apply router.yaml" "$NSTOPO" apply -q "$lab"

# To a file, with a filter.
capture_while file h1 10.2.0.11 r1:eth1 -w "$WORK/eth1.pcap" icmp
check_eq "file: tcpdump ends on SIGINT, status 0" 0 "$cap_rc"
check_match "file: tcpdump ran on eth1" 'listening on eth1,' "$(cat "$WORK/file.err")"
check_eq "file: 3 ICMP echo requests on r1's eth1" 3 "$(icmp_count "$WORK/eth1.pcap" request)"
check_eq "file: 3 ICMP echo replies on r1's eth1" 3 "$(icmp_count "$WORK/eth1.pcap" reply)"
check_eq "file: the filter let nothing else in" 6 \
	"$(tcpdump -nr "$WORK/eth1.pcap" 2>/dev/null | wc -l)"
check_match "file: the packets are h1's and h3's" \
	'IP 10\.1\.0\.11 > 10\.2\.0\.11: ICMP echo request' \
	"$(tcpdump -nr "$WORK/eth1.pcap" 2>/dev/null)"

# A filter that matches none of it.
capture_while filtered h1 10.2.0.11 r1:eth1 -w "$WORK/udp.pcap" udp port 9
check_eq "filter: nothing of the pings passes 'udp port 9'" 0 \
	"$(tcpdump -nr "$WORK/udp.pcap" 2>/dev/null | wc -l)"

# Standard output, piped into tcpdump -r - (as into wireshark -k -i -).
( "$NSTOPO" capture h3:eth0 icmp 2>"$WORK/pipe.err" |
	tcpdump -nr - > "$WORK/pipe.txt" 2>/dev/null ) &
pipe=$!
if started "$WORK/pipe.err"; then ok "pipe: tcpdump listens"; else bad "pipe: tcpdump listens"; fi
ip netns exec h1 ping -c3 -i0.2 -W1 -q 10.2.0.11 >/dev/null
sleep 0.3
# The capturing tcpdump is the nstopo process itself, in h3.
for p in $(ip netns pids h3); do
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = tcpdump ] && kill -INT "$p"
done
wait "$pipe"
check_eq "pipe: 3 ICMP echo requests read back from standard output" 3 \
	"$(grep -c 'ICMP echo request' "$WORK/pipe.txt")"
check_eq "pipe: 3 ICMP echo replies read back from standard output" 3 \
	"$(grep -c 'ICMP echo reply' "$WORK/pipe.txt")"

# A link by its ends: the end on the first side.
capture_while link-dash h1 10.2.0.11 br-b:uplink--r1:eth1 -w "$WORK/up.pcap" icmp
check_match "A--B: the end on A (sw's port uplink)" \
	'^nstopo capture: br-b:uplink--r1:eth1: uplink of namespace sw$' \
	"$(cat "$WORK/link-dash.err")"
check_match "A--B: tcpdump ran on uplink" 'listening on uplink,' "$(cat "$WORK/link-dash.err")"
check_eq "A--B: 3 ICMP echo requests on uplink" 3 "$(icmp_count "$WORK/up.pcap" request)"
capture_while link-list h1 10.2.0.11 "[r1:eth1, br-b]" -w "$WORK/eth1b.pcap" icmp
check_match "[A, B] with a bare bridge: the end on A (r1's eth1)" \
	'^nstopo capture: \[r1:eth1, br-b\]: eth1 of node r1$' \
	"$(cat "$WORK/link-list.err")"
check_eq "[A, B]: 3 ICMP echo replies on eth1" 3 "$(icmp_count "$WORK/eth1b.pcap" reply)"
capture_while link-q h1 10.2.0.11 -q h1:eth0--br-a -w "$WORK/h1.pcap" icmp
check_eq "-q: no note of the end" "" "$(grep '^nstopo' "$WORK/link-q.err")"
check_eq "A--B: 3 ICMP echo requests on h1's eth0" 3 "$(icmp_count "$WORK/h1.pcap" request)"

# A bridge by its name: the bridge itself, in its node.
capture_while bridge h1 10.1.0.12 br-a -w "$WORK/br-a.pcap" icmp
check_match "bridge: tcpdump ran on br-a" 'listening on br-a,' "$(cat "$WORK/bridge.err")"
check_eq "bridge: 3 ICMP echo requests bridged by br-a" 3 "$(icmp_count "$WORK/br-a.pcap" request)"

# A terminal gets text (script(1) gives it one).
if command -v script >/dev/null 2>&1; then
	script -qec "$NSTOPO capture h4:eth0 icmp" /dev/null > "$WORK/tty.txt" 2>&1 &
	tty=$!
	for _ in $(seq 50); do
		grep -q 'listening on' "$WORK/tty.txt" && break
		sleep 0.1
	done
	ip netns exec h3 ping -c2 -i0.2 -W1 -q 10.2.0.12 >/dev/null
	sleep 0.3
	for p in $(ip netns pids h4); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = tcpdump ] && kill -INT "$p"
	done
	wait "$tty"
	check_match "terminal: packets as text" \
		'IP 10\.2\.0\.11 > 10\.2\.0\.12: ICMP echo request' "$(cat "$WORK/tty.txt")"
fi

# Errors: what is wrong, and nstopo's status 125 (127: no tcpdump).
err() { # DESC STATUS MESSAGE ARGS...
	d=$1 want=$2 msg=$3
	shift 3
	out=$("$@" 2>&1 </dev/null)
	check_eq "$d: status $want" "$want" "$?"
	check_eq "$d: says so" "$msg" "$out"
}
err "unknown node" 125 "nstopo capture: lab router has no node or bridge 'r9'" \
	"$NSTOPO" capture r9:eth0
err "unknown interface" 125 \
	"nstopo capture: node r1 has no interface 'eth9' (it has: lo br-a eth1 h1-eth0 h2-eth0)" \
	"$NSTOPO" capture r1:eth9
err "a node without an interface" 125 "nstopo capture: 'r1' is a node: write r1:IFNAME" \
	"$NSTOPO" capture r1
err "two ends no link joins" 125 "nstopo capture: lab router has no veth link 'h1:eth0--h3:eth0'" \
	"$NSTOPO" capture h1:eth0--h3:eth0
err "lab not up" 125 "nstopo capture: lab nope is not up" \
	"$NSTOPO" capture --lab nope r1:eth1
err "tcpdump missing" 127 \
	"nstopo capture: tcpdump is not installed (Debian: apt-get install tcpdump), or not in PATH" \
	env PATH=/nonexistent "$NSTOPO" capture r1:eth1
err "a file that cannot be written" 125 \
	"nstopo capture: cannot write $WORK/no/such.pcap: No such file or directory" \
	"$NSTOPO" capture r1:eth1 -w "$WORK/no/such.pcap"
"$NSTOPO" capture >/dev/null 2>&1
check_eq "no target: usage, status 2" 2 $?
"$NSTOPO" capture --bogus r1:eth1 >/dev/null 2>&1
check_eq "unknown option: status 2" 2 $?
check "destroy router.yaml" "$NSTOPO" destroy -q "$lab"

# The host: a port of a host bridge, named through the bridge.
lab=$TOP/topologies/bridged-lan.yaml
check "apply bridged-lan.yaml" "$NSTOPO" apply -q "$lab"
capture_while host h1 10.3.0.12 br-lan:lan-h1 -w "$WORK/host.pcap" icmp
check_match "host: tcpdump ran on the host's lan-h1" 'listening on lan-h1,' "$(cat "$WORK/host.err")"
check_eq "host: 3 ICMP echo requests on lan-h1" 3 "$(icmp_count "$WORK/host.pcap" request)"
capture_while host-link h2 10.3.0.11 br-lan--h2:eth0 -w "$WORK/host2.pcap" icmp
check_match "host: br-lan--h2:eth0 is the port h2-eth0, in the host" \
	'^nstopo capture: br-lan--h2:eth0: h2-eth0 of the host$' "$(cat "$WORK/host-link.err")"
check_eq "host: 3 ICMP echo requests on h2-eth0" 3 "$(icmp_count "$WORK/host2.pcap" request)"
check "destroy bridged-lan.yaml" "$NSTOPO" destroy -q "$lab"
"$NSTOPO" capture --lab bridged-lan br-lan >/dev/null 2>&1
check_eq "after destroy: the lab is not up, status 125" 125 $?
# Other runs on the machine may have their own: only ours count, those
# in this sandbox's network namespace.
left=""
for p in $(pgrep -x tcpdump); do
	[ "$(readlink "/proc/$p/ns/net")" = "$(readlink /proc/self/ns/net)" ] &&
		left="$left $p"
done
check_eq "no tcpdump is left running" "" "$left"
finish
