# t-idempotence.sh - apply and destroy are idempotent, and destroy works
# from the lab's journal: after the file was edited, renamed the lab, or
# was deleted.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"
spec=tests/integration/labs/spec-example.yaml
lab=$WORK/lab.yaml
"$NSTOPO" plan --json "$spec" > "$WORK/spec.json"
snapshot "$WORK/s0"

# Twice each.
check "apply" "$NSTOPO" apply "$spec"
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
check_eq "edited file, same lab name: apply refused" 1 $?
check_match "edited file: the message says it is a different topology" \
	"lab lab1 is up from a different topology" "$out"
snapshot_live "$WORK/s4"
check "edited file: the running lab is unchanged" \
	diff -u "$WORK/up" "$WORK/s4"
edit_lab 's/^name: lab1/name: lab9/'
out=$("$NSTOPO" apply "$lab" 2>&1)
check_eq "edited file, new lab name: apply refused" 1 $?
check_match "edited file, new lab name: the message names the namespace" \
	"namespace router already exists .*not part of lab lab9" "$out"
snapshot_live "$WORK/s4"
check "edited file, new lab name: the running lab is unchanged" \
	diff -u "$WORK/up" "$WORK/s4"
check "the running lab is still as planned" verify.py "$WORK/spec.json"
check "destroy --lab lab1" "$NSTOPO" destroy --lab lab1
snapshot "$WORK/s3"
check "host as before" diff -u "$WORK/s0" "$WORK/s3"

# Up, but a namespace was removed by hand: apply says so, destroy copes.
check "apply" "$NSTOPO" apply "$spec"
ip netns del h1
out=$("$NSTOPO" apply "$spec" 2>&1)
check_eq "a namespace removed by hand: apply exits 1" 1 $?
check_match "a namespace removed by hand: apply names it" \
	"namespace h1 is gone" "$out"
check "a namespace removed by hand: destroy" "$NSTOPO" destroy "$spec"
snapshot "$WORK/s3"
check "a namespace removed by hand: host as before" \
	diff -u "$WORK/s0" "$WORK/s3"

out=$("$NSTOPO" destroy --lab nosuchlab 2>&1)
check_eq "destroy --lab of an unknown lab: exit 0" 0 $?
check_match "destroy --lab of an unknown lab: nothing to do" \
	"not up: nothing to do" "$out"
check_clean "destroy --lab of an unknown lab: leaves no state behind"
finish
