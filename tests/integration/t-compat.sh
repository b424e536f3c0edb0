# t-compat.sh - journals are read the same by every build: a lab that
# nstopo 0.1.0 applied (its journal, kept in fixtures/ as that build
# wrote it) is seen as up, found the same lab, shown as planned and
# destroyed by this build, leaving nothing; and this build writes, for
# the same file, the records 0.1.0 did (with a check line after each,
# which 0.1.0 skips), so 0.1.0 reads this build's journals too.  Since
# 0.1.0 every node also starts with keep_addr_on_down=1 and accept_ra=0
# (all and default) and mldv2_unsolicited_report_interval=1 (default:
# nstopo.yaml(5), WHAT NODES START WITH): five more sysctl records a
# node, which 0.1.0 reads as any other; applying the file over a lab 0.1.0
# made adds those five a node in place, and nothing else.  And a bridge,
# made with snooping off, has it switched on once its ports are in: one
# more record a bridge (a link set with its type, a key 0.1.0 reads; for
# 0.1.0 a link set that changes nothing).
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
	new_keys='key=net\.ipv6\.conf\.((all|default)\.(keep_addr_on_down|accept_ra)|default\.mldv2_unsolicited_report_interval) '
	nodes=$(grep -c ' k=netns.add ' "$fixture")
	check_eq "$name: five records a node more than 0.1.0's" \
		"$((5 * nodes))" "$(grep -Ec "$new_keys" "$WORK/$name.records")"
	snoop=' k=link\.set .* type=2( |$)'
	check_eq "$name: a record a bridge more (its snooping)" \
		"$(grep -Ec ' k=link\.add .* type=2( |$)' "$fixture")" \
		"$(grep -Ec "$snoop" "$WORK/$name.records")"
	# the others, numbered apart, are 0.1.0's, in another order (a link
	# now comes right after the namespaces it needs, compile.c,
	# phase_nodes_and_links()); and a bridge port that
	# 0.1.0 enslaved and raised in one step now comes up first and joins
	# its bridge later, after the node ends (compile.c, late_port()):
	# the joins are counted, then folded back into the first step
	sed 's/^+ [0-9]* //' "$fixture" | sort >"$WORK/$name.old"
	grep -Ev "$new_keys|$snoop" "$WORK/$name.records" |
		sed 's/^+ [0-9]* //' \
		>"$WORK/$name.split"
	python3 "$TOP/tests/integration/foldjoins.py" \
		<"$WORK/$name.split" | sort >"$WORK/$name.new"
	check_eq "$name: each port of a bridge joins it in a step of its own" \
		"$(grep -c ' k=link.set .* master=' "$fixture")" \
		"$(($(wc -l <"$WORK/$name.split") - $(wc -l <"$WORK/$name.new")))"
	check "$name: the journal's other records are the ones 0.1.0 writes" \
		diff -u "$WORK/$name.old" "$WORK/$name.new" \
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
	check_match "$name: apply again: the same lab, what nodes start with added" \
		"changed in place \\($((5 * nodes)) objects made, changed or removed\\)" \
		"$out"
	sleep 1 # carrier reaches bridges through linkwatch
	out=$("$NSTOPO" status "$file" 2>&1)
	check_eq "$name: status: exit 0" 0 $?
	check_match "$name: status: as planned" "as planned" "$out"
	check "$name: destroy" "$NSTOPO" -q destroy "$file"
	snapshot "$WORK/$name.after"
	check "$name: nothing left" diff -u "$WORK/$name.before" \
		"$WORK/$name.after"
}

# A journal in the order of the builds before 8141547 (every namespace,
# then every link; version 1 here, without check lines, so that its
# header can name this checkout's file): the same lab, whatever the order.
order() {
	check "namespaces first: apply" "$NSTOPO" -q apply topologies/router.yaml
	sed "1s|file=@FILE@ pid=1 started=0|file=$TOP/topologies/router.yaml pid=1 started=$(date +%s)|" \
		"$TOP/tests/integration/fixtures/router.journal-namespaces-first" \
		>/run/nstopo/router/journal
	check_eq "namespaces first: the journal's order is not this build's" 1 \
		"$(grep -m1 -n ' k=link.add ' /run/nstopo/router/journal |
			cut -d: -f1 | awk '{ print ($1 > 40) }')"
	sleep 1 # carrier reaches bridges through linkwatch
	out=$("$NSTOPO" status topologies/router.yaml 2>&1)
	check_match "namespaces first: status: as planned" "as planned" "$out"
	# (That journal has no steps that switch the bridges' snooping on:
	# apply runs this build's plan over the lab, which changes nothing,
	# and journals it.)
	out=$("$NSTOPO" apply topologies/router.yaml 2>&1)
	check_match "namespaces first: apply: the same lab" \
		"what had drifted is set right again" "$out"
	out=$("$NSTOPO" apply topologies/router.yaml 2>&1)
	check_match "namespaces first: apply again: nothing to do" \
		"already up: nothing to do" "$out"
	check "namespaces first: destroy" "$NSTOPO" -q destroy topologies/router.yaml
}

# An edit of a lab that 0.1.0 made fails: going back makes again, from
# 0.1.0's journal, the bridge the edit had removed (br-b, renamed br-c in
# the edit).  That journal has no step that switches a bridge's snooping
# on once its ports are in: the bridge gets it as it is made.
back_to_old() {
	abs=$TOP/topologies/router.yaml
	check "back: apply" "$NSTOPO" -q apply "$abs"
	sed "1s|file=@FILE@ pid=1 started=0|file=$abs pid=1 started=$(date +%s)|" \
		"$TOP/tests/integration/fixtures/router.journal-0.1.0" \
		>/run/nstopo/router/journal
	sed 's/br-b/br-c/g' "$abs" >"$WORK/router-c.yaml"
	out=$(NSTOPO_FAULT_AT=1 "$NSTOPO" apply "$WORK/router-c.yaml" 2>&1)
	check_eq "back: the edit fails (a fault injected)" 1 $?
	check_match "back: and goes back" "the lab is as it was" "$out"
	check_eq "back: br-b is there again, and snoops" 1 \
		"$(ip -n sw -d -j link show br-b | python3 -c '
import json, sys
print(json.load(sys.stdin)[0]["linkinfo"]["info_data"]["mcast_snooping"])')"
	check "back: destroy" "$NSTOPO" -q destroy "$abs"
}

order
back_to_old
compat router topologies/router.yaml router
compat bridged-lan topologies/bridged-lan.yaml bridged-lan
compat spec-example tests/integration/labs/spec-example.yaml lab1
check_clean "nothing of any lab is left"
finish
