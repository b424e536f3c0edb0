# hostkit.sh - sourced after lib.sh (and labkit.sh, whose leftovers then
# do not count the underlay) by the tests of labs spread over several
# machines: it simulates the machines inside the test's sandbox.
#
# machines_up N [--mtu M] [--ipv6-only] makes machines m1..mN.  A machine
# is a long-lived process (sleep) in its own network, mount and UTS
# namespaces: a private tmpfs on /run (its own /run/netns, /run/nstopo,
# /run/sshd), its own sysfs, hostname mN.  What it shares with the
# sandbox: every file outside /run (so the nstopo binary is the same), the
# test's $WORK (bind-mounted at the same path, for lab files and logs),
# the PID namespace (pids are unique, /proc needs no remount, and
# machines_down can find and stop a machine's processes) and the user
# namespace.  In a machine, root's account comes from a private passwd and
# shadow (home $HK/root, shell /bin/sh, not locked) and commands run with
# HOME=$HK/root: the real root's dotfiles, ~/.ssh among them, are neither
# read nor written there.
#
# The underlay: bridge hk-ul in the sandbox's namespace (the switch, no
# address: the sandbox itself is on no machine's network), a veth hk-mI on
# it whose other end is eth0 in machine mI, with 192.0.2.I/24 and
# 2001:db8::I/64 (only the latter with --ipv6-only), all of MTU M (1500).
#
#   on_machine M CMD...       CMD in machine M, in the caller's directory
#   machine_addr M [4|6]      M's underlay address
#   machine_daemon M LOG CMD  a daemon in M, stopped by machines_down
#   ipv6_ready M [NS]         wait until M's (NS's) IPv6 addresses answer
#   sshd_up                   sshd in every machine: then, in any machine,
#                             `ssh mJ CMD` runs CMD as root on mJ (key
#                             only, no prompt, keys and known hosts in $HK)
#   remote_cmd                the command for nstopo's --remote CMD
#   machine_procs [M]         the processes still running in machines
#   machine_state M           what a lab may leave in M: links, addresses,
#                             routes, namespaces, /run/nstopo, UDP sockets
#   machines_down             stop every machine, remove the underlay
#
# Call machines_up, sshd_up and machine_daemon directly, never in $(...)
# or through check: the machines' processes are the test shell's children
# (they die with it: parent-death signal) and it must know their pids.
# Sourcing this traps EXIT (and TERM, INT): machines_down.  A test with an
# EXIT trap of its own calls machines_down in it.

HK=$WORK/hostkit
HK_MACHINES=""
# "NAME PID UTS-INODE" of every machine made, those stopped too: kept in
# the shell (finish removes $WORK before the EXIT trap runs)
HK_INFO=""
HK_PIDS=""
HK_MTU=1500
HK_V6ONLY=0
HK_UL=hk-ul
mkdir -p "$HK/bin" "$HK/rbin" "$HK/root"
# `ssh` is the kit's wrapper, here and in every machine
PATH="$HK/bin:$PATH"
export PATH
# the binary by an absolute path: a machine's ssh session starts in $HOME
case $NSTOPO in
/*) HK_NSTOPO=$NSTOPO ;;
*) HK_NSTOPO=$(cd "$(dirname "$NSTOPO")" && pwd)/$(basename "$NSTOPO") ;;
esac
ln -sf "$HK_NSTOPO" "$HK/rbin/nstopo"

trap machines_down EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# machine_pid NAME: the pid of machine NAME's anchor process
machine_pid() {
	case " $HK_MACHINES " in
	*" $1 "*)
		printf '%s\n' "$HK_INFO" | awk -v m="$1" '$1 == m { p = $2 } END { print p }'
		return 0 ;;
	esac
	echo "hostkit: no machine $1" >&2
	return 1
}

# machine_addr NAME [4|6]: NAME's underlay address (no prefix length);
# without a family, the one ssh and VXLAN use by default (IPv4 unless
# --ipv6-only)
machine_addr() {
	_i=${1#m}
	case ${2:-} in
	4) echo "192.0.2.$_i" ;;
	6) echo "2001:db8::$_i" ;;
	*) if [ "$HK_V6ONLY" = 1 ]; then echo "2001:db8::$_i"; else echo "192.0.2.$_i"; fi ;;
	esac
}

# on_machine NAME CMD...: CMD in machine NAME (its network, mount and UTS
# namespaces), in the caller's working directory (the same path there:
# entering a mount namespace moves to its root)
on_machine() {
	_p=$(machine_pid "$1") || return 1
	shift
	nsenter --net="/proc/$_p/ns/net" --mount="/proc/$_p/ns/mnt" \
		--uts="/proc/$_p/ns/uts" -- env -C "$PWD" HOME="$HK/root" "$@"
}

# machine_daemon NAME LOG CMD...: CMD in machine NAME in the background,
# its output into LOG; its pid in HK_PID.  It gets SIGKILL if the test
# shell dies, and machines_down stops it.  CMD must not fork into the
# background (sshd -D, radvd -n).
machine_daemon() {
	_p=$(machine_pid "$1") || return 1
	_log=$2
	shift 2
	nsenter --net="/proc/$_p/ns/net" --mount="/proc/$_p/ns/mnt" \
		--uts="/proc/$_p/ns/uts" -- env -C "$PWD" HOME="$HK/root" \
		setpriv --pdeathsig KILL "$@" < /dev/null > "$_log" 2>&1 &
	HK_PID=$!
	HK_PIDS="$HK_PIDS $!"
}

# machines_up N [--mtu M] [--ipv6-only]: machines m1..mN on the underlay;
# 0 when all are up, else 1 with the cause on stderr
machines_up() {
	_n=$1
	shift
	HK_MTU=1500 HK_V6ONLY=0
	while [ $# -gt 0 ]; do
		case $1 in
		--mtu) HK_MTU=$2; shift ;;
		--ipv6-only) HK_V6ONLY=1 ;;
		*) echo "machines_up: unknown option $1" >&2; return 1 ;;
		esac
		shift
	done
	# root in a machine: home in the kit, /bin/sh, a shadow entry sshd
	# takes for unlocked (without PAM it refuses a "!" password)
	sed 's|^root:[^:]*:0:0:\([^:]*\):[^:]*:[^:]*$|root:x:0:0:\1:'"$HK/root"':/bin/sh|' \
		/etc/passwd > "$HK/passwd"
	grep -q "^root:x:0:0:.*:$HK/root:/bin/sh\$" "$HK/passwd" || {
		echo "machines_up: no root line to rewrite in /etc/passwd" >&2
		return 1
	}
	echo 'root:*:19000:0:99999:7:::' > "$HK/shadow"
	chmod 0644 "$HK/passwd"
	chmod 0640 "$HK/shadow"

	ip link add "$HK_UL" mtu "$HK_MTU" type bridge mcast_snooping 0 || return 1
	ip link set "$HK_UL" up || return 1
	_i=1
	while [ "$_i" -le "$_n" ]; do
		_machine_up "m$_i" "$_i" || return 1
		_i=$((_i + 1))
	done
	for _m in $HK_MACHINES; do
		ipv6_ready "$_m" || return 1
	done
}

# ipv6_ready M [NS]: wait, up to 20 s, until every global IPv6 address in
# machine M (in its node NS) is usable: no longer tentative, and its
# solicited-node multicast group joined.  The kernel joins that group
# from its addrconf work queue, even for a nodad address, and that queue
# lags by seconds while namespaces are made or destroyed anywhere on the
# machine: until then neighbour solicitations for the address go
# unanswered.  0 when ready, else 1 naming what is not.
ipv6_ready() {
	_m=$1
	shift
	[ $# -gt 0 ] && set -- ip netns exec "$1"
	on_machine "$_m" "$@" python3 -c '
import sys, time
end = time.monotonic() + 20
while True:
    with open("/proc/net/igmp6") as f:
        groups = {tuple(l.split()[1:3]) for l in f}
    pending = []
    with open("/proc/net/if_inet6") as f:
        for l in f:
            a, _, _, scope, flags, ifname = l.split()
            if int(scope, 16) != 0:
                continue
            snm = "ff0200000000000000000001ff" + a[-6:]
            if int(flags, 16) & 0x40 or (ifname, snm) not in groups:
                pending.append("%s %s" % (ifname, a))
    if not pending:
        sys.exit(0)
    if time.monotonic() > end:
        sys.exit("IPv6 not ready after 20 s: " + ", ".join(pending))
    time.sleep(0.02)'
}

# _machine_up NAME I: one machine, its veth and its addresses
_machine_up() {
	HK_MACHINES="$HK_MACHINES $1"
	# The anchor: its own namespaces, then in its mount namespace a
	# tmpfs on /run with $WORK bound back (through an open descriptor:
	# the path is hidden once the tmpfs is there), a sysfs of its own
	# network namespace, root's private passwd and shadow.
	unshare --net --mount --uts --propagation private -- \
		setpriv --pdeathsig KILL sh -c '
		set -e
		exec 3< "$1"
		mount -t tmpfs -o mode=0755 "hk-$2" /run
		mkdir -p "$1"
		mount --no-canonicalize --bind /proc/self/fd/3 "$1"
		exec 3<&-
		umount -l /sys
		mount -t sysfs "hk-$2" /sys
		mount --bind "$3/passwd" /etc/passwd
		mount --bind "$3/shadow" /etc/shadow
		hostname "$2"
		ip link set lo up
		exec sleep infinity' sh "$WORK" "$1" "$HK" \
		< /dev/null > "$HK/$1.out" 2>&1 &
	_p=$!
	HK_PIDS="$HK_PIDS $_p"
	_j=0
	while [ "$(cat "/proc/$_p/comm" 2> /dev/null)" != sleep ]; do
		if [ "$_j" -ge 100 ] || ! kill -0 "$_p" 2> /dev/null; then
			echo "machines_up: machine $1 did not start:" >&2
			cat "$HK/$1.out" >&2
			return 1
		fi
		sleep 0.05
		_j=$((_j + 1))
	done
	HK_INFO="$HK_INFO
$1 $_p $(stat -L -c %i "/proc/$_p/ns/uts")"
	# machine_procs knows a machine by its UTS namespace's inode, which
	# the kernel gives to another namespace once this one is freed: to a
	# machine of a test running beside this one, whose processes
	# machines_down would then kill.  A bind mount keeps the namespace,
	# and its number, for as long as this test's sandbox lives.
	if [ "${NSTOPO_IN_SANDBOX:-}" = 1 ]; then
		mkdir -p /run/hostkit-uts
		: > "/run/hostkit-uts/$1.$_p"
		mount --bind "/proc/$_p/ns/uts" "/run/hostkit-uts/$1.$_p" ||
			return 1
	fi
	_mac=$(printf '02:00:c0:00:02:%02x' "$2")
	ip link add "hk-$1" mtu "$HK_MTU" type veth peer name eth0 \
		mtu "$HK_MTU" address "$_mac" netns "$_p" || return 1
	ip link set "hk-$1" master "$HK_UL" up || return 1
	{
		[ "$HK_V6ONLY" = 1 ] || echo "addr add $(machine_addr "$1" 4)/24 dev eth0"
		echo "addr add $(machine_addr "$1" 6)/64 dev eth0 nodad"
		echo "link set eth0 up"
	} | on_machine "$1" ip -b - || return 1
}

# machines_down: stop every process of every machine (all that run in
# its UTS namespace: daemons, ssh sessions, a lab's commands), which
# frees its namespaces and what is in them, then remove the underlay
machines_down() {
	for _m in $HK_MACHINES; do
		_hk_kill TERM "$_m"
	done
	# (an anchor that is no longer in its namespace still gets one)
	for _p in $HK_PIDS; do
		kill -TERM "$_p" 2> /dev/null
	done
	_j=0
	while [ -n "$(machine_procs)" ] && [ "$_j" -lt 30 ]; do
		sleep 0.1
		_j=$((_j + 1))
	done
	for _m in $HK_MACHINES; do
		_hk_kill KILL "$_m"
		ip link del "hk-$_m" 2> /dev/null
	done
	for _p in $HK_PIDS; do
		kill -KILL "$_p" 2> /dev/null
		wait "$_p" 2> /dev/null
	done
	ip link del "$HK_UL" 2> /dev/null
	HK_PIDS=""
	HK_MACHINES=""
	return 0
}

# _hk_kill SIG NAME: send SIG to every process of machine NAME
_hk_kill() {
	for _p in $(machine_procs "$2" | cut -d' ' -f1); do
		kill -"$1" "$_p" 2> /dev/null
	done
}

# machine_procs [NAME]: "PID NAME" of every process of machine NAME (of
# every machine machines_up has made, also those machines_down has
# stopped), one a line; nothing if none
machine_procs() {
	_uts=$(printf '%s\n' "$HK_INFO" |
		awk -v m="${1:-}" 'NF == 3 && (m == "" || $1 == m) { printf " %s:%s", $3, $1 }')
	[ -n "$_uts" ] || return 0
	stat -L -c '%i %n' /proc/[0-9]*/ns/uts 2> /dev/null |
		awk -v want="$_uts" '
		BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) {
			split(w[i], f, ":"); m[f[1]] = f[2] } }
		$1 in m { split($2, p, "/"); print p[3], m[$1] }'
}

# machine_state M: everything of machine M a lab could leave behind, one
# thing a line: its links, addresses, routes, netns
# pins, /run/nstopo, and UDP sockets (a VXLAN device's is the machine's)
machine_state() {
	{
		on_machine "$1" ip -o link show |
			awk -F': ' '{ sub(/@.*/, "", $2); print "link " $2 }'
		on_machine "$1" ip -o addr show | awk '{ print "addr " $2 " " $4 }'
		on_machine "$1" ip -4 route show table all | sed 's/^/route4 /'
		on_machine "$1" ip -6 route show table all | sed 's/^/route6 /'
		on_machine "$1" ls -A /run/netns 2> /dev/null | sed 's/^/netns /'
		on_machine "$1" find /run/nstopo -mindepth 1 2> /dev/null |
			sed 's/^/state /'
		on_machine "$1" ss -Hlun | awk '{ print "udp " $4 }'
	} | sort
}

# need_sshd: openssh-server is a dependency of the tests across machines
# (scripts/install-deps.sh hosts); a test that needs it fails without it
need_sshd() {
	[ -x /usr/sbin/sshd ] && command -v ssh-keygen > /dev/null 2>&1 &&
		return 0
	bad "sshd is not installed (scripts/install-deps.sh hosts installs it)"
	finish
	exit 1
}

# sshd_up: sshd in every machine, on port 22 of its underlay addresses,
# with a fresh host key; a fresh client key for root on all of them.  The
# wrapper $HK/bin/ssh (first in PATH, here and in the machines) takes
# only the kit's config: BatchMode, the machines' keys known in advance
# (StrictHostKeyChecking yes, no file outside $HK read or written), the
# environment's NSTOPO_* passed on.  A session's PATH is the test's, with
# nstopo first ($HK/rbin/nstopo).  0 when every sshd listens, else 1 with
# its log on stderr.
sshd_up() {
	_s=$HK/ssh
	rm -rf "$_s"
	mkdir -m 0700 "$_s"
	ssh-keygen -q -t ed25519 -N '' -C hostkit -f "$_s/id_ed25519" || return 1
	cp "$_s/id_ed25519.pub" "$_s/authorized_keys"
	: > "$_s/known_hosts"
	: > "$_s/config"
	for _m in $HK_MACHINES; do
		mkdir -p "$HK/$_m"
		rm -f "$HK/$_m/host_key" "$HK/$_m/host_key.pub"
		ssh-keygen -q -t ed25519 -N '' -C "$_m" -f "$HK/$_m/host_key" ||
			return 1
		_a6=$(machine_addr "$_m" 6)
		if [ "$HK_V6ONLY" = 1 ]; then
			_names="$_m,$_a6" _listen="ListenAddress $_a6"
		else
			_a4=$(machine_addr "$_m" 4)
			_names="$_m,$_a4,$_a6"
			_listen="ListenAddress $_a4
ListenAddress $_a6"
		fi
		echo "$_names $(cut -d' ' -f1,2 "$HK/$_m/host_key.pub")" >> "$_s/known_hosts"
		printf 'Host %s\n\tHostName %s\n\tHostKeyAlias %s\n' \
			"$_m" "$(machine_addr "$_m")" "$_m" >> "$_s/config"
		cat > "$HK/$_m/sshd_config" <<-CONF
		$_listen
		Port 22
		HostKey $HK/$_m/host_key
		PidFile /run/sshd.pid
		AuthorizedKeysFile $_s/authorized_keys
		AuthenticationMethods publickey
		PubkeyAuthentication yes
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		HostbasedAuthentication no
		PermitRootLogin prohibit-password
		UsePAM no
		PermitUserEnvironment no
		AcceptEnv NSTOPO_*
		SetEnv PATH=$HK/rbin:$PATH
		PrintMotd no
		PrintLastLog no
		UseDNS no
		X11Forwarding no
		AllowAgentForwarding no
		AllowTcpForwarding no
		PermitTunnel no
		MaxStartups 100:30:200
		MaxSessions 100
		LogLevel VERBOSE
		CONF
	done
	cat >> "$_s/config" <<-CONF
	Host *
		User root
		Port 22
		IdentityFile $_s/id_ed25519
		IdentitiesOnly yes
		IdentityAgent none
		BatchMode yes
		StrictHostKeyChecking yes
		UserKnownHostsFile $_s/known_hosts
		GlobalKnownHostsFile /dev/null
		CheckHostIP no
		UpdateHostKeys no
		ControlMaster no
		ControlPath none
		ConnectTimeout 5
		SendEnv NSTOPO_*
		LogLevel ERROR
	CONF
	cat > "$HK/bin/ssh" <<-EOS
	#!/bin/sh
	# ssh with the machines' config only (hostkit.sh)
	exec /usr/bin/ssh -F '$_s/config' "\$@"
	EOS
	cat > "$HK/bin/hk-remote" <<-'EOS'
	#!/bin/sh
	# hk-remote DEST PROG [ARG...] - PROG with ARGs on machine DEST over
	# the kit's ssh, its standard input passed on: what nstopo's --remote
	# CMD is given.  Each argument is quoted for the remote shell (ssh
	# joins its arguments with spaces and that shell splits them again).
	[ $# -ge 2 ] || { echo "usage: hk-remote DEST PROG [ARG...]" >&2; exit 2; }
	dest=$1
	shift
	cmd=
	for a; do
		# (the x keeps trailing newlines from $(...))
		q=$(printf '%sx' "$a" | sed "s/'/'\\\\''/g")
		cmd="$cmd '${q%x}'"
	done
	exec "$(dirname "$0")/ssh" -- "$dest" "$cmd"
	EOS
	chmod 0755 "$HK/bin/ssh" "$HK/bin/hk-remote"
	for _m in $HK_MACHINES; do
		on_machine "$_m" mkdir -p -m 0755 /run/sshd || return 1
		machine_daemon "$_m" "$HK/$_m/sshd.out" /usr/sbin/sshd -D \
			-f "$HK/$_m/sshd_config" -E "$HK/$_m/sshd.log"
		echo "$HK_PID" > "$HK/$_m/sshd.pid"
	done
	for _m in $HK_MACHINES; do
		_root=/proc/$(machine_pid "$_m")/root
		_p=$(cat "$HK/$_m/sshd.pid")
		_j=0
		until [ -s "$_root/run/sshd.pid" ]; do
			if [ "$_j" -ge 100 ] || ! kill -0 "$_p" 2> /dev/null; then
				echo "sshd_up: sshd in $_m did not start:" >&2
				cat "$HK/$_m/sshd.out" "$HK/$_m/sshd.log" >&2
				return 1
			fi
			sleep 0.05
			_j=$((_j + 1))
		done
	done
}

# remote_cmd: a command for nstopo's --remote CMD (nstopo runs CMD DEST
# nstopo ARGS... with the lab on its standard input): ssh through the
# kit, to machine DEST (a name or an underlay address)
remote_cmd() {
	echo "$HK/bin/hk-remote"
}
