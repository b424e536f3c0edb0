# t-intercept.sh - intercept: [0.0.0.0/0, "::/0"] makes every address the
# node's own: a wildcard listener accepts a connection to any address, and
# getsockname() on it says which one was dialled.  Nothing leaves the node.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"
lab=tests/integration/labs/intercept.yaml

# A catch-all server: IPv4 0.0.0.0:80 and IPv6 [::]:80 (v6only); each
# connection is answered with getsockname()'s address.
cat > "$WORK/catch.py" <<'EOF'
import socket, sys, threading

def serve(s):
    while True:
        c, _ = s.accept()
        c.sendall((c.getsockname()[0] + "\n").encode())
        c.close()

socks = []
for family, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, 80))
    s.listen(16)
    socks.append(s)
open(sys.argv[1], "w").close()  # listening: the test may dial
for s in socks[1:]:
    threading.Thread(target=serve, args=(s,), daemon=True).start()
serve(socks[0])
EOF
# dial ADDR: connect to ADDR:80 from inside proxy, print the answer
dial() {
	ip netns exec proxy python3 -c '
import socket, sys
c = socket.create_connection((sys.argv[1], 80), timeout=3)
print(c.makefile().readline().strip())' "$1"
}
# counters: proxy eth0's packet counters, "rx tx"
counters() {
	ip -n proxy -j -s link show dev eth0 | python3 -c '
import json, sys
s = json.load(sys.stdin)[0]["stats64"]
print(s["rx"]["packets"], s["tx"]["packets"])'
}
lo_rx() {
	ip -n proxy -j -s link show dev lo | python3 -c '
import json, sys
print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])'
}

snapshot "$WORK/before"
"$NSTOPO" plan --json "$lab" > "$WORK/plan.json"
check "apply the intercept lab" "$NSTOPO" apply "$lab"
check "kernel state matches the plan" verify.py "$WORK/plan.json"
check_match "IPv4 intercept route in the local table" \
	'^local default dev lo .*proto 110' \
	"$(ip -n proxy -4 route show table local)"
check_match "IPv6 intercept route in the local table" \
	'^local default dev lo .*proto 110' \
	"$(ip -n proxy -6 route show table local)"

ip netns exec proxy python3 "$WORK/catch.py" "$WORK/ready" &
server=$!
i=0
while [ ! -e "$WORK/ready" ] && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "listener on 0.0.0.0:80 and [::]:80 in proxy" test -e "$WORK/ready"

before=$(counters)
lo_before=$(lo_rx)
check_eq "connect to 203.0.113.7:80: getsockname is the dialled address" \
	"203.0.113.7" "$(dial 203.0.113.7)"
check_eq "connect to [2001:db8::7]:80: getsockname is the dialled address" \
	"2001:db8::7" "$(dial 2001:db8::7)"
check_eq "another address, another answer: 198.51.100.200" \
	"198.51.100.200" "$(dial 198.51.100.200)"
check_eq "another address, another answer: 2001:db8:ffff::1" \
	"2001:db8:ffff::1" "$(dial 2001:db8:ffff::1)"
check_eq "nothing crossed eth0 (rx tx packets unchanged)" \
	"$before" "$(counters)"
check "the connections went through lo" test "$(lo_rx)" -gt "$lo_before"
check_match "203.0.113.7 is routed to lo as local" \
	'^local 203\.0\.113\.7 dev lo ' \
	"$(ip -n proxy route get 203.0.113.7)"
check_match "2001:db8::7 is routed to lo as local" \
	'^local 2001:db8::7 .*dev lo table local ' \
	"$(ip -n proxy route get 2001:db8::7)"
check_match "the LAN is still reached through eth0" \
	'^10\.9\.0\.2 dev eth0' "$(ip -n proxy route get 10.9.0.2)"
check "proxy still reaches gw across eth0" \
	ip netns exec proxy ping -c1 -W2 -q 10.9.0.2

kill "$server" 2>/dev/null
wait "$server" 2>/dev/null
check "destroy" "$NSTOPO" destroy "$lab"
check "nothing of the lab is left" verify.py --gone "$WORK/plan.json"
snapshot "$WORK/after"
check "host state as before" diff -u "$WORK/before" "$WORK/after"
finish
