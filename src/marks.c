// SPDX-License-Identifier: MIT
/*
 * marks.c - a lab's objects found by the marks the kernel keeps on them,
 * without its journal: host links whose alias is "nstopo:LAB/NAME" (or
 * "nstopo:LAB", from earlier builds), and namespaces pinned under
 * /run/netns whose lo's alias is "nstopo:LAB".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "marks.h"
#include "netns.h"
#include "nl.h"

/* The lab an alias marks, into @lab; false if none. */
static bool mark_lab(const char *alias, char lab[LAB_ID_MAX + 1])
{
	size_t n;

	if (strncmp(alias, "nstopo:", 7))
		return false;
	alias += 7;
	n = strcspn(alias, "/");
	if (!n || n > LAB_ID_MAX)
		return false;
	memcpy(lab, alias, n);
	lab[n] = '\0';
	return lab_name_valid(lab);
}

struct scan {
	const char *lab; /* NULL: every lab */
	struct marked *m;
};

static void note(struct scan *s, const char *lab, bool ns, const char *name)
{
	struct marked *m = s->m;
	struct marked_obj *o;
	int i;

	if (s->lab && strcmp(s->lab, lab))
		return;
	i = strmap_get(&m->lab_map, lab);
	if (i < 0) {
		*(char **)vec_push(&m->arena, m->labs, m->n_labs, m->cap_labs) =
			arena_strdup(&m->arena, lab);
		i = (int)m->n_labs - 1;
		strmap_put(&m->lab_map, m->labs[i], i);
	}
	if (ns)
		o = vec_push(&m->arena, m->ns, m->n_ns, m->cap_ns);
	else
		o = vec_push(&m->arena, m->links, m->n_links, m->cap_links);
	o->name = arena_strdup(&m->arena, name);
	o->lab = m->labs[i];
}

static int host_link(const struct link_info *li, void *arg)
{
	char lab[LAB_ID_MAX + 1];

	if (mark_lab(li->alias, lab))
		note(arg, lab, false, li->name);
	return 0;
}

/* The alias of the lo of namespace @name, read from inside it. */
static int lo_alias(const char *name, int home, char *alias, size_t len)
{
	struct nlsock *nl = NULL;
	struct link_info li;
	int fd = netns_open(name), rc;

	if (fd < 0)
		return fd;
	rc = netns_enter(fd);
	close(fd);
	if (rc)
		return rc;
	rc = nlsock_open(&nl);
	if (!rc)
		rc = netlink_link_get(nl, "lo", &li);
	nlsock_close(nl);
	if (netns_enter(home) && !rc)
		rc = -errno;
	if (!rc)
		snprintf(alias, len, "%s", li.alias);
	return rc;
}

int marks_find(const char *lab, struct marked *m)
{
	struct scan s = { .lab = lab, .m = m };
	struct nlsock *nl = NULL;
	char alias[80], owner[LAB_ID_MAX + 1];
	struct dirent *e;
	int home, rc;
	DIR *d;

	memset(m, 0, sizeof(*m));
	home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0)
		return -errno;
	rc = nlsock_open(&nl);
	if (!rc)
		rc = netlink_link_dump(nl, host_link, &s);
	nlsock_close(nl);
	d = rc ? NULL : opendir(NETNS_RUN_DIR);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (!lo_alias(e->d_name, home, alias, sizeof(alias)) &&
		    mark_lab(alias, owner) && !strchr(alias + 7, '/'))
			note(&s, owner, true, e->d_name);
	}
	if (d)
		closedir(d);
	close(home);
	return rc;
}

size_t marked_count(const struct marked *m, const char *lab, size_t *links)
{
	size_t n = 0;

	*links = 0;
	for (size_t i = 0; i < m->n_ns; i++)
		n += !strcmp(m->ns[i].lab, lab);
	for (size_t i = 0; i < m->n_links; i++)
		*links += !strcmp(m->links[i].lab, lab);
	return n;
}

void marked_free(struct marked *m)
{
	strmap_free(&m->lab_map);
	arena_free(&m->arena);
	memset(m, 0, sizeof(*m));
}
