# t-schema.sh - nstopo schema: a draft-07 JSON Schema, with a description
# for every key, that a real validator (python3-jsonschema) holds every
# example topology and test lab valid by, and the invalid corpus
# (tests/invalid) invalid by wherever a file is invalid for structural
# reasons; single values through nstopo and the schema agree.  The
# lists of what a schema cannot see are in schemacheck.py.  Needs no
# root, but runs in the sandbox like every integration test.
. "$TOP/tests/integration/lib.sh"

if ! python3 -c 'import jsonschema, yaml' 2>/dev/null; then
	case ${CI:-} in
	true | 1 | yes) bad "python3-jsonschema or python3-yaml is not installed: scripts/install-deps.sh test installs them" ;;
	*) echo "skip: python3-jsonschema or python3-yaml is not installed" ;;
	esac
	finish
	exit
fi

schema=$WORK/schema.json
"$NSTOPO" schema > "$schema" 2>"$WORK/err"
check_eq "schema exits 0, silent on stderr" "0 " "$? $(cat "$WORK/err")"
check "schema is JSON" python3 -m json.tool "$schema"
"$NSTOPO" schema | cmp -s - "$schema"
check_eq "schema is the same each time" 0 $?
check_match "schema says its draft" \
	'"\$schema": "http://json-schema.org/draft-07/schema#"' "$(head -3 "$schema")"

# Every key of the parser's tables is in it (those the man page lists).
for key in version name namespace-prefix defaults nodes bridges links \
	sysctl interfaces routes intercept exec addresses mtu mac up \
	accept-ra autoconf netem rate delay jitter loss duplicate reorder \
	corrupt to via dev metric type table onlink ports adopt node kind \
	endpoints endpoint parent mode id forwards listen proto; do
	grep -q "^ *\"$key\": {" "$schema" || bad "schema has no key '$key'"
done
ok "schema has every key of nstopo.yaml(5)"

# run_check MODE ARGS...: schemacheck.py's PASS/FAIL lines as checks
run_check() {
	python3 "$TOP/tests/integration/schemacheck.py" "$schema" "$@" \
		> "$WORK/out" 2>&1
	rc=$?
	while IFS= read -r line; do
		case $line in
		"PASS "*) ok "${line#PASS }" ;;
		"FAIL "*) bad "${line#FAIL }" ;;
		*) bad "schemacheck.py: $line" ;;
		esac
	done < "$WORK/out"
	check_eq "schemacheck.py $1 exits 0" 0 "$rc"
}

valid=""
for f in topologies/*.yaml tests/integration/labs/*.yaml; do
	valid="$valid $TOP/$f"
done
# shellcheck disable=SC2086 # the list of files
run_check valid $valid
run_check invalid "$TOP/tests/invalid"
run_check values "$NSTOPO"

# Usage.
"$NSTOPO" schema extra >/dev/null 2>"$WORK/err"
check_eq "schema with an argument: exit 2" 2 $?
check_match "schema with an argument: usage" '^usage: nstopo schema$' \
	"$(cat "$WORK/err")"
check_match "help lists schema" '^  schema ' "$("$NSTOPO" --help)"
finish
