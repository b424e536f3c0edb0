// SPDX-License-Identifier: MIT
/*
 * golden_test.c - what the plans of real labs look like, printed, as JSON
 * and as journal lines, both ways (apply and destroy), compared with files
 * written by an earlier build.  A refactoring must not change a byte of
 * them: the journal in particular is read by other builds (a lab applied
 * by one version is destroyed by the next, and the other way round).
 *
 * NSTOPO_GOLDEN_WRITE=1 rewrites the files instead (after a change that
 * means to change them; the diff is then the review).
 */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "helpers.h"

#define GOLDEN_DIR "tests/unit/golden"

/* Labs with every link kind, mode and op kind that files can make. */
static const char kinds_yaml[] =
	"name: kinds\n"
	"namespace-prefix: k-\n"
	"nodes:\n"
	"  p:\n"
	"    sysctl: {net.ipv4.ip_forward: 1}\n"
	"    interfaces:\n"
	"      up0: {addresses: [10.0.0.1/24, \"fd00::1/64\"], mtu: 1400}\n"
	"  a:\n"
	"    interfaces:\n"
	"      mv0: {addresses: [10.0.0.2/24], mac: \"02:00:00:00:00:02\"}\n"
	"  b:\n"
	"    interfaces:\n"
	"      iv0: {addresses: [10.0.0.3/24], accept-ra: true, autoconf: "
	"true}\n"
	"  c:\n"
	"    interfaces:\n"
	"      v10: {addresses: [10.10.0.3/24]}\n"
	"      d0: {addresses: [10.20.0.1/24], up: false}\n"
	"      eth0: {addresses: [10.30.0.1/24], netem: {delay: 1234567us, "
	"jitter: 1ms, loss: 0.1%, duplicate: 1%, reorder: 2%, corrupt: "
	"0.5%}, rate: 98765kbit}\n"
	"    routes:\n"
	"      - {to: 10.99.0.0/16, via: 10.10.0.1, metric: 7, table: 100}\n"
	"      - {to: 10.98.0.0/16, dev: eth0}\n"
	"      - {to: 10.97.0.0/16, type: unreachable}\n"
	"      - {to: 10.96.0.0/16, type: prohibit}\n"
	"    intercept: [\"2001:db8::/32\"]\n"
	"    exec: [\"true\", [sh, -c, \"exit 0\"]]\n"
	"  host:\n"
	"    sysctl: {net.ipv4.conf.all.forwarding: 1}\n"
	"    interfaces:\n"
	"      br9: {addresses: [192.168.9.1/24]}\n"
	"bridges:\n"
	"  br9: {ports: [eth7], adopt: true}\n"
	"  br8: {node: p, ports: []}\n"
	"links:\n"
	"  - [p:eth0, c:eth0]\n"
	"  - [p:eth1, br9]\n"
	"  - {endpoints: [host:hv0, br8:port1], mtu: 9000}\n"
	"  - {kind: macvlan, endpoint: a:mv0, parent: p:up0, mode: private}\n"
	"  - {kind: macvlan, endpoint: a:mv1, parent: host:eth9}\n"
	"  - {kind: ipvlan, endpoint: b:iv0, parent: c:d0, mode: l3s}\n"
	"  - {kind: vlan, endpoint: c:v10, parent: p:up0, id: 10}\n"
	"  - {kind: dummy, endpoint: c:d0}\n"
	"  - {kind: dummy, endpoint: p:up0}\n"
	"forwards:\n"
	"  - {listen: \"[::1]:8080\", to: \"p:[fd00::1]:80\"}\n"
	"  - {listen: \"c:0.0.0.0:53\", to: \"p:10.0.0.1:53\", proto: udp}\n";

static char *slurp(const char *path)
{
	struct strbuf sb = { 0 };
	char buf[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_addn(&sb, buf, n);
	fclose(f);
	return sb.buf ? sb.buf : xstrdup("");
}

static void section(struct strbuf *sb, const char *title, const struct plan *p)
{
	char *text;

	sb_printf(sb, "## %s: printed\n", title);
	text = plan_printed(p, false);
	sb_add(sb, text);
	free(text);
	sb_printf(sb, "## %s: json\n", title);
	text = plan_printed(p, true);
	sb_add(sb, text);
	free(text);
	sb_printf(sb, "## %s: journal\n", title);
	for (size_t i = 0; i < p->n_ops; i++) {
		sb_printf(sb, "+ %zu ", i);
		op_encode(&p->ops[i], sb);
		sb_addc(sb, '\n');
	}
}

/* Every view of @t's plans, as one text. */
static char *render(struct topo *t)
{
	struct plan *p = plan_compile(t), *inv;
	struct strbuf sb = { 0 };

	/* What a run learns, as apply journals it. */
	for (size_t i = 0; i < p->n_ops; i++)
		if (p->ops[i].kind == OP_SYSCTL_SET && !op_ns(&p->ops[i]) &&
		    !p->ops[i].own)
			p->ops[i].old_value = "0";
		else if (p->ops[i].kind == OP_PORT_ADD)
			p->ops[i].saved = "a 192.0.2.7/24 128 0 192.0.2.255|"
					  "r 0.0.0.0/0 192.0.2.1 0 254 1 3 0 0";
		else if (p->ops[i].kind == OP_RELAY_START)
			p->ops[i].pid = 4242, p->ops[i].pstart = 123456789;
	inv = plan_invert(p);
	section(&sb, "apply", p);
	section(&sb, "destroy", inv);
	plan_free(inv);
	plan_free(p);
	return sb.buf;
}

static void check(const char *name, struct topo *t)
{
	char path[256];
	char *got = render(t), *want;

	snprintf(path, sizeof(path), GOLDEN_DIR "/%s.txt", name);
	if (getenv("NSTOPO_GOLDEN_WRITE")) {
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs(got, f);
		fclose(f);
	}
	want = slurp(path);
	if (!want) {
		print_error("%s: missing (NSTOPO_GOLDEN_WRITE=1 writes it)\n",
			    path);
		fail();
	}
	if (strcmp(got, want)) {
		/* The first line that differs, to start the search. */
		size_t i = 0, line = 1;

		while (got[i] && got[i] == want[i])
			line += got[i++] == '\n';
		print_error(
			"%s differs from this build's output from line %zu\n",
			path, line);
		fail();
	}
	free(want);
	free(got);
}

static void check_file(const char *name, const char *file)
{
	struct diags d = { .file = file };
	struct topo *t = topo_load(file, &d);

	if (!t) {
		print_error("%s does not load\n", file);
		fail();
	}
	check(name, t);
	topo_free(t);
	diags_free(&d);
}

static void test_topologies(void **state)
{
	static const char *const files[] = {
		"bridged-lan", "ipv6-only", "ipv6-services", "router",
		"tproxy",      "two-hosts", "two-machines",
	};
	char path[256];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "topologies/%s.yaml", files[i]);
		check_file(files[i], path);
	}
	check_file("labs-intercept", "tests/integration/labs/intercept.yaml");
	check_file("labs-spec-example",
		   "tests/integration/labs/spec-example.yaml");
}

/* Tunnels over the underlay, in a node and in the host. */
static const char tunnels_yaml[] =
	"name: tunnels\n"
	"nodes:\n"
	"  a:\n"
	"    interfaces:\n"
	"      vx0: {addresses: [10.0.0.1/24, \"fd00::1/64\"]}\n"
	"  host:\n"
	"    interfaces:\n"
	"      vx6: {addresses: [10.6.0.1/24], mtu: 1400}\n"
	"links:\n"
	"  - {kind: vxlan, endpoint: a:vx0, id: 100, remote: 192.0.2.2, local: "
	"192.0.2.1, dev: eth0}\n"
	"  - {kind: vxlan, endpoint: host:vx6, id: 16777215, remote: "
	"\"2001:db8::2\", local: \"2001:db8::1\", dstport: 8472}\n";

static void test_tunnels(void **state)
{
	struct topo *t = load_named("tunnels.yaml", tunnels_yaml);

	(void)state;
	check("tunnels", t);
	topo_free(t);
}

static void test_kinds(void **state)
{
	struct topo *t = load_named("kinds.yaml", kinds_yaml);

	(void)state;
	check("kinds", t);
	topo_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_topologies),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_tunnels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
