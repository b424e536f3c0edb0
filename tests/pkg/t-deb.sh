#!/bin/sh
# t-deb.sh - the Debian package, end to end, on this machine (root):
# builds it from a copy of the tree (scripts/deb.sh), runs lintian on it,
# installs it with dpkg -i, runs systemd-analyze verify on its units (and
# on broken copies, which must be caught), applies an installed example and
# runs the unit's own ExecStart=/ExecStopPost= lines, with its capability
# bounding set, against /etc/nstopo (all of that inside scripts/sandbox.sh),
# then purges it and checks that every file it had is gone.
# Skipped without root or dpkg, or when nstopo is installed here already
# (this would replace, then purge it), except in CI (CI=true), where a
# skip is a failure.
# Ends with "N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
T_PASS=0
T_FAIL=0

ok() { T_PASS=$((T_PASS + 1)); echo "ok   $*"; }
bad() { T_FAIL=$((T_FAIL + 1)); echo "FAIL $*"; }
show() { printf '%s\n' "$1" | sed 's/^/     | /' | head -n "${2:-30}"; }
# check DESC CMD...: CMD must succeed
check() {
	d=$1; shift
	if out=$("$@" 2>&1); then ok "$d"; else bad "$d (exit $?)"; show "$out"; fi
}
# check_fail DESC CMD...: CMD must fail
check_fail() {
	d=$1; shift
	if out=$("$@" 2>&1); then bad "$d (succeeded)"; show "$out"; else ok "$d"; fi
}
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1"; echo "     | expected: $2"; echo "     | actual:   $3"; fi
}
check_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then ok "$1"; else bad "$1"; show "$3"; echo "     | (wanted /$2/)"; fi
}
finish() {
	echo "$T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" = 0 ]
}

unit=/lib/systemd/system/nstopo@.service
examples=/usr/share/doc/nstopo/examples

# The units are read the way systemd reads them: `systemd-analyze verify`
# with debug logging dumps each unit as systemd parsed it (its command
# lines with %i resolved, its sandboxing settings, its capability bounding
# set).  unit_dump FILE NAME prints the block of unit NAME.
unit_dump() {
	SYSTEMD_LOG_LEVEL=debug systemd-analyze verify --man=no "$1" 2>&1 |
		awk -v u="	-> Unit $2:" '$0 == u { on = 1; next }
			on && /^	-> Unit / { exit } on'
}
# dump_val DUMP KEY: a setting's value in the dump.
dump_val() {
	printf '%s\n' "$1" | sed -n "s/^		$2: \{0,1\}//p"
}
# dump_cmd DUMP KEY: the command line of ExecStart, ExecStopPost...  Only
# one that sh splits into the same words as systemd does is accepted.
dump_cmd() {
	line=$(printf '%s\n' "$1" | sed -n "/^		-> $2:\$/{n;s/^			Command Line: //p;}")
	case $line in
	*"
"* | "") echo "dump_cmd: want exactly one $2" >&2; return 1 ;;
	esac
	if printf '%s' "$line" | grep -q '[^A-Za-z0-9_./:=@ -]'; then
		echo "dump_cmd: $2=$line: quoting this test cannot run" >&2
		return 1
	fi
	printf '%s\n' "$line"
}
# dump_setpriv DUMP FILE: setpriv(1) options for what systemd would set up
# for the unit: its capability bounding set, no-new-privileges (from FILE:
# the dump does not show it) and, for DynamicUser=, an unprivileged user.
dump_setpriv() {
	if printf '%s\n' "$1" | grep -q '^		CapabilityBoundingSet:'; then
		printf -- '--bounding-set -all%s ' "$(dump_val "$1" CapabilityBoundingSet |
			tr ' ' '\n' | sed -n 's/^cap_\(.\)/,+\1/p' | tr -d '\n')"
	fi
	grep -qi '^NoNewPrivileges=\(yes\|true\|on\|1\)$' "$2" && printf -- '--no-new-privs '
	[ "$(dump_val "$1" DynamicUser)" = yes ] &&
		printf -- '--reuid=65534 --regid=65534 --clear-groups '
	echo
}

# Inside the sandbox (new network and mount namespaces, tmpfs on /run):
# what applies labs.
if [ "${1:-}" = --sandboxed ]; then
	step=$2 work=$3
	case $step in
	demo)
		# The demo, with the installed binary and an installed example.
		ex=$examples/router.yaml
		out=$(/usr/sbin/nstopo apply "$ex" 2>&1)
		check_match "installed nstopo applies installed $ex" '^lab router is up' "$out"
		out=$(/usr/sbin/nstopo status "$ex" 2>&1)
		check_match "status: as planned (exit $?)" '^lab router: as planned' "$out"
		check "h1 pings h4 across r1 (IPv4)" /usr/sbin/nstopo exec h1 -- ping -c1 -W2 10.2.0.12
		check "h1 pings h4 across r1 (IPv6)" /usr/sbin/nstopo exec h1 -- ping -c1 -W2 fd00:0:0:b::12
		out=$(/usr/sbin/nstopo destroy "$ex" 2>&1)
		check_match "destroy" '^lab router is down' "$out"
		check_eq "no namespace left" "" "$(ip netns list)"
		/usr/sbin/nstopo status --lab router >/dev/null 2>&1
		check_eq "status after destroy: not up (exit 4)" 4 $?
		;;
	unit)
		# The unit's command lines, as systemd would run them for
		# nstopo@two-hosts.service (from its dump), against an
		# /etc/nstopo of this sandbox (a tmpfs over the package's empty
		# directory).
		mount -t tmpfs -o mode=0755 nstopo-etc /etc/nstopo || exit 1
		cp "$examples/two-hosts.yaml" /etc/nstopo/two-hosts.yaml
		dump=$(cat "$work/dump.two-hosts")
		start=$(dump_cmd "$dump" ExecStart) || exit 1
		stop=$(dump_cmd "$dump" ExecStopPost) || exit 1
		priv=$(dump_setpriv "$dump" "$unit")
		umask "$(dump_val "$dump" UMask)"
		echo "     ExecStart:    setpriv $priv -- $start"
		echo "     ExecStopPost: setpriv $priv -- $stop"
		# shellcheck disable=SC2086 # the unit's words, checked by dump_cmd
		check "ExecStart applies /etc/nstopo/two-hosts.yaml" setpriv $priv -- $start
		check "the lab is as planned" /usr/sbin/nstopo status /etc/nstopo/two-hosts.yaml
		# shellcheck disable=SC2086
		out=$(setpriv $priv -- $start 2>&1)
		check_match "ExecStart again (a restart that found it up): nothing to do (exit $?)" \
			'already up: nothing to do' "$out"

		# The example service, as systemd would run it: in h2's
		# namespace, as an unprivileged user, no capabilities.
		web=$(cat "$work/dump.web")
		wcmd=$(dump_cmd "$web" ExecStart) || exit 1
		wns=$(dump_val "$web" NetworkNamespacePath)
		wpriv=$(dump_setpriv "$web" "$examples/two-hosts-web.service")
		echo "     two-hosts-web: nsenter --net=$wns setpriv $wpriv -- $wcmd"
		# shellcheck disable=SC2086
		nsenter --net="$wns" setpriv $wpriv -- $wcmd >"$work/web.log" 2>&1 &
		wpid=$!
		fetch='import sys, time, urllib.request
for i in range(50):
	try:
		sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode()); break
	except OSError as e:
		err = e; time.sleep(0.1)
else:
	sys.exit("fetch %s: %s" % (sys.argv[1], err))'
		want=$(cksum <"$examples/two-hosts.yaml")
		got=$(/usr/sbin/nstopo exec h1 -- python3 -c "$fetch" "http://[fd00:0:0:12::2]:8080/two-hosts.yaml" 2>&1)
		check_eq "h1 gets two-hosts.yaml from the example service in h2 (IPv6; cksum)" \
			"$want" "$(printf '%s\n' "$got" | cksum)"
		[ "$want" = "$(printf '%s\n' "$got" | cksum)" ] || show "$got" 5
		got=$(/usr/sbin/nstopo exec h1 -- python3 -c "$fetch" "http://10.0.0.2:8080/two-hosts.yaml" 2>&1)
		check_eq "... and over IPv4" "$want" "$(printf '%s\n' "$got" | cksum)"
		check_fail "the service is not in the sandbox's host namespace" \
			python3 -c "import urllib.request as u; u.urlopen('http://127.0.0.1:8080/', timeout=1)"
		check_match "the service runs as nobody" '^Uid:[[:space:]]+65534[[:space:]]' \
			"$(grep '^Uid:' /proc/"$wpid"/status 2>&1)"
		check_match "... with no capabilities" '^CapBnd:[[:space:]]+0+$' \
			"$(grep '^CapBnd:' /proc/"$wpid"/status 2>&1)"

		# shellcheck disable=SC2086
		check "ExecStopPost destroys the lab (and --kill stops the service)" setpriv $priv -- $stop
		# Gone, or a zombie this shell has not reaped yet.
		state=$(sed 's/.*) //' /proc/"$wpid"/stat 2>/dev/null | cut -c1)
		check_match "the example service is gone" '^Z?$' "$state"
		wait "$wpid" 2>/dev/null
		check_eq "no namespace left" "" "$(ip netns list)"
		check_eq "no lab state left" "" "$(ls -A /run/nstopo 2>/dev/null)"
		# shellcheck disable=SC2086
		check "ExecStopPost when the lab is down (a stop after a failed start)" \
			setpriv $priv -- $stop

		# A start that fails leaves nothing behind.
		sed 's|10.0.0.2/24|10.0.0.2/33|' "$examples/two-hosts.yaml" >/etc/nstopo/bad.yaml
		bstart=$(dump_cmd "$(cat "$work/dump.bad")" ExecStart) || exit 1
		# shellcheck disable=SC2086
		check_fail "ExecStart of an invalid /etc/nstopo/bad.yaml fails" setpriv $priv -- $bstart
		check_eq "... and leaves no namespace" "" "$(ip netns list)"
		;;
	esac
	finish
	exit
fi

# sandboxed STEP: run a --sandboxed step, count its ok/FAIL lines here.
sandboxed() {
	out=$(scripts/sandbox.sh sh "$0" --sandboxed "$1" "$work" 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed '$d'
	p=$(printf '%s\n' "$out" | grep -c '^ok ')
	f=$(printf '%s\n' "$out" | grep -c '^FAIL ')
	T_PASS=$((T_PASS + p)) T_FAIL=$((T_FAIL + f))
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		bad "sandboxed $1 died (exit $rc)"
		show "$(printf '%s\n' "$out" | tail -n 5)"
	fi
}

skip() {
	case ${CI:-} in
	true | 1 | yes) bad "$1 (in CI)"; finish; exit ;;
	esac
	echo "t-deb: skipped: $1"
	finish
	exit
}
[ "$(id -u)" = 0 ] || skip "needs root (dpkg -i)"
command -v dpkg >/dev/null 2>&1 || skip "not a Debian system (no dpkg)"
if dpkg-query -W -f='${Status}' nstopo 2>/dev/null | grep -q 'ok installed'; then
	skip "nstopo is installed on this machine; this test would replace and purge it"
fi

# dpkg_do CMD...: dpkg, waiting up to 2 minutes for another one's lock.
dpkg_do() {
	i=0
	while ! out=$(DEBIAN_FRONTEND=noninteractive "$@" </dev/null 2>&1); do
		case $out in
		*lock*) [ $i -lt 60 ] && { i=$((i + 1)); sleep 2; continue; } ;;
		esac
		printf '%s\n' "$out"
		return 1
	done
	printf '%s\n' "$out"
}

work=$(mktemp -d /tmp/nstopo-t-deb.XXXXXX)
installed=no
cleanup() {
	if [ "$installed" = yes ]; then
		echo "t-deb: purging nstopo after a failure" >&2
		dpkg_do dpkg --purge nstopo >/dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

### Build, from a copy of the tree.
version=$(sed -n 's/^VERSION *:= *//p' Makefile)
git_state() { git status --porcelain --ignored 2>/dev/null | grep -v '^!! build/'; }
before=$(git_state)
t0=$(date +%s)
out=$(scripts/deb.sh "$work/out" 2>&1)
rc=$?
echo "     build: $(($(date +%s) - t0)) s"
if [ "$rc" != 0 ]; then
	bad "scripts/deb.sh builds the package (exit $rc)"
	show "$out" 40
	finish
	exit
fi
ok "scripts/deb.sh builds the package"
check_eq "the work tree is as it was" "$before" "$(git_state)"
deb=$work/out/nstopo_${version}_$(dpkg --print-architecture).deb
check "it is $(basename "$deb") (Makefile VERSION $version)" test -f "$deb"
[ -f "$deb" ] || { finish; exit; }
check_eq "debian/changelog has the Makefile's version" "$version" \
	"$(dpkg-parsechangelog -l debian/changelog -S Version)"
log=$(cat "$work/out/build.log")
check_match "built with Debian's CPPFLAGS (_FORTIFY_SOURCE)" ' -D_FORTIFY_SOURCE=2 .*-c -o build/rel/main.o' "$log"
if printf '%s\n' "$log" | grep -q 'APT '; then
	bad "the package build ran apt-get (scripts/install-deps.sh)"
else
	ok "the package build installed nothing (INSTALL_DEPS=no)"
fi

### lintian: no errors (warnings are shown).
t0=$(date +%s)
out=$(lintian -I --color never "$work"/out/nstopo_*.changes 2>&1 | grep -v '^running with root')
echo "     lintian: $(($(date +%s) - t0)) s"
[ -n "$out" ] && show "$out"
if printf '%s\n' "$out" | grep -q '^E: '; then
	bad "lintian reports errors"
else
	ok "lintian: no errors ($(printf '%s\n' "$out" | grep -c '^W: ') warnings)"
fi

### What the package holds.
# "KIND PATH" lines, KIND d for a directory.
contents=$(dpkg-deb -c "$deb" | awk '{print substr($1, 1, 1), $6}' |
	sed 's| \./| /|; s|/$||')
list=$(printf '%s\n' "$contents" | cut -d' ' -f2-)
for f in /usr/sbin/nstopo /usr/share/man/man8/nstopo.8.gz \
	/usr/share/man/man5/nstopo.yaml.5.gz \
	/usr/share/bash-completion/completions/nstopo "$unit" \
	/usr/share/doc/nstopo/copyright /etc/nstopo \
	"$examples/two-hosts-web.service" \
	$(for t in topologies/*.yaml; do echo "$examples/${t#topologies/}"; done); do
	if printf '%s\n' "$list" | grep -qxF "$f"; then
		ok "package has $f"
	else
		bad "package lacks $f"
	fi
done
# Nothing of it may be on the machine already (but the directories it
# shares with others): dpkg would take it over silently, and the purge at
# the end remove it.
there=$(printf '%s\n' "$contents" | while read -r kind f; do
	[ "$kind" = d ] && case $f in *nstopo*) ;; *) continue ;; esac
	if [ -e "$f" ] || [ -L "$f" ]; then printf ' %s' "$f"; fi
done)
if [ -n "$there" ]; then
	bad "files of the package exist already:$there (not installing it)"
	finish
	exit
fi

### Install.
# --path-include: our files even where dpkg.cfg.d excludes docs and man
# pages (minimal images).
out=$(dpkg_do dpkg -i --path-include="*nstopo*" "$deb")
rc=$?
installed=yes
if [ "$rc" != 0 ]; then
	bad "dpkg -i $(basename "$deb") (exit $rc)"
	show "$out"
	finish
	exit
fi
ok "dpkg -i $(basename "$deb")"
check_eq "dpkg: installed" "install ok installed" "$(dpkg-query -W -f='${Status}' nstopo)"
check_eq "/usr/sbin/nstopo --version" "nstopo $version" "$(/usr/sbin/nstopo --version 2>&1)"
check_eq "man finds nstopo(8)" /usr/share/man/man8/nstopo.8.gz "$(man -w 8 nstopo 2>&1)"
check "bash completion loads" bash -c ". /usr/share/bash-completion/completions/nstopo && complete -p nstopo"
# Its files and directories, kinds noted now for the purge.
files=$(dpkg -L nstopo | while read -r p; do
	if [ -d "$p" ]; then echo "d $p"; else echo "f $p"; fi
done)

### systemd-analyze verify: the units, and broken copies of the lab's unit.
# verify prints a diagnostic for a unit's problems but exits 0 for most of
# them (unknown keys, bad values), and says nothing of a capability name it
# does not know.  So a unit is right when verify exits 0 and says nothing
# about it, systemd's bounding set drops (or keeps) every capability the
# file names, and nothing gives it a mount namespace of its own (the pins
# it mounts under /run/netns would not reach the host).  PID 1 need not be
# systemd: verify works offline.
# unit_ok FILE NAME: FILE, loaded as unit NAME, is right.
unit_ok() {
	out=$(systemd-analyze verify "$1" 2>&1)
	rc=$?
	mine=$(printf '%s\n' "$out" | grep -F -e "${2%%@*}@" -e "$1")
	if [ "$rc" != 0 ] || [ -n "$mine" ]; then
		printf '%s\n' "${mine:-$out}"
		return 1
	fi
	dump=$(unit_dump "$1" "$2")
	[ -n "$dump" ] || { echo "no dump of $2"; return 1; }
	known=" $(systemd-analyze capability | awk 'NR > 1 {printf "%s ", $1}')"
	have=" $(dump_val "$dump" CapabilityBoundingSet) "
	caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$1" | tr '[:upper:]' '[:lower:]')
	case $caps in "~"*) drop=yes ;; *) drop=no ;; esac
	for c in ${caps#"~"}; do
		case $known in *" $c "*) ;; *)
			echo "CapabilityBoundingSet: $c is not a capability systemd knows"
			return 1 ;;
		esac
		case $have in *" $c "*) in=yes ;; *) in=no ;; esac
		# A ~ list drops each, a list keeps each.
		if [ $drop = $in ]; then
			echo "CapabilityBoundingSet: $c: systemd's set has in=$in"
			return 1
		fi
	done
	for k in PrivateTmp PrivateDevices PrivateUsers ProtectKernelTunables \
		ProtectKernelModules ProtectKernelLogs ProtectControlGroups \
		ProtectHome ProtectSystem MountAPIVFS ProtectHostname; do
		v=$(dump_val "$dump" $k)
		[ "$v" = no ] || { echo "$k: ${v:-unset}: a mount namespace"; return 1; }
	done
	for k in ProtectProc:default ProcSubset:all RootDirectory:/ DynamicUser:no; do
		v=$(dump_val "$dump" ${k%%:*})
		[ "$v" = "${k#*:}" ] || { echo "${k%%:*}: $v: a mount namespace"; return 1; }
	done
	if m=$(grep -E '^(PrivateMounts|[A-Za-z]*Paths|TemporaryFileSystem|Root[A-Za-z]*|[A-Za-z]*Images?|ExtensionDirectories|LogNamespace|NetworkNamespacePath)=' "$1"); then
		echo "$m: a mount namespace"
		return 1
	fi
}
check "$unit is right (verify, capabilities, no mount namespace)" \
	unit_ok "$unit" nstopo@i.service
mkdir -p "$work/units" "$work/broken"
cp "$examples/two-hosts-web.service" "$work/units/"
out=$(systemd-analyze verify "$work/units/two-hosts-web.service" 2>&1)
rc=$?
mine=$(printf '%s\n' "$out" | grep -e two-hosts-web -e nstopo@)
if [ "$rc" = 0 ] && [ -z "$mine" ]; then
	ok "the example two-hosts-web.service verifies"
else
	bad "the example two-hosts-web.service verifies (exit $rc)"
	show "${mine:-$out}"
fi
for edit in 's/^RemainAfterExit=/RemainAfterExt=/' 's/^Type=oneshot/Type=oneshott/' \
	's|^ExecStart=/usr/sbin/nstopo|ExecStart=/usr/sbin/nstopo-none|' \
	's/^\[Service\]/[Servce]/' \
	's/CAP_SYS_MODULE/CAP_SYS_MODUEL/' \
	'/^NoNewPrivileges=/a PrivateTmp=yes' \
	'/^NoNewPrivileges=/a ProtectSystem=full' \
	'/^NoNewPrivileges=/a ReadWritePaths=/run'; do
	sed "$edit" "$unit" >"$work/broken/nstopo@.service"
	if cmp -s "$unit" "$work/broken/nstopo@.service"; then
		bad "broken copy ($edit): the edit changed nothing"
	else
		check_fail "a broken copy is caught ($edit)" \
			unit_ok "$work/broken/nstopo@.service" nstopo@i.service
	fi
done
# The dumps the sandboxed steps run from: the lab's unit as instances
# two-hosts and bad, the example service.
mkdir -p "$work/inst"
for i in two-hosts bad; do
	ln -s "$unit" "$work/inst/nstopo@$i.service"
	unit_dump "$work/inst/nstopo@$i.service" "nstopo@$i.service" >"$work/dump.$i"
done
unit_dump "$work/units/two-hosts-web.service" two-hosts-web.service >"$work/dump.web"

### The demo and the unit's commands, in sandboxes.
netns_before=$(ls -A /run/netns 2>/dev/null)
if [ "${CI:-}" != true ] && ! scripts/sandbox.sh true 2>/dev/null; then
	bad "cannot make a sandbox (unshare --net --mount)"
else
	sandboxed demo
	sandboxed unit
fi
check_eq "the host's /run/netns is as it was" "$netns_before" "$(ls -A /run/netns 2>/dev/null)"

### Purge: every file of the package, and its own directories, gone.
out=$(dpkg_do dpkg --purge nstopo)
rc=$?
if [ "$rc" = 0 ]; then
	ok "dpkg --purge nstopo"
	installed=no
else
	bad "dpkg --purge nstopo (exit $rc)"
	show "$out"
fi
check_eq "dpkg: not installed" "" \
	"$(dpkg-query -W -f='${Status}' nstopo 2>/dev/null | grep -v not-installed)"
left=$(printf '%s\n' "$files" | while read -r kind p; do
	case $kind in
	d) case $p in *nstopo*) [ -e "$p" ] && echo "$p" ;; esac ;;
	*) { [ -e "$p" ] || [ -L "$p" ]; } && echo "$p" ;;
	esac
done)
check_eq "every file of the package is gone ($(printf '%s\n' "$files" | grep -c '^f') files)" "" "$left"
check_eq "no dpkg metadata left" "" "$(ls /var/lib/dpkg/info/nstopo.* 2>/dev/null)"
finish
