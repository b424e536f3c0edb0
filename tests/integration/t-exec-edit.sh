# t-exec-edit.sh - an edit of a running lab that changes or drops a
# node's exec: command stops what that command started (it has a control
# group of its own below its node's) and runs the new one; the node's
# other commands and other nodes' processes run on.  The plan shows it.
# An edit refused half-way starts the old command again.  Where which
# command started which process is not known (a lab of an earlier build,
# whose commands joined their node's group; no control group at all),
# all of the node's processes stop and its commands all run again.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"

# A server that says its tag: "srv.py PORT TAG" (TAG marks it in ps).
cat >"$WORK/srv.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(8)
while True:
    c, _ = s.accept()
    c.sendall(sys.argv[2].encode() + b"\n")
    c.close()
EOF
R=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
OLD=old$R NEW=new$R SIDE=side$R KEEP=keep$R
pid_of() { pgrep -f "srv.py [0-9]* $1\$" | head -n 1; }
# wait_up TAG: until a server tagged TAG runs, <= 5 s; its pid
wait_up() {
	i=0
	while [ -z "$(pid_of "$1")" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	pid_of "$1"
}
# wait_gone TAG: until no server tagged TAG runs, <= 5 s
wait_gone() {
	i=0
	while [ -n "$(pid_of "$1")" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	[ -z "$(pid_of "$1")" ]
}
# ask PORT: what the server on srv's PORT says, from cli ("" if none)
ask() {
	ip netns exec ee-cli python3 -c '
import socket, sys
c = socket.create_connection(("10.5.0.1", int(sys.argv[1])), timeout=2)
print(c.recv(100).decode().strip())' "$1" 2>/dev/null
}
# ask_up PORT: the same, once a server listens there (<= 5 s)
ask_up() {
	i=0
	while [ -z "$(ask "$1")" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	ask "$1"
}
cleanup() {
	for t in "$OLD" "$NEW" "$SIDE" "$KEEP"; do
		pkill -KILL -f "srv.py [0-9]* $t\$" 2>/dev/null
	done
	return 0
}
trap cleanup EXIT

# lab FILE SRV-EXEC: srv runs SRV-EXEC and a second command (KEEP); side
# runs its own server; cli asks
lab() {
	cat >"$1" <<EOF
name: ee
namespace-prefix: ee-
nodes:
  srv:
    interfaces:
      eth0: {addresses: [10.5.0.1/24]}
    exec:
$2
      - [sh, -c, 'python3 $WORK/srv.py 7009 $KEEP >/dev/null 2>&1 &']
  side:
    interfaces:
      eth0: {addresses: [10.5.0.2/24]}
    exec:
      - [sh, -c, 'python3 $WORK/srv.py 7005 $SIDE >/dev/null 2>&1 &']
  cli:
    interfaces:
      eth0: {addresses: [10.5.0.3/24]}
bridges:
  br-ee: {}
links:
  - [srv:eth0, br-ee]
  - [side:eth0, br-ee]
  - [cli:eth0, br-ee]
EOF
}
lab "$WORK/a.yaml" "      - [sh, -c, 'python3 $WORK/srv.py 7001 $OLD >/dev/null 2>&1 &']"
lab "$WORK/b.yaml" "      - [sh, -c, 'python3 $WORK/srv.py 7002 $NEW >/dev/null 2>&1 &']"
lab "$WORK/c.yaml" ""
# The steps of b.yaml (an edit runs them all, in ensure mode).
n=$("$NSTOPO" plan --json "$WORK/b.yaml" | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')
snapshot "$WORK/s0"

# edits: the edits below, on the lab's control group of the hierarchy
# nstopo takes (cgroup2 where there is one) or, with NSTOPO_CGROUP=v1,
# on its own v1 hierarchy; $M prefixes what is checked
edits() {
	# -- Changed: the old server goes, the new one comes; nothing else moves.
	check "${M}apply a.yaml" "$NSTOPO" -q apply "$WORK/a.yaml"
	old=$(wait_up "$OLD") side=$(wait_up "$SIDE") keep=$(wait_up "$KEEP")
	check_eq "${M}the old server answers" "$OLD" "$(ask_up 7001)"
	out=$("$NSTOPO" plan "$WORK/b.yaml" 2>&1)
	check_match "${M}plan: the old command's processes stop" \
		"^- stop exec sh -c 'python3 .*srv.py 7001 $OLD .*' @ee-srv\$" "$out"
	check_match "${M}plan: the new command runs" \
		"^\+ exec sh -c 'python3 .*srv.py 7002 $NEW .*' @ee-srv \(.*b.yaml:8:[0-9]+\)\$" "$out"
	check_fail "${M}plan: nothing of side's or of srv's other command" \
		sh -c "printf '%s\n' \"\$1\" | grep -e '$SIDE' -e '$KEEP'" - "$out"
	out=$("$NSTOPO" apply "$WORK/b.yaml" 2>&1)
	check_eq "${M}apply b.yaml: exit 0" 0 $?
	check_match "${M}apply b.yaml: says which process of which command it stops" \
		"stopping 1 process that 'exec sh -c .*srv.py 7001 $OLD.*' started \(lab ee\): $old \(python3\)" \
		"$out"
	check "${M}the old server is gone" wait_gone "$OLD"
	check_eq "${M}the new server answers" "$NEW" "$(ask_up 7002)"
	check_eq "${M}nothing answers on the old port" "" "$(ask 7001)"
	check_eq "${M}srv's other command's server runs on (same pid)" "$keep" "$(pid_of "$KEEP")"
	check_eq "${M}side's server runs on (same pid)" "$side" "$(pid_of "$SIDE")"
	out=$("$NSTOPO" status "$WORK/b.yaml" 2>&1)
	check_eq "${M}status of b.yaml: clean" 0 $?
	out=$("$NSTOPO" apply "$WORK/b.yaml" 2>&1)
	check_match "${M}apply b.yaml again: nothing to do" "nothing to do" "$out"
	check_eq "${M}...and the new server was not started twice" 1 \
		"$(pgrep -c -f "srv.py [0-9]* $NEW\$")"

	# -- Dropped: its server goes, the rest runs on.
	new=$(pid_of "$NEW")
	check "${M}apply c.yaml (the command dropped)" "$NSTOPO" -q apply "$WORK/c.yaml"
	check "${M}the dropped command's server is gone" wait_gone "$NEW"
	check_eq "${M}srv's other server runs on" "$keep" "$(pid_of "$KEEP")"
	check_eq "${M}side's runs on" "$side" "$(pid_of "$SIDE")"

	# -- Refused half-way: the old command runs again, the new one is gone.
	check "${M}apply a.yaml (back to the old server)" "$NSTOPO" -q apply "$WORK/a.yaml"
	old=$(wait_up "$OLD")
	check_eq "${M}the old server answers again" "$OLD" "$(ask_up 7001)"
	out=$(NSTOPO_FAULT_AT=$n "$NSTOPO" apply "$WORK/b.yaml" 2>&1)
	check_eq "${M}a fault at the last step of the edit: exit 1" 1 $?
	check_match "${M}...the lab is as it was" "the lab is as it was" "$out"
	check "${M}...the new server is not running" wait_gone "$NEW"
	check_eq "${M}...the old command ran again: its server answers" "$OLD" \
		"$(ask_up 7001)"
	check_eq "${M}...srv's other server ran on" "$keep" "$(pid_of "$KEEP")"
	check_eq "${M}...side's ran on" "$side" "$(pid_of "$SIDE")"
	out=$("$NSTOPO" status "$WORK/a.yaml" 2>&1)
	check_eq "${M}...status of a.yaml: clean" 0 $?

	# -- A lab whose commands joined their node's group itself (an earlier
	# build): all of srv's processes stop, its commands all run again.
	cgfile=$(sed -n 's/^cgroup \(v[12]\) path=\(.*\)$/\1 \2/p' /run/nstopo/ee/journal)
	case ${cgfile%% *} in
	v2) root=$(cgroup2_root) ;;
	*) root=/run/nstopo/.cgroup ;;
	esac
	node=$root/${cgfile#* }/ns-ee-srv
	check "${M}the lab's commands have groups of their own below srv's" \
		sh -c "ls -d '$node'/exec-* >/dev/null"
	for g in "$node"/exec-*; do
		for p in $(cat "$g/cgroup.procs"); do echo "$p" >"$node/cgroup.procs"; done
		rmdir "$g"
	done
	old=$(pid_of "$OLD") # started again by the way back
	check_eq "${M}srv's processes are now in its node's group itself" \
		"$(printf '%s\n' "$old" "$keep" | sort -n | tr '\n' ' ')" \
		"$(sort -n "$node/cgroup.procs" | tr '\n' ' ')"
	out=$("$NSTOPO" apply "$WORK/b.yaml" 2>&1)
	check_eq "${M}edit of such a lab: exit 0" 0 $?
	check_match "${M}edit of such a lab: says why all of srv's processes stop" \
		"stopping 2 processes of node srv, whose commands run again" "$out"
	check "${M}...the old server is gone" wait_gone "$OLD"
	check_eq "${M}...the new server answers" "$NEW" "$(ask_up 7002)"
	k2=$(wait_up "$KEEP")
	check_match "${M}...srv's other command ran again (a new pid)" "^[0-9]+\$" "$k2"
	check_fail "${M}...(not the one before)" test "$k2" = "$keep"
	check_eq "${M}...side's ran on" "$side" "$(pid_of "$SIDE")"
	check "${M}destroy" "$NSTOPO" -q destroy --lab ee
	check "${M}destroy: every server is gone" sh -c \
		"! pgrep -f 'srv.py [0-9]* ($OLD|$NEW|$SIDE|$KEEP)\$'"
}
M=""
edits
M="v1: "
export NSTOPO_CGROUP=v1
edits
unset NSTOPO_CGROUP

# -- No control group at all: the node's namespace is all there is.
export NSTOPO_CGROUP=none
check "no group: apply a.yaml" "$NSTOPO" -q apply "$WORK/a.yaml"
old=$(wait_up "$OLD") side=$(wait_up "$SIDE")
check "no group: apply b.yaml" "$NSTOPO" -q apply "$WORK/b.yaml"
check "no group: the old server is gone" wait_gone "$OLD"
check_eq "no group: the new server answers" "$NEW" \
	"$(ask_up 7002)"
check_match "no group: srv's other command runs (again)" "^[0-9]+\$" \
	"$(wait_up "$KEEP")"
check_eq "no group: side's runs on" "$side" "$(pid_of "$SIDE")"
check "no group: destroy" "$NSTOPO" -q destroy --lab ee
unset NSTOPO_CGROUP
check "no group: every server is gone" sh -c \
	"! pgrep -f 'srv.py [0-9]* ($OLD|$NEW|$SIDE|$KEEP)\$'"

check_clean "nothing of the lab is left"
snapshot "$WORK/s9"
check "the host is as it was" diff -u "$WORK/s0" "$WORK/s9"
finish
