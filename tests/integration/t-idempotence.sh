# t-idempotence.sh - apply and destroy are idempotent, and destroy works
# from the lab's journal: after the file was edited, renamed the lab, or
# was deleted; apply of an edited file changes the lab (t-reconcile.sh
# has the details), under another lab's name it is refused.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"
spec=tests/integration/labs/spec-example.yaml
lab=$WORK/lab.yaml
"$NSTOPO" plan --json "$spec" > "$WORK/spec.json"
snapshot "$WORK/s0"

# Twice each.
check "apply" "$NSTOPO" apply "$spec"
# What the kernel finishes on its own after apply (operstate through
# linkwatch, DAD of link-local addresses where the lab turns DAD on) is
# no change of the second apply's: wait for it first.
settled() {
	for ns in $(ip netns list | cut -d' ' -f1); do
		ip -n "$ns" addr show | grep -q tentative && return 1
	done
	return 0
}
i=0
until settled || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
sleep 1 # carrier and operstate changes reach bridges through linkwatch
snapshot_live "$WORK/s1"
out=$("$NSTOPO" apply "$spec" 2>&1)
check_eq "second apply: exit 0" 0 $?
check_match "second apply: nothing to do" "already up: nothing to do" "$out"
snapshot_live "$WORK/s2"
check "second apply: kernel unchanged" diff -u "$WORK/s1" "$WORK/s2"
check "second apply: lab still as planned" verify.py "$WORK/spec.json"
check "destroy" "$NSTOPO" destroy "$spec"
snapshot "$WORK/s3"
check "destroy: host as before" diff -u "$WORK/s0" "$WORK/s3"
out=$("$NSTOPO" destroy "$spec" 2>&1)
check_eq "second destroy: exit 0" 0 $?
check_match "second destroy: not up, nothing to do" "not up: nothing to do" "$out"
snapshot "$WORK/s3"
check "second destroy: host as before" diff -u "$WORK/s0" "$WORK/s3"

# edit_lab SED: the lab file edited in place
edit_lab() {
	sed -i "$1" "$lab"
}
# down_from_journal DESC: `destroy FILE` removed the original lab fully
down_from_journal() {
	out=$("$NSTOPO" destroy "$lab" 2>&1)
	check_eq "$1: destroy FILE exits 0" 0 $?
	check_match "$1: destroy took down lab1" "lab lab1 is down" "$out"
	check "$1: nothing of the original lab is left" \
		verify.py --gone "$WORK/spec.json"
	check_clean "$1: nothing left at all"
	snapshot "$WORK/s3"
	check "$1: host as before" diff -u "$WORK/s0" "$WORK/s3"
}

cp "$spec" "$lab"
check "copy: apply" "$NSTOPO" apply "$lab"
edit_lab 's/\bh1\b/h9/g; s|10\.0\.2\.2/24|10.0.2.20/24|; s/^name: lab1/name: lab9/'
check_match "the edit renamed node, address and lab" \
	'^name: lab9' "$(grep -E '^name:|h9:|10.0.2.20' "$lab")"
down_from_journal "after renaming a node, an address and the lab"

cp "$spec" "$lab"
check "copy: apply" "$NSTOPO" apply "$lab"
rm "$lab"
down_from_journal "after deleting the file"

# A different topology under the same lab name, and under a new name.
cp "$spec" "$lab"
check "copy: apply" "$NSTOPO" apply "$lab"
sleep 1
snapshot_live "$WORK/up"
edit_lab 's|10\.0\.2\.2/24|10.0.2.20/24|'
out=$("$NSTOPO" apply "$lab" 2>&1)
check_eq "edited file, same lab name: apply changes the lab in place" 0 $?
check_match "edited file: the message says so" \
	"lab lab1 is up: changed in place" "$out"
check_match "edited file: h2 has the new address" "10\.0\.2\.20/24" \
	"$(ip -n h2 -4 addr show 2>&1)"
sleep 1
snapshot_live "$WORK/up"
edit_lab 's/^name: lab1/name: lab9/'
out=$("$NSTOPO" apply "$lab" 2>&1)
check_eq "edited file, new lab name: apply refused" 1 $?
check_match "edited file, new lab name: the message names the namespace" \
	"namespace router already exists .*not part of lab lab9" "$out"
snapshot_live "$WORK/s4"
check "edited file, new lab name: the running lab is unchanged" \
	diff -u "$WORK/up" "$WORK/s4"
edit_lab 's/^name: lab9/name: lab1/; s|10\.0\.2\.20/24|10.0.2.2/24|'
check "back to the original file: apply" "$NSTOPO" apply -q "$lab"
check "the running lab is as planned again" verify.py "$WORK/spec.json"
check "destroy --lab lab1" "$NSTOPO" destroy --lab lab1
snapshot "$WORK/s3"
check "host as before" diff -u "$WORK/s0" "$WORK/s3"

# Up, but a namespace was removed by hand: apply makes it again, with
# what was in it; destroy copes either way.
check "apply" "$NSTOPO" apply "$spec"
ip netns del h1
out=$("$NSTOPO" apply "$spec" 2>&1)
check_eq "a namespace removed by hand: apply exits 0" 0 $?
check_match "a namespace removed by hand: apply sets it right" \
	"set right again" "$out"
check "a namespace removed by hand: the lab is as planned again" \
	verify.py "$WORK/spec.json"
ip netns del h1
check "a namespace removed by hand: destroy" "$NSTOPO" destroy "$spec"
snapshot "$WORK/s3"
check "a namespace removed by hand: host as before" \
	diff -u "$WORK/s0" "$WORK/s3"

# ...while a process still holds the namespace removed: the kernel keeps
# the old namespace, and with it the pair's other half (in router, and
# h2's in the host), under the name the pair is made with.  Apply deletes
# those halves (they are the lab's) and makes the pairs again.
check "apply" "$NSTOPO" apply -q "$spec"
ip netns exec h1 sleep 60 & hold1=$!
ip netns exec h2 sleep 60 & hold2=$!
sleep 0.2
ip netns del h1
ip netns del h2
check "held: the old half is still in router" ip -n router link show eth0
check "held: ...and h2's in the host" ip link show h2-eth0
out=$("$NSTOPO" apply "$spec" 2>&1)
check_eq "held: apply exits 0" 0 $?
check_match "held: apply sets it right" "set right again" "$out"
check "held: the lab is as planned again" verify.py "$WORK/spec.json"
check "held: h1 reaches router through the new pair" \
	ip netns exec h1 ping -c1 -W2 10.0.1.1
# The other way round: router (the peer's side of h1's pair) removed while
# held: h1's end is the half, deleted before the pair is made again.
ip netns exec router sleep 60 & hold4=$!
sleep 0.2
ip netns del router
check "held peer: h1's half is still there" ip -n h1 link show eth0
out=$("$NSTOPO" apply "$spec" 2>&1)
check_eq "held peer: apply exits 0" 0 $?
[ -z "${out##*set right again*}" ] || printf '%s\n' "$out" | sed 's/^/     | /'
check "held peer: the lab is as planned again" verify.py "$WORK/spec.json"
check "held peer: h1 reaches router through the new pair" \
	ip netns exec h1 ping -c1 -W2 10.0.1.1
# A half in the host that does not carry the lab's mark is not the lab's.
ip netns exec h2 sleep 60 & hold3=$!
sleep 0.2
ip netns del h2
ip link set h2-eth0 alias someone-else
out=$("$NSTOPO" apply "$spec" 2>&1)
check_eq "held, not the lab's: apply exits 1" 1 $?
check_match "held, not the lab's: says why" \
	"h2-eth0 is there, and it is not the lab's: left alone" "$out"
check "held, not the lab's: it is still there" ip link show h2-eth0
kill $hold1 $hold2 $hold3 $hold4 2>/dev/null
wait $hold1 $hold2 $hold3 $hold4 2>/dev/null
ip link del h2-eth0 2>/dev/null
"$NSTOPO" destroy -q "$spec"
snapshot "$WORK/s3"
check "held: host as before" diff -u "$WORK/s0" "$WORK/s3"

out=$("$NSTOPO" destroy --lab nosuchlab 2>&1)
check_eq "destroy --lab of an unknown lab: exit 0" 0 $?
check_match "destroy --lab of an unknown lab: nothing to do" \
	"not up: nothing to do" "$out"
check_clean "destroy --lab of an unknown lab: leaves no state behind"
finish
