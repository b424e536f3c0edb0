# t-compat.sh - journals are read the same by every build: a lab that
# nstopo 0.1.0 applied (its journal, kept in fixtures/ as that build
# wrote it) is seen as up, found the same lab, shown as planned and
# destroyed by this build, leaving nothing; and this build writes, for
# the same file, the records 0.1.0 did (with a check line after each,
# which 0.1.0 skips), so 0.1.0 reads this build's journals too.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"

# compat NAME FILE LAB
compat() {
	name=$1 file=$2 lab=$3
	fixture=$TOP/tests/integration/fixtures/$name.journal-0.1.0
	abs=$(cd "$(dirname "$file")" && pwd)/$(basename "$file")

	snapshot "$WORK/$name.before"
	check "$name: apply" "$NSTOPO" -q apply "$file"
	# This build's journal, header and check lines aside, is 0.1.0's:
	# 0.1.0 reads it (it skips the lines it does not know).
	grep -v '^= ' "/run/nstopo/$lab/journal" >"$WORK/$name.records"
	check "$name: the journal's records are the ones 0.1.0 writes" \
		diff -u "$fixture" "$WORK/$name.records" \
		--ignore-matching-lines='^nstopo-journal '
	check "$name: each record is checked" test \
		"$(grep -c '^= ' "/run/nstopo/$lab/journal")" = \
		"$(wc -l <"$WORK/$name.records")"
	# The lab as 0.1.0 left it: its journal.
	sed "1s|file=@FILE@ pid=1 started=0|file=$abs pid=1 started=$(date +%s)|" \
		"$fixture" >"/run/nstopo/$lab/journal"
	out=$("$NSTOPO" list 2>&1)
	check_match "$name: list shows it up" "^$lab +up " "$out"
	out=$("$NSTOPO" apply "$file" 2>&1)
	check_eq "$name: apply again: exit 0" 0 $?
	check_match "$name: apply again: the same lab, nothing to do" \
		"already up: nothing to do" "$out"
	sleep 1 # carrier reaches bridges through linkwatch
	out=$("$NSTOPO" status "$file" 2>&1)
	check_eq "$name: status: exit 0" 0 $?
	check_match "$name: status: as planned" "as planned" "$out"
	check "$name: destroy" "$NSTOPO" -q destroy "$file"
	snapshot "$WORK/$name.after"
	check "$name: nothing left" diff -u "$WORK/$name.before" \
		"$WORK/$name.after"
}

compat router topologies/router.yaml router
compat bridged-lan topologies/bridged-lan.yaml bridged-lan
compat spec-example tests/integration/labs/spec-example.yaml lab1
check_clean "nothing of any lab is left"
finish
