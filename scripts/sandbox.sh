#!/bin/sh
# sandbox.sh CMD [ARGS...] - run CMD in a private network and mount
# namespace with a fresh tmpfs on /run, so namespaces, links, routes and
# state made by CMD never reach the real host and vanish when it exits.
set -eu
if [ "${NSTOPO_IN_SANDBOX:-}" != 1 ]; then
	exec unshare --net --mount --propagation private \
		env NSTOPO_IN_SANDBOX=1 "$0" "$@"
fi
mount -t tmpfs -o mode=0755 nstopo-sandbox /run
# The sandbox's own loopback, for tests that talk to themselves.
ip link set lo up 2>/dev/null || true
exec "$@"
