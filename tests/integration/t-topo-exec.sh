# t-topo-exec.sh - a node's exec: commands run once the lab is up, in
# the node, in node order, with NSTOPO_LAB and NSTOPO_NODE; a failing one
# fails the apply and rolls it all back, stopping what earlier commands
# left running; destroy stops such processes, destroy --keep-processes
# warns about them and leaves them (destroy --kill is still accepted).
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"

lab=$WORK/tx.yaml
cat > "$lab" <<'EOF'
name: tx
namespace-prefix: tx-
defaults:
  exec:
    - echo "default in $NSTOPO_NODE of $NSTOPO_LAB"
nodes:
  host:
    exec:
      - echo "host netns $(readlink /proc/self/ns/net)"
  h1:
    interfaces:
      eth0: {addresses: [10.0.0.1/24, "fd00::1/64"]}
    routes:
      - {to: 10.0.1.0/24, via: 10.0.0.254}
      - {to: "fd00:1::/64", via: "fd00::fe"}
    exec:
      - echo "h1 first lab=$NSTOPO_LAB node=$NSTOPO_NODE"
      - [sh, -c, 'echo "h1 netns $(readlink /proc/self/ns/net)"']
      - [sh, -c, 'printf "h1 argv |%s|%s|\n" "$@"', sh, "a b", "it's \"q\" 100% k=v"]
      - ping -c1 -w5 10.0.1.2 >/dev/null && echo "h1 reaches h2 over r"
      - ping -c1 -w5 fd00:1::2 >/dev/null && echo "h1 reaches h2 over r (IPv6)"
      - echo "h1 sees $(ls /sys/class/net | tr '\n' ' ')"
      - 'if read x; then echo "h1 stdin: $x"; else echo "h1 stdin: eof"; fi'
  r:
    sysctl:
      net.ipv4.ip_forward: 1
      net.ipv6.conf.all.forwarding: 1
    interfaces:
      eth0: {addresses: [10.0.0.254/24, "fd00::fe/64"]}
      eth1: {addresses: [10.0.1.254/24, "fd00:1::fe/64"]}
  h2:
    interfaces:
      eth0: {addresses: [10.0.1.2/24, "fd00:1::2/64"]}
    routes:
      - {to: default, via: 10.0.1.254}
      - {to: "::/0", via: "fd00:1::fe"}
    exec:
      - echo "h2 last"
links:
  - [h1:eth0, r:eth0]
  - [r:eth1, h2:eth0]
EOF

# alive PID: the process exists and is not a zombie
alive() {
	[ -r "/proc/$1/stat" ] && ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat"
}

# gone PID: wait up to 5 s for the process to end; true if it did
gone() {
	i=0
	while alive "$1" && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	! alive "$1"
}

snapshot "$WORK/before"

out=$(echo "data on stdin" | "$NSTOPO" apply "$lab" 2>"$WORK/err")
rc=$?
check_eq "apply: exit 0" 0 "$rc"
check_eq "apply: nothing on stderr" "" "$(cat "$WORK/err")"
check_match "outputs appear" '^h2 last$' "$out"
check_match "NSTOPO_LAB and NSTOPO_NODE are set" \
	'^h1 first lab=tx node=h1$' "$out"
check_match "runs in the node (its namespace)" \
	"^h1 netns net:\\[$(stat -L -c %i /run/netns/tx-h1)\\]\$" "$out"
# The host's commands run in the namespace nstopo was started in (the
# test's), not in the node apply entered last.
check_match "a host exec runs in the host's namespace" \
	"^host netns $(readlink /proc/self/ns/net | sed 's/[][]/\\&/g')\$" "$out"
check_match "a sequence is the argv, word for word" \
	"^h1 argv \\|a b\\|it's \"q\" 100% k=v\\|\$" "$out"
# (-w5: a ping a second for up to 5 s.  The addresses are nodad, but the
# kernel joins each one's solicited-node multicast group only when its
# (skipped) DAD work runs on the shared ipv6_addrconf workqueue, which
# lags by seconds while namespaces are made or destroyed elsewhere; until
# then neighbour solicitations for it go unanswered.)
check_match "after every address and route of every node: ping over r" \
	'^h1 reaches h2 over r$' "$out"
check_match "... and over IPv6 (no DAD wait)" \
	'^h1 reaches h2 over r \(IPv6\)$' "$out"
check_match "/sys shows the node's devices" '^h1 sees eth0 lo $' "$out"
check_match "stdin is /dev/null, not apply's" '^h1 stdin: eof$' "$out"
check_match "defaults apply to nodes without exec:" '^default in r of tx$' "$out"
check_eq "not to nodes with their own, nor to the host" 1 \
	"$(printf '%s\n' "$out" | grep -c '^default in')"
check_eq "in node order, each node's commands in file order" \
	"host h1 h1 h1 h1 h1 h1 h1 default h2" \
	"$(printf '%s\n' "$out" | sed -n 's/^\(host\|h1\|default\|h2\) .*/\1/p' | tr '\n' ' ' | sed 's/ $//')"
check_match "then the summary" '^lab tx is up: ' "$(printf '%s\n' "$out" | tail -n 1)"
check "status: as planned (what commands do is their own business)" \
	"$NSTOPO" status "$lab"
out=$("$NSTOPO" apply "$lab" 2>&1)
check_eq "apply again: nothing to do, no command run again" \
	"lab tx is already up: nothing to do" "$out"
check "destroy" "$NSTOPO" destroy "$lab"
check_clean "destroyed: nothing left"

# A failing command: apply fails naming the step and the status, and
# everything is rolled back, including a process an earlier command
# started in a node.
bad=$WORK/bad.yaml
cat > "$bad" <<EOF
name: tf
namespace-prefix: tf-
nodes:
  h1:
    interfaces:
      eth0: {addresses: [10.0.0.1/24]}
    exec:
      - sleep 300 >/dev/null 2>&1 & echo \$! > $WORK/bg1
  h2:
    interfaces:
      eth0: {addresses: [10.0.0.2/24]}
    exec:
      - echo about to fail
      - exit 5
      - echo never
  host:
    interfaces:
      br-tf: {addresses: [10.9.0.1/24]}
bridges:
  br-tf: {}
links:
  - [h1:eth0, h2:eth0]
  - [h2:eth1, br-tf]
EOF
rm -f "$WORK/bg1"
out=$("$NSTOPO" apply "$bad" 2>&1)
rc=$?
check_eq "failing command: apply exits 1" 1 "$rc"
n=$("$NSTOPO" plan --json "$bad" | python3 -c \
	'import json, sys; d = json.load(sys.stdin); print(d["count"] - 1)')
check_match "failing command: names the step and the exit status" \
	"^nstopo: apply tf: step $n of $((n + 1)) failed: exec /bin/sh -c 'exit 5' @tf-h2 \\($bad:14:9\\): the command exited with status 5\$" \
	"$out"
check_match "failing command: earlier output came" '^about to fail$' "$out"
check_eq "failing command: later commands did not run" "" \
	"$(printf '%s\n' "$out" | grep never)"
check_match "failing command: says it rolled back" \
	'^nstopo: rolled back \([0-9]+ steps undone\): the machine is as it was$' "$out"
check_match "failing command: says it stopped what was left" \
	'stopping 1 process left in lab tf' "$out"
bg1=$(cat "$WORK/bg1" 2>/dev/null)
check_match "the background process had started" '^[0-9]+$' "$bg1"
check "the background process is stopped" gone "$bg1"
check_clean "failing command: nothing left"
snapshot "$WORK/after"
check "failing command: host state as before (snapshot)" \
	diff -u "$WORK/before" "$WORK/after"

# Other ways for a command to fail.
# fails_with DESC REGEX EXEC-ITEM
fails_with() {
	sed "s|      - exit 5|      - $3|" "$bad" > "$WORK/bad2.yaml"
	rm -f "$WORK/bg1"
	o=$("$NSTOPO" apply "$WORK/bad2.yaml" 2>&1)
	check_eq "$1: apply exits 1" 1 $?
	check_match "$1: says why" "$2" "$o"
	bg1=$(cat "$WORK/bg1" 2>/dev/null)
	[ -n "$bg1" ] && check "$1: the background process is stopped" gone "$bg1"
	check_clean "$1: nothing left"
}
fails_with "killed command" "@tf-h2 .*: the command was killed by signal 9\$" \
	"kill -KILL \$\$"
fails_with "missing program" \
	"@tf-h2 .*: the command exited with status 127\$" "[/nonexistent/prog, x]"
fails_with "missing program" \
	"nstopo: exec: cannot run /nonexistent/prog: No such file or directory" \
	"[/nonexistent/prog, x]"

# SIGTERM to apply while a command runs: the command is stopped too, and
# everything rolled back.
sed "s|      - exit 5|      - touch $WORK/ready; sleep 60|" "$bad" > "$WORK/slow.yaml"
rm -f "$WORK/ready"
"$NSTOPO" apply "$WORK/slow.yaml" >"$WORK/out" 2>&1 &
ap=$!
i=0
while [ ! -e "$WORK/ready" ] && [ "$i" -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -TERM "$ap"
t0=$(date +%s)
wait "$ap"
rc=$?
t1=$(date +%s)
check_eq "SIGTERM during a command: apply exits 1" 1 "$rc"
check "SIGTERM during a command: over within 5 s" test $((t1 - t0)) -le 5
check_match "SIGTERM during a command: it was stopped" \
	'exec .*: interrupted by a signal' "$(cat "$WORK/out")"
check_clean "SIGTERM during a command: nothing left"

# A process left running by a command of a lab that is up.
good=$WORK/good.yaml
sed 's|      - exit 5|      - "true"|; /echo never/d' "$bad" > "$good"
rm -f "$WORK/bg1"
"$NSTOPO" plan --json "$good" > "$WORK/good.json" # before apply: of a running lab, plan shows changes
check "apply with a command that leaves a process" "$NSTOPO" apply "$good"
bg1=$(cat "$WORK/bg1" 2>/dev/null)
check "the process runs" alive "$bg1"
check_eq "the process is in h1's namespace" \
	"$(stat -L -c %i /run/netns/tf-h1)" \
	"$(stat -L -c %i "/proc/$bg1/ns/net" 2>/dev/null)"
out=$("$NSTOPO" destroy --keep-processes "$good" 2>&1)
check_eq "destroy --keep-processes: exit 0" 0 $?
check_match "destroy --keep-processes: warns about the process" \
	"warning: namespace tf-h1: process $bg1 \\(sleep\\) still runs in it" "$out"
check "destroy --keep-processes: pins and host links are gone" \
	verify.py --gone "$WORK/good.json"
check_clean "destroy --keep-processes: nothing left"
check "destroy --keep-processes: the process still runs" alive "$bg1"
kill "$bg1"
check "... (until killed by hand)" gone "$bg1"

rm -f "$WORK/bg1"
check "apply again" "$NSTOPO" apply "$good"
bg1=$(cat "$WORK/bg1" 2>/dev/null)
check "the process runs again" alive "$bg1"
out=$("$NSTOPO" destroy "$good" 2>&1)
check_eq "destroy: exit 0" 0 $?
check_match "destroy: says it stops the process, by pid and name" \
	"^nstopo: stopping 1 process left in lab tf: $bg1 \\(sleep\\)\$" "$out"
check_eq "destroy: no warning" "" \
	"$(printf '%s\n' "$out" | grep warning)"
check "destroy: the process is stopped" gone "$bg1"
check_clean "destroy: nothing left"

rm -f "$WORK/bg1"
check "apply again" "$NSTOPO" apply "$good"
bg1=$(cat "$WORK/bg1" 2>/dev/null)
check "the process runs again" alive "$bg1"
out=$("$NSTOPO" destroy --kill "$good" 2>&1)
check_eq "destroy --kill: exit 0" 0 $?
check_match "destroy --kill: says it stops the process" \
	'stopping 1 process left in lab tf' "$out"
check_eq "destroy --kill: no warning" "" \
	"$(printf '%s\n' "$out" | grep warning)"
check "destroy --kill: the process is stopped" gone "$bg1"
check_clean "destroy --kill: nothing left"
snapshot "$WORK/after"
check "end: host state as before" diff -u "$WORK/before" "$WORK/after"
finish
