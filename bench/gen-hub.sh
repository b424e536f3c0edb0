#!/bin/sh
# gen-hub.sh ROUTERS HOSTS [NAME] - print a hub-and-spoke lab (format v1)
# for `make bench BIG=1`: routers r1..rR on one core bridge in the host
# namespace (10.0.0.0/16, fd10::/64), each with HOSTS hosts hI-1..hI-HOSTS
# on veth pairs of their own (router port pJ; no bridge): a router holds
# HOSTS + 1 interfaces.  Host J of router I is on 10.I.X.Y/30 (the router
# .1 of the /30 at 4*J, the host .2) and fd40:I:J::/64 (router ::1, host
# ::2), with default routes via its router; every router routes the other
# routers' 10.I.0.0/16 and fd40:I::/32 through the core.  HOSTS <= 16383
# (the /30s of 10.I.0.0/16), ROUTERS <= 250.
set -eu
nr=${1:?usage: gen-hub.sh ROUTERS HOSTS [NAME]}
nh=${2:?usage: gen-hub.sh ROUTERS HOSTS [NAME]}
name=${3:-hub$((nr * nh + nr))}
if [ "$nh" -gt 16383 ] || [ "$nr" -gt 250 ]; then
	echo "gen-hub.sh: at most 250 routers of 16383 hosts" >&2
	exit 2
fi
echo "version: 1"
echo "name: $name"
echo "bridges:"
echo "  core: {}"
echo "nodes:"
r=1
while [ "$r" -le "$nr" ]; do
	printf '  r%d:\n    sysctl: {net.ipv4.ip_forward: 1, net.ipv6.conf.all.forwarding: 1}\n    interfaces:\n' "$r"
	printf '      core0: {addresses: [10.0.0.%d/16, "fd10::%x/64"]}\n' "$r" "$r"
	j=1
	while [ "$j" -le "$nh" ]; do
		b=$((j * 4))
		printf '      p%d: {addresses: [10.%d.%d.%d/30, "fd40:%x:%x::1/64"]}\n' \
			"$j" "$r" $((b / 256)) $((b % 256 + 1)) "$r" "$j"
		j=$((j + 1))
	done
	printf '    routes:\n'
	o=1
	while [ "$o" -le "$nr" ]; do
		[ "$o" = "$r" ] || printf '      - {to: 10.%d.0.0/16, via: 10.0.0.%d}\n      - {to: "fd40:%x::/32", via: "fd10::%x"}\n' \
			"$o" "$o" "$o" "$o"
		o=$((o + 1))
	done
	j=1
	while [ "$j" -le "$nh" ]; do
		b=$((j * 4))
		printf '  h%d-%d:\n    interfaces:\n      eth0: {addresses: [10.%d.%d.%d/30, "fd40:%x:%x::2/64"]}\n' \
			"$r" "$j" "$r" $((b / 256)) $((b % 256 + 2)) "$r" "$j"
		printf '    routes:\n      - {to: default, via: 10.%d.%d.%d}\n      - {to: default, via: "fd40:%x:%x::1"}\n' \
			"$r" $((b / 256)) $((b % 256 + 1)) "$r" "$j"
		j=$((j + 1))
	done
	r=$((r + 1))
done
echo "links:"
r=1
while [ "$r" -le "$nr" ]; do
	echo "  - [r$r:core0, core]"
	j=1
	while [ "$j" -le "$nh" ]; do
		echo "  - [h$r-$j:eth0, r$r:p$j]"
		j=$((j + 1))
	done
	r=$((r + 1))
done
