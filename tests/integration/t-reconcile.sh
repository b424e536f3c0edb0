# t-reconcile.sh - apply of an edited file on a running lab changes it in
# place: plan shows the difference, apply makes only it, unchanged nodes
# keep their namespace, processes and connections, drift is repaired, a
# change the kernel refuses half-way leaves the lab as it was, and a
# change killed at any point is finished by apply or removed by destroy.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"

cat >"$WORK/a.yaml" <<EOF
name: rc
nodes:
  h1:
    interfaces:
      eth0: {addresses: [10.1.0.1/24, "fd01::1/64"]}
  h2:
    interfaces:
      eth0: {addresses: [10.1.0.2/24, "fd01::2/64"], rate: 8000000bit}
  h3:
    interfaces:
      eth0: {addresses: [10.1.0.3/24]}
  h5:
    interfaces:
      eth0: {addresses: [10.1.0.5/24]}
bridges:
  br0: {}
links:
  - [h1:eth0, br0]
  - [h2:eth0, br0]
  - [h3:eth0, br0]
  - [h5:eth0, br0]
EOF
# The edit: h3 goes, h4 comes, h2 is renumbered, gets a route, and its
# rate is one byte per second more (printed alike: "8mbit").
cat >"$WORK/b.yaml" <<EOF
name: rc
nodes:
  h1:
    interfaces:
      eth0: {addresses: [10.1.0.1/24, "fd01::1/64"]}
  h2:
    interfaces:
      eth0: {addresses: [10.1.0.22/24, "fd01::2/64"], rate: 8000008bit}
    routes:
      - {to: 10.9.0.0/16, via: 10.1.0.1}
  h4:
    interfaces:
      eth0: {addresses: [10.1.0.4/24]}
  h5:
    interfaces:
      eth0: {addresses: [10.1.0.5/24]}
bridges:
  br0: {}
links:
  - [h1:eth0, br0]
  - [h2:eth0, br0]
  - [h4:eth0, br0]
  - [h5:eth0, br0]
EOF
"$NSTOPO" plan --json "$WORK/a.yaml" >"$WORK/a.json"
"$NSTOPO" plan --json "$WORK/b.yaml" >"$WORK/b.json"
snapshot "$WORK/s0"

# A TCP connection from h5 to h1, and a process in h1, that must live on
# (nodes the edit does not change).
cat >"$WORK/tcp.py" <<'EOF'
import os, socket, sys, time
role, addr, work = sys.argv[1], sys.argv[2], sys.argv[3]
if role == "server":
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 7000)); s.listen(1)
    open(work + "/listening", "w").close()
    c, _ = s.accept()
    while True:
        d = c.recv(100)
        if not d:
            break
        c.sendall(d)
else:
    c = socket.create_connection((addr, 7000), timeout=5)
    n = 0
    while True:
        if os.path.exists(f"{work}/go.{n}"):
            c.sendall(b"ping%d" % n)
            ok = c.recv(100) == b"ping%d" % n
            open(f"{work}/{'ok' if ok else 'bad'}.{n}", "w").close()
            n += 1
        time.sleep(0.05)
EOF
# talk N: the connection still carries data, both ways
talk() {
	: >"$WORK/go.$1"
	i=0
	while [ ! -e "$WORK/ok.$1" ] && [ ! -e "$WORK/bad.$1" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -e "$WORK/ok.$1" ]
}

check "apply the lab" "$NSTOPO" -q apply "$WORK/a.yaml"
ip netns exec h1 python3 "$WORK/tcp.py" server 10.1.0.1 "$WORK" &
server=$!
i=0; while [ ! -e "$WORK/listening" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
ip netns exec h5 python3 "$WORK/tcp.py" client 10.1.0.1 "$WORK" &
client=$!
check "the connection works" talk 0
ino1=$(stat -L -c %i /run/netns/h1)
ino5=$(stat -L -c %i /run/netns/h5)

# -- plan shows the difference.
out=$("$NSTOPO" plan "$WORK/b.yaml" 2>&1)
check_eq "plan: exit 0" 0 $?
check_match "plan: names both files" \
	"lab rc is up \\(applied from .*a.yaml\\): what applying .*b.yaml changes" "$out"
check_match "plan: the old address goes" '^- addr del 10.1.0.2/24 dev eth0 @h2$' "$out"
check_match "plan: node h3 goes" '^- netns del h3$' "$out"
check_match "plan: node h4 comes, at its place in the file" \
	'^\+ netns add h4 \(.*b.yaml:11:3\)$' "$out"
check_match "plan: the new address" \
	'^\+ addr add 10.1.0.22/24 dev eth0 @h2 \(.*b.yaml:8:26\)$' "$out"
check_match "plan: the route" \
	'^\+ route add 10.9.0.0/16 via 10.1.0.1 @h2 \(.*b.yaml:10:9\)$' "$out"
check_match "plan: the rate changes, by one byte per second" \
	'^~ qdisc add dev eth0 root rate 8.*mbit @h2 \(.*b.yaml:8:' "$out"
check_fail "plan: h1 and h5 are not touched" sh -c "printf '%s\n' \"\$1\" | grep -q '@h[15]'" - "$out"
out=$("$NSTOPO" plan --json "$WORK/b.yaml" 2>&1)
check_eq "plan --json: parses, with the changes" "+-~" "$(printf '%s' "$out" |
	python3 -c 'import json,sys; d=json.load(sys.stdin); print("".join(sorted(set(c["change"] for c in d["changes"]))))')"
out=$("$NSTOPO" plan "$WORK/a.yaml" 2>&1)
check_match "plan of the running file: nothing to do" "nothing to do" "$out"
out=$("$NSTOPO" status "$WORK/b.yaml" 2>&1)
check_eq "status of the edited file: drift (exit 3)" 3 $?
check_match "status of the edited file: says which file" \
	"applied from .*a.yaml, and the file given differs" "$out"

# -- apply makes it.
out=$("$NSTOPO" apply "$WORK/b.yaml" 2>&1)
check_eq "apply the edit: exit 0" 0 $?
check_match "apply the edit: changed in place" "changed in place" "$out"
check "apply the edit: the kernel holds what b.yaml says" verify.py "$WORK/b.json"
out=$("$NSTOPO" status "$WORK/b.yaml" 2>&1)
check_eq "apply the edit: status of b.yaml is clean" 0 $?
check_eq "h1 keeps its namespace" "$ino1" "$(stat -L -c %i /run/netns/h1)"
check_eq "h5 keeps its namespace" "$ino5" "$(stat -L -c %i /run/netns/h5)"
check "the server in h1 still runs (same pid)" kill -0 "$server"
check "the connection from h5 to h1 still works" talk 1
check_fail "h3 is gone" test -e /run/netns/h3
check_eq "the rate is one byte per second more" 1000001 \
	"$(tc -n h2 -j qdisc show dev eth0 | python3 -c 'import json,sys; print([q for q in json.load(sys.stdin) if q["kind"]=="tbf"][0]["options"]["rate"])')"
out=$("$NSTOPO" apply "$WORK/b.yaml" 2>&1)
check_match "apply again: nothing to do" "already up: nothing to do" "$out"

# -- drift is repaired: an address lost in a link flap, a link down.
ip -n h1 link set eth0 down
ip -n h1 link set eth0 up
ip -n h1 addr del fd01::1/64 dev eth0 2>/dev/null
ip -n h2 link set eth0 down
out=$("$NSTOPO" status "$WORK/b.yaml" 2>&1)
check_eq "drift: status exit 3" 3 $?
out=$("$NSTOPO" plan "$WORK/b.yaml" 2>&1)
check_match "drift: plan says what apply sets right" \
	"the kernel has drifted from it: apply sets right" "$out"
check_match "drift: ... the address" "h1 +addr fd01::1/64 dev eth0 +missing" "$out"
out=$("$NSTOPO" apply "$WORK/b.yaml" 2>&1)
check_eq "drift: apply exit 0" 0 $?
check_match "drift: set right" "drift.*set right|set right" "$out"
out=$("$NSTOPO" status "$WORK/b.yaml" 2>&1)
check_eq "drift: status clean again" 0 $?
check "drift: the server still runs" kill -0 "$server"

# -- A change refused half-way leaves the lab as it was: at every step.
snapshot_live "$WORK/live-b"
steps=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["count"])' "$WORK/a.json")
bad=0
for k in $(seq 1 "$steps"); do
	NSTOPO_FAULT_AT=$k "$NSTOPO" -q apply "$WORK/a.yaml" >"$WORK/f.out" 2>&1
	rc=$?
	snapshot_live "$WORK/live-f"
	if [ "$rc" != 1 ] || ! grep -q "the lab is as it was" "$WORK/f.out" ||
		! diff -q "$WORK/live-b" "$WORK/live-f" >/dev/null; then
		bad=$((bad + 1))
		[ $bad -le 2 ] && { echo "     | step $k (exit $rc):"; sed 's/^/     | /' "$WORK/f.out" | head -5
			diff -u "$WORK/live-b" "$WORK/live-f" | head -20 | sed 's/^/     | /'; }
	fi
done
check_eq "a fault at each of $steps steps: refused, and the lab as it was" 0 "$bad"
check "after the faults: the server still runs" kill -0 "$server"
check "after the faults: the connection still works" talk 2
out=$("$NSTOPO" status "$WORK/b.yaml" 2>&1)
check_eq "after the faults: status of b.yaml clean" 0 $?

# -- Back to a.yaml, then kills at random points of the change.
check "apply a.yaml again" "$NSTOPO" -q apply "$WORK/a.yaml"
check "the kernel holds what a.yaml says" verify.py "$WORK/a.json"
kill "$client" "$server" 2>/dev/null
wait 2>/dev/null
for trial in 1 2 3 4 5 6; do
	"$NSTOPO" -q apply "$WORK/b.yaml" >/dev/null 2>&1 &
	pid=$!
	sleep "0.0$((trial * 3))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if [ $((trial % 2)) = 1 ]; then
		out=$("$NSTOPO" apply "$WORK/b.yaml" 2>&1)
		rc=$?
		check_eq "kill $trial: apply finishes the change (exit 0)" 0 "$rc"
		[ "$rc" = 0 ] || printf '%s\n' "$out" | sed 's/^/     | /'
		check "kill $trial: the kernel holds what b.yaml says" \
			verify.py "$WORK/b.json"
		check "kill $trial: back to a.yaml" "$NSTOPO" -q apply "$WORK/a.yaml"
	else
		check "kill $trial: destroy --lab" "$NSTOPO" -q destroy --lab rc
		check_clean "kill $trial: nothing of the lab is left"
		check "kill $trial: apply a.yaml anew" "$NSTOPO" -q apply "$WORK/a.yaml"
	fi
done
# An edit killed between writing the new journal and putting it in place
# leaves journal.new beside the journal: destroy removes it too.
"$NSTOPO" -q apply "$WORK/a.yaml"
cp /run/nstopo/rc/journal /run/nstopo/rc/journal.new
check "destroy" "$NSTOPO" -q destroy --lab rc
check_clean "nothing of any lab is left (a journal.new left by a kill too)"
snapshot "$WORK/s9"
check "the host is as it was" diff -u "$WORK/s0" "$WORK/s9"
finish
