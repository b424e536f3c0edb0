# t-wait.sh - readiness gates (a node's wait:): a gate that opens late
# holds apply (and run's command) until it does, by polling, not a busy
# spin; one that never opens fails the apply after its timeout with its
# node, item and time, and the lab is rolled back, its processes too (an
# edit of a running lab: it is as it was);
# tcp (IPv4, IPv6), cmd (run inside the node) and file gates; a signal
# while a gate waits.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"

command -v socat >/dev/null || { bad "socat is not installed"; finish; exit 1; }

# A service that listens only after a second, started by exec:.
late=$WORK/late.yaml
cat > "$late" <<EOF
name: late
nodes:
  srv:
    interfaces:
      eth0: {addresses: [10.0.0.1/24, "fd00::1/64"]}
    exec:
      - "(sleep 1; exec socat TCP-LISTEN:8080,bind=10.0.0.1,reuseaddr,fork EXEC:cat) >/dev/null 2>&1 &"
      - "(sleep 1; exec socat TCP6-LISTEN:8443,bind=[fd00::1],reuseaddr,fork EXEC:cat) >/dev/null 2>&1 &"
      - "(sleep 0.5; touch $WORK/flag.cmd; sleep 0.5; touch $WORK/flag.file) &"
    wait:
      - {tcp: 8080}
      - {tcp: 8443, address: "fd00::1", timeout: 5s}
      - {cmd: [sh, -c, 'test -e $WORK/flag.cmd && test "\$(ip netns identify)" = srv && test "\$NSTOPO_NODE" = srv']}
      - {file: $WORK/flag.file}
  cli:
    interfaces:
      eth0: {addresses: [10.0.0.2/24, "fd00::2/64"]}
links:
  - [srv:eth0, cli:eth0]
EOF

# connect NODE ADDR PORT: a TCP connection from NODE succeeds at once
connect() {
	"$NSTOPO" exec "$1" -- socat -T1 -u /dev/null "TCP:$2:$3,connect-timeout=1"
}

# cpu_of CMD...: run CMD; print its exit status, wall and CPU seconds
cpu_of() {
	python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t0 = time.monotonic()
rc = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)
t1 = time.monotonic()
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(rc, "%.2f" % (t1 - t0), "%.3f" % (ru.ru_utime + ru.ru_stime))
PY
}

snapshot "$WORK/before"

check "plan: the gates, after the exec: commands" sh -c \
	"'$NSTOPO' plan '$late' | tail -n 4 | grep -q '^+ wait tcp 10.0.0.1:8080 timeout 10s @srv\$'"

# Gates that open late: apply returns once they have, not before.
set -- $(cpu_of "$NSTOPO" -q apply "$late")
check_eq "late gates: apply exits 0" 0 "$1"
check "late gates: apply waited for them (>= 0.9 s)" \
	python3 -c "import sys; sys.exit(not $2 >= 0.9)"
check "late gates: no busy spin (< 0.3 s of CPU in $2 s)" \
	python3 -c "import sys; sys.exit(not $3 < 0.3)"
check "late gates: the IPv4 port is open when apply returns" connect cli 10.0.0.1 8080
check "late gates: the IPv6 one too" connect cli '[fd00::1]' 8443
check "late gates: the file is there" test -e "$WORK/flag.file"
check_match "late gates: status is as planned" 'as planned' "$("$NSTOPO" status)"
check "late gates: destroy" "$NSTOPO" -q destroy --kill "$late"
check_clean "late gates: nothing left"
rm -f "$WORK"/flag.*

# run starts its command once the gates are open.
out=$("$NSTOPO" run -q "$late" -- sh -c \
	"'$NSTOPO' exec cli -- socat -T1 -u /dev/null TCP:10.0.0.1:8080,connect-timeout=1 && echo connected" 2>&1)
check_eq "run: the command finds the service up" "connected" "$out"
check_clean "run: nothing left"
rm -f "$WORK"/flag.*

# A gate that never opens: the apply fails after its timeout, rolls back.
never=$WORK/never.yaml
cat > "$never" <<EOF
name: never
nodes:
  srv:
    interfaces:
      eth0: {addresses: [10.0.0.1/24]}
    exec:
      - "sleep 7321 &"
    wait:
      - {file: /proc/self}
      - {tcp: 9090, timeout: 1s}
  cli: {}
links:
  - [srv:eth0, cli:eth0]
EOF
set -- $(cpu_of "$NSTOPO" apply "$never")
check_eq "closed gate: apply exits 1" 1 "$1"
check "closed gate: after its timeout (1 s .. 4 s)" \
	python3 -c "import sys; sys.exit(not 1.0 <= $2 < 4)"
out=$("$NSTOPO" apply "$never" 2>&1)
check_match "closed gate: the message names node, item and time" \
	'step [0-9]+ of [0-9]+ failed: wait tcp 10.0.0.1:9090 timeout 1s @srv \(.*never.yaml:10:9\): node srv: wait item 2 \(tcp 10.0.0.1:9090\): not open after 1\.[0-9] s \(last try: Connection refused\)' \
	"$out"
check_match "closed gate: rolled back" 'rolled back .*: the machine is as it was' "$out"
check_match "closed gate: the exec: command's process stopped" \
	'stopping 1 process left in lab never' "$out"
check "closed gate: no process left" sh -c '! pgrep -f "[s]leep 7321"'
check_clean "closed gate: nothing left"
out=$("$NSTOPO" run "$never" -- echo ran 2>&1)
check_eq "closed gate: run exits 125" 125 $?
check_eq "closed gate: run did not run the command" "" "$(printf '%s\n' "$out" | grep -x ran)"
check_clean "closed gate: run left nothing"

# cmd and file gates that never open: why, in the message.
# closed NAME WAIT WANT: a one-node lab with WAIT fails with WANT
closed() {
	cat > "$WORK/$1.yaml" <<EOF
name: $1
nodes:
  a:
    wait: [$2]
EOF
	out=$("$NSTOPO" apply "$WORK/$1.yaml" 2>&1)
	check_eq "$1: apply exits 1" 1 $?
	check_match "$1: says why" "$3" "$out"
	check_clean "$1: nothing left"
}
closed cmd-fails '{cmd: [false], timeout: 300ms}' \
	'node a: wait item 1 \(cmd false\): not open after 0\.[3-9] s \(last try: exited with status 1\)'
closed cmd-missing '{cmd: [/nonexistent/prog], timeout: 200ms}' \
	'node a: wait item 1 \(cmd /nonexistent/prog\): not open after 0\.[2-9] s \(last try: exited with status 127 \(not found\)\)'
closed cmd-hangs '{cmd: [sleep, "4711"], timeout: 500ms}' \
	'node a: wait item 1 \(cmd sleep 4711\): not open after 0\.[5-9] s \(last try: still running at the end, killed\)'
check "cmd-hangs: its command was killed" sh -c '! pgrep -f "[s]leep 4711"'
closed file-missing "{file: $WORK/none, timeout: 200ms}" \
	"node a: wait item 1 \\(file $WORK/none\\): not open after 0\\.[2-9] s \\(last try: No such file or directory\\)"
closed tcp-v6 '{tcp: 1, address: "::1", timeout: 100ms}' \
	'node a: wait item 1 \(tcp \[::1\]:1\): not open after 0\.[1-9] s \(last try: Connection refused\)'

# An apply that changes a running lab checks the gates again: one that
# does not open fails the edit, and the lab is as it was.
cat > "$WORK/edit.yaml" <<EOF
name: edit
nodes:
  a:
    interfaces:
      eth0: {addresses: [10.0.0.1/24]}
    wait: [{file: /proc/self}]
  b:
    interfaces:
      eth0: {addresses: [10.0.0.2/24]}
links:
  - [a:eth0, b:eth0]
EOF
# v4 ADDRESSES: node a's eth0's IPv4 addresses, on one line
v4() {
	ip -n a -4 -o addr show dev eth0 | awk '{print $4}' | tr '\n' ' ' | sed 's/ $//'
}
check "edit: apply" "$NSTOPO" -q apply "$WORK/edit.yaml"
sed -i 's|10.0.0.1/24\]|10.0.0.1/24, 10.0.0.11/24]|; s|wait: \[{file: /proc/self}\]|wait: [{file: /proc/self}, {tcp: 9999, timeout: 300ms}]|' \
	"$WORK/edit.yaml"
out=$("$NSTOPO" apply "$WORK/edit.yaml" 2>&1)
check_eq "edit: a closed gate fails it (1)" 1 $?
check_match "edit: says which" 'node a: wait item 2 \(tcp 10.0.0.1:9999\): not open' "$out"
check_eq "edit: the lab is as it was" "10.0.0.1/24" "$(v4)"
sed -i 's|{tcp: 9999, timeout: 300ms}|{file: /proc/self/status}|' "$WORK/edit.yaml"
check "edit: with the gate open, it passes" "$NSTOPO" -q apply "$WORK/edit.yaml"
check_eq "edit: and is made" "10.0.0.1/24 10.0.0.11/24" "$(v4)"
check "edit: destroy" "$NSTOPO" -q destroy "$WORK/edit.yaml"
check_clean "edit: nothing left"

# A signal while a gate waits: the apply stops at once and rolls back.
cat > "$WORK/sig.yaml" <<EOF
name: sig
nodes:
  a:
    exec: ["sleep 7322 &"]
    wait: [{file: $WORK/never-there, timeout: 60s}]
EOF
"$NSTOPO" apply "$WORK/sig.yaml" > "$WORK/sig.out" 2>&1 &
ap=$!
i=0
while [ ! -e /run/netns/a ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
sleep 0.3
t0=$(date +%s)
kill -TERM "$ap"
wait "$ap"
rc=$?
t1=$(date +%s)
check_eq "signal: apply exits 1" 1 "$rc"
check "signal: over within 3 s" test $((t1 - t0)) -le 3
check_match "signal: interrupted, rolled back" 'interrupted by a signal' "$(cat "$WORK/sig.out")"
check "signal: no process left" sh -c '! pgrep -f "[s]leep 7322"'
check_clean "signal: nothing left"

snapshot "$WORK/after"
check "the sandbox's host is as before" diff "$WORK/before" "$WORK/after"
finish
