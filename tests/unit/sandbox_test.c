// SPDX-License-Identifier: MIT
/*
 * sandbox_test.c - what an isolated run refuses (sandbox_check) and the
 * message that names the setting forbidding user namespaces
 * (sandbox_userns_hint, over a made-up /proc/sys).  Making the sandbox
 * itself is tested against the kernel: tests/integration/t-isolated.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "sandbox.h"

/* Every refusal for @yaml, as "LINE:COL: message" lines. */
static char *refusals(const char *yaml, size_t *count)
{
	struct topo *t = load_ok(yaml);
	struct diags d = { .file = TEST_FILE };
	char *text;

	*count = sandbox_check(t, &d);
	assert_int_equal(*count, d.n);
	text = diags_text(&d);
	diags_free(&d);
	topo_free(t);
	return text;
}

#define ONLY_LAB \
	": an isolated run has only the interfaces the file makes (run it as root, without --isolated)"

static void test_lab_of_its_own_passes(void **state)
{
	static const char yaml[] =
		"nodes:\n"
		"  a: {}\n"
		"  r: {}\n"
		"  host:\n"
		"    sysctl:\n"
		"      net.ipv4.ip_forward: 1\n"
		"      net.ipv6.conf.all.forwarding: 1\n"
		"      net.ipv4.conf.default.rp_filter: 0\n"
		"      net.ipv6.conf.br0.accept_ra: 0\n"
		"      net.ipv4.conf.lo.rp_filter: 0\n"
		"      net.ipv4.neigh.up0.gc_stale_time: 30\n"
		"bridges:\n"
		"  br0: {ports: [up0]}\n"
		"links:\n"
		"  - [a:eth0, br0]\n"
		"  - [r:up0, host:up0]\n"
		"  - [r:up1, host:up1]\n"
		"  - {kind: macvlan, endpoint: a:mv0, parent: host:up1}\n"
		"  - {kind: dummy, endpoint: r:d0}\n";
	size_t n;
	char *text = refusals(yaml, &n);

	(void)state;
	assert_int_equal(n, 0);
	assert_string_equal(text, "");
	free(text);
}

static void test_host_nic_port_refused(void **state)
{
	static const char yaml[] =
		"nodes:\n"
		"  a: {}\n"
		"bridges:\n"
		"  br0: {ports: [eth0, a-port], adopt: true}\n"
		"  br1:\n"
		"    ports:\n"
		"      - enp1s0\n"
		"links:\n"
		"  - [a:eth0, br0]\n"
		"  - [a:eth1, br1]\n";
	size_t n;
	char *text = refusals(yaml, &n);

	(void)state;
	assert_int_equal(n, 3);
	assert_string_equal(
		text,
		"4:17: bridge 'br0' takes the machine's interface 'eth0' as a port (adopt: true)" ONLY_LAB
		"\n"
		"4:23: bridge 'br0' takes the machine's interface 'a-port' as a port (adopt: true)" ONLY_LAB
		"\n"
		"7:9: bridge 'br1' takes the machine's interface 'enp1s0' as a port" ONLY_LAB);
	free(text);
}

static void test_link_on_host_nic_refused(void **state)
{
	static const char yaml[] =
		"nodes:\n"
		"  a: {}\n"
		"  b: {}\n"
		"links:\n"
		"  - {kind: macvlan, endpoint: a:mv0, parent: host:eth0}\n"
		"  - {kind: ipvlan, endpoint: b:iv0,\n"
		"     parent: \"host:wlan0\"}\n"
		"  - kind: vlan\n"
		"    endpoint: a:v10\n"
		"    parent: host:eth0\n"
		"    id: 10\n"
		"  - {kind: vlan, endpoint: b:v20, parent: a:mv0, id: 20}\n";
	size_t n;
	char *text = refusals(yaml, &n);

	(void)state;
	assert_int_equal(n, 3);
	assert_string_equal(
		text,
		"5:46: a macvlan link on the machine's interface 'eth0' (parent: host:eth0)" ONLY_LAB
		"\n"
		"7:14: an ipvlan link on the machine's interface 'wlan0' (parent: host:wlan0)" ONLY_LAB
		"\n"
		"10:13: a vlan link on the machine's interface 'eth0' (parent: host:eth0)" ONLY_LAB);
	free(text);
}

/* A VXLAN's socket would be the sandbox's, off the machine's network. */
static void test_tunnel_refused(void **state)
{
	static const char yaml[] =
		"nodes:\n"
		"  a: {}\n"
		"links:\n"
		"  - {kind: vxlan, endpoint: a:vx0, id: 5, remote: 192.0.2.2}\n";
	size_t n;
	char *text = refusals(yaml, &n);

	(void)state;
	assert_int_equal(n, 1);
	assert_string_equal(
		text,
		"4:12: a vxlan link tunnels over the machine's network" ONLY_LAB);
	free(text);
}

static void test_host_nic_sysctl_refused(void **state)
{
	static const char yaml[] =
		"nodes:\n"
		"  a: {}\n"
		"  host:\n"
		"    sysctl:\n"
		"      net.ipv6.conf.eth0.accept_ra: 2\n"
		"      net.ipv4.conf.eth0/100.forwarding: 1\n"
		"      net.ipv4.ip_forward: 1\n"
		"      net.ipv6.neigh.h-eth0.retrans_time_ms: 100\n"
		"links:\n"
		"  - [a:eth0, host:h-eth0]\n";
	size_t n;
	char *text = refusals(yaml, &n);

	(void)state;
	assert_int_equal(n, 2);
	assert_string_equal(
		text,
		"5:7: sysctl net.ipv6.conf.eth0.accept_ra is of the machine's interface 'eth0'" ONLY_LAB
		"\n"
		"6:7: sysctl net.ipv4.conf.eth0/100.forwarding is of the machine's interface 'eth0.100'" ONLY_LAB);
	free(text);
}

/* A made-up /proc/sys: each of @files ("rel/path", "value") or none. */
static char *fake_proc_sys(const char *const *files)
{
	char tmpl[] = "/tmp/nstopo-sandbox-test.XXXXXX", path[512];
	char *root = mkdtemp(tmpl);

	assert_non_null(root);
	root = xstrdup(root);
	snprintf(path, sizeof(path), "%s/user", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/kernel", root);
	assert_int_equal(mkdir(path, 0755), 0);
	for (size_t i = 0; files && files[i]; i += 2) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", root, files[i]);
		f = fopen(path, "w");
		assert_non_null(f);
		fprintf(f, "%s\n", files[i + 1]);
		fclose(f);
	}
	return root;
}

static void rm_fake(char *root)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	free(root);
}

static char *hint(const char *const *files)
{
	char *root = fake_proc_sys(files);
	struct strbuf msg = { 0 };

	sb_add(&msg, "cannot make a user namespace: EPERM");
	sandbox_userns_hint(root, &msg);
	rm_fake(root);
	return msg.buf;
}

static void test_hint_max_user_namespaces(void **state)
{
	char *got = hint(
		(const char *const[]){ "user/max_user_namespaces", "0", NULL });

	(void)state;
	assert_string_equal(
		got,
		"cannot make a user namespace: EPERM: user.max_user_namespaces is 0 (which turns user namespaces off): allow them as root with 'sysctl -w user.max_user_namespaces=10000'; or run nstopo as root");
	free(got);
}

static void test_hint_debian(void **state)
{
	char *got = hint((const char *const[]){
		"user/max_user_namespaces", "63000",
		"kernel/unprivileged_userns_clone", "0", NULL });

	(void)state;
	assert_string_equal(
		got,
		"cannot make a user namespace: EPERM: kernel.unprivileged_userns_clone is 0 (Debian's switch for unprivileged user namespaces): allow them as root with 'sysctl -w kernel.unprivileged_userns_clone=1'; or run nstopo as root");
	free(got);
}

static void test_hint_ubuntu(void **state)
{
	char *got = hint((const char *const[]){
		"user/max_user_namespaces", "63000",
		"kernel/unprivileged_userns_clone", "1",
		"kernel/apparmor_restrict_unprivileged_userns", "1", NULL });

	(void)state;
	assert_string_equal(
		got,
		"cannot make a user namespace: EPERM: kernel.apparmor_restrict_unprivileged_userns is 1 (Ubuntu's AppArmor restriction of unprivileged user namespaces): allow them as root with 'sysctl -w kernel.apparmor_restrict_unprivileged_userns=0', or with an AppArmor profile for nstopo that allows 'userns,'; or run nstopo as root");
	free(got);
}

static void test_hint_names_every_blocker(void **state)
{
	char *got = hint((const char *const[]){
		"user/max_user_namespaces", "0",
		"kernel/apparmor_restrict_unprivileged_userns", "1", NULL });

	(void)state;
	assert_non_null(strstr(got, ": user.max_user_namespaces is 0 ("));
	assert_non_null(strstr(
		got, "; kernel.apparmor_restrict_unprivileged_userns is 1 ("));
	assert_null(strstr(got, "unprivileged_userns_clone"));
	free(got);
}

static void test_hint_none_blocks(void **state)
{
	char *got = hint((const char *const[]){
		"user/max_user_namespaces", "63000",
		"kernel/apparmor_restrict_unprivileged_userns", "0", NULL });
	char *bare = hint(NULL);

	(void)state;
	assert_string_equal(
		got,
		"cannot make a user namespace: EPERM: no sysctl forbids them here (user.max_user_namespaces is 63000): a seccomp filter (a container's) or a chroot may, or that many are in use; or run nstopo as root");
	assert_non_null(
		strstr(bare, "(user.max_user_namespaces is not readable)"));
	free(got);
	free(bare);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lab_of_its_own_passes),
		cmocka_unit_test(test_host_nic_port_refused),
		cmocka_unit_test(test_link_on_host_nic_refused),
		cmocka_unit_test(test_tunnel_refused),
		cmocka_unit_test(test_host_nic_sysctl_refused),
		cmocka_unit_test(test_hint_max_user_namespaces),
		cmocka_unit_test(test_hint_debian),
		cmocka_unit_test(test_hint_ubuntu),
		cmocka_unit_test(test_hint_names_every_blocker),
		cmocka_unit_test(test_hint_none_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
