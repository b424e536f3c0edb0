# t-ci.sh - the CI recipe's pytest fixture (topologies/ci/, README "In
# CI", nstopo(8) EXAMPLES) runs as the docs say: pytest applying the lab
# itself under a prefix of its own, two such sessions at once, pytest
# inside `nstopo run --isolated`, and as an unprivileged user inside
# `nstopo run` (which isolates itself); each passes and leaves nothing.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"

ci=$TOP/topologies/ci

# A python3 with pytest (Debian's python3-pytest; install-deps.sh test).
PY=""
for p in python3 /usr/bin/python3; do
	if "$p" -m pytest --version >/dev/null 2>&1; then
		PY=$(command -v "$p")
		break
	fi
done
if [ -z "$PY" ]; then
	case ${CI:-} in
	true | 1 | yes) bad "pytest is not installed (scripts/install-deps.sh test)" ;;
	*) echo "skip: no python3 with pytest (scripts/install-deps.sh test)" ;;
	esac
	finish
	exit
fi

# `nstopo` on PATH, as the recipe has it, and the recipe's files: outside
# /run (an isolated run has a /run of its own), readable by nobody too.
case $NSTOPO in /*) ;; *) NSTOPO=$PWD/$NSTOPO ;; esac
D=$(mktemp -d /tmp/nstopo-ci.XXXXXX)
trap 'rm -rf "$D"' EXIT
chmod 755 "$D"
mkdir "$D/bin"
cp "$NSTOPO" "$D/bin/nstopo"
chmod 755 "$D/bin" "$D/bin/nstopo"
PATH=$D/bin:$PATH
export PATH
unset NSTOPO_LAB NSTOPO_PREFIX
cp -r "$ci" "$D/ci"
chmod -R a+rX "$D/ci"
# pytest writes no cache beside them.
pytest="$PY -m pytest -q -p no:cacheprovider"

snapshot "$WORK/before"

# pytest alone: the fixture applies the lab under a prefix and destroys it.
out=$($pytest "$D/ci" 2>&1)
check_eq "pytest: passes" 0 $?
check_match "pytest: its three tests pass" '^3 passed' "$out"
check_clean "pytest: nothing left"

# The fixture's lab really is an instance of its own while the tests run.
cat > "$D/ci/test_prefix.py" <<'EOF'
import subprocess


def test_an_instance_of_its_own(lab):
    out = subprocess.run(["nstopo", "list"], capture_output=True,
                         text=True).stdout
    assert "ci@t" in out, out
EOF
out=$($pytest "$D/ci" 2>&1)
check_match "pytest: the lab is ci@tXXXXXXXX meanwhile" '^4 passed' "$out"

# Two sessions at once, on one machine: each with a lab of its own.
$pytest "$D/ci" > "$WORK/s1" 2>&1 &
s1=$!
$pytest "$D/ci" > "$WORK/s2" 2>&1 &
s2=$!
wait "$s1"
r1=$?
wait "$s2"
r2=$?
check_eq "two sessions at once: both pass" "0 0" "$r1 $r2"
[ "$r1$r2" = 00 ] || sed 's/^/     | /' "$WORK/s1" "$WORK/s2"
check_clean "two sessions at once: nothing left"
rm "$D/ci/test_prefix.py"

# Inside `nstopo run --isolated`: the fixture uses the run's lab.
out=$(nstopo run -q --isolated "$D/ci/lab.yaml" -- $pytest "$D/ci" 2>&1)
check_eq "run --isolated -- pytest: passes" 0 $?
check_match "run --isolated -- pytest: three tests" '^3 passed' "$out"
check_clean "run --isolated -- pytest: nothing left"

# As an unprivileged user: run isolates itself.
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
out=$(cd /tmp && $NOBODY env HOME=/tmp PATH="$PATH" \
	nstopo run "$D/ci/lab.yaml" -- $pytest "$D/ci" 2>&1)
check_eq "as nobody, run -- pytest: passes" 0 $?
check_match "as nobody: run says it isolates the lab" \
	'the lab is built in a sandbox of its own' "$out"
check_match "as nobody: three tests" '^3 passed' "$out"
check_clean "as nobody: nothing left"

# A failing test fails the job, and still leaves nothing.
cat > "$D/ci/test_fails.py" <<'EOF'
def test_fails(lab):
    assert lab("client", "false").returncode == 0
EOF
$pytest "$D/ci" > "$WORK/fail" 2>&1
check_eq "a failing test: pytest exits 1" 1 $?
check_clean "a failing test: nothing left"

snapshot "$WORK/after"
check "the sandbox's host is as before" diff "$WORK/before" "$WORK/after"
finish
