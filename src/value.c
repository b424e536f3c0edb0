// SPDX-License-Identifier: MIT
/*
 * value.c - the small value types every stage shares: prefixes, names,
 * sysctl keys, route types, MAC addresses.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

#include "value.h"

int prefix_parse(const char *s, struct prefix *p, bool need_len,
		 const char **why)
{
	const char *slash = strchr(s, '/');
	char addr[INET6_ADDRSTRLEN + 1];
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	uint32_t plen;

	memset(p, 0, sizeof(*p));
	*why = NULL;
	if (memchr(s, '%', alen)) {
		*why = "may not have a zone index (the '%' part)";
		return -1;
	}
	if (!alen || alen >= sizeof(addr)) {
		*why = "is not an IPv4 or IPv6 address";
		return -1;
	}
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, p->bytes) == 1) {
		p->family = AF_INET;
		p->plen = 32;
	} else if (inet_pton(AF_INET6, addr, p->bytes) == 1) {
		p->family = AF_INET6;
		p->plen = 128;
	} else {
		*why = "is not an IPv4 or IPv6 address";
		return -1;
	}
	if (!slash) {
		if (need_len) {
			*why = "needs a prefix length (e.g. /24 or /64)";
			return -1;
		}
		return 0;
	}
	if (!need_len) {
		*why = "must be an address without a prefix length";
		return -1;
	}
	if (slash[1] == '0' && isdigit((unsigned char)slash[2])) {
		*why = "has a prefix length with a leading zero";
		return -1;
	}
	if (!parse_u32(slash + 1, &plen) || plen > p->plen) {
		*why = p->family == AF_INET ?
			       "has an invalid prefix length (0..32)" :
			       "has an invalid prefix length (0..128)";
		return -1;
	}
	p->plen = (uint8_t)plen;
	return 0;
}

void prefix_format(const struct prefix *p, bool with_len, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(p->family, p->bytes, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	if (with_len)
		snprintf(buf, len, "%s/%u", a, p->plen);
	else
		snprintf(buf, len, "%s", a);
}

static bool bits_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, full))
		return false;
	if (!rest)
		return true;
	return !((a[full] ^ b[full]) & (0xff00 >> rest));
}

bool prefix_contains(const struct prefix *net, const struct prefix *addr)
{
	return net->family == addr->family &&
	       bits_equal(net->bytes, addr->bytes, net->plen);
}

struct prefix prefix_subnet(const struct prefix *p)
{
	struct prefix net = *p;
	unsigned total = p->family == AF_INET ? 32 : 128;

	for (unsigned bit = p->plen; bit < total; bit++)
		net.bytes[bit / 8] &= (uint8_t) ~(0x80 >> (bit % 8));
	return net;
}

struct prefix prefix_broadcast(const struct prefix *p)
{
	struct prefix b = *p;
	unsigned total = p->family == AF_INET ? 32 : 128;

	for (unsigned bit = p->plen; bit < total; bit++)
		b.bytes[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
	return b;
}

bool prefix_has_host_bits(const struct prefix *p)
{
	unsigned total = p->family == AF_INET ? 32 : 128;

	for (unsigned bit = p->plen; bit < total; bit++)
		if (p->bytes[bit / 8] & (0x80 >> (bit % 8)))
			return true;
	return false;
}

bool prefix_equal(const struct prefix *a, const struct prefix *b)
{
	return a->family == b->family && a->plen == b->plen &&
	       !memcmp(a->bytes, b->bytes, a->family == AF_INET ? 4 : 16);
}

bool prefix_is_link_local(const struct prefix *p)
{
	return p->family == AF_INET6 && p->bytes[0] == 0xfe &&
	       (p->bytes[1] & 0xc0) == 0x80;
}

/*
 * The length of the Unicode white space (or invisible space) character
 * UTF-8 @s starts with, or 0: U+1680, U+2000..U+200B, U+2028, U+2029,
 * U+202F, U+205F, U+3000, U+FEFF.  (U+0085 and U+00A0 are refused as C1
 * control and as the kernel's space byte.)
 */
static size_t unicode_space(const unsigned char *s)
{
	if (s[0] == 0xe1 && s[1] == 0x9a && s[2] == 0x80)
		return 3;
	if (s[0] == 0xe2 && s[1] == 0x80 &&
	    (s[2] <= 0x8b || s[2] == 0xa8 || s[2] == 0xa9 || s[2] == 0xaf))
		return 3;
	if (s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f)
		return 3;
	if (s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80)
		return 3;
	if (s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)
		return 3;
	return 0;
}

/* The kernel's dev_valid_name(), plus no '%' (templates) or controls. */
bool ifname_valid(const char *s, const char **why)
{
	size_t n = strlen(s);

	if (!n) {
		*why = "is empty";
		return false;
	}
	if (n > IFNAME_MAX) {
		*why = "is longer than 15 bytes";
		return false;
	}
	if (!strcmp(s, ".") || !strcmp(s, "..")) {
		*why = "may not be '.' or '..'";
		return false;
	}
	if (!strcmp(s, "all") || !strcmp(s, "default")) {
		*why = "is reserved by the kernel (its sysctl directories)";
		return false;
	}
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '/' || c == ':' || c == '%') {
			*why = "may not contain '/', ':' or '%'";
			return false;
		}
		if (isspace(c) || c < 0x20 || c == 0x7f) {
			*why = "may not contain whitespace or control characters";
			return false;
		}
		/* The kernel's isspace() is Latin-1's: byte 0xA0 (in UTF-8
		 * the second byte of U+00A0 no-break space, of 'à' and of
		 * many more) is a space to it, and the name EINVAL. */
		if (c == 0xa0) {
			*why = "may not contain byte 0xA0 (as in 'à' or a no-break space): the kernel takes it for white space";
			return false;
		}
		/* Other spaces the kernel would take, but no one could tell
		 * from an ordinary one in a message. */
		if (unicode_space((const unsigned char *)s)) {
			*why = "may not contain white space (such as U+2003 em space)";
			return false;
		}
	}
	return true;
}

static bool name_chars(const char *s, size_t max, const char *extra)
{
	size_t n = strlen(s);

	if (!n || n > max || !isalnum((unsigned char)s[0]))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
			return false;
	return true;
}

bool node_name_valid(const char *s)
{
	/* Starting with an alphanumeric already rules out "." and "..";
	 * isalnum() must not see non-ASCII bytes as letters. */
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c >= 0x80)
			return false;
	return name_chars(s, NODE_NAME_MAX, "_.-");
}

bool lab_name_valid(const char *s)
{
	const char *at = strchr(s, '@'), *why;
	char lab[LAB_NAME_MAX + 1];
	size_t n = at ? (size_t)(at - s) : strlen(s);

	if (n > LAB_NAME_MAX || (at && !instance_valid(at + 1, &why)))
		return false;
	memcpy(lab, s, n);
	lab[n] = '\0';
	for (const char *c = lab; *c; c++)
		if (isupper((unsigned char)*c) || (unsigned char)*c >= 0x80)
			return false;
	return name_chars(lab, LAB_NAME_MAX, "-");
}

bool instance_valid(const char *s, const char **why)
{
	if (!*s) {
		*why = "is empty";
		return false;
	}
	for (const char *c = s; *c; c++)
		if (!islower((unsigned char)*c) &&
		    !isdigit((unsigned char)*c)) {
			*why = "may hold only a-z and 0-9";
			return false;
		}
	if (strlen(s) > INSTANCE_MAX) {
		*why = "is longer than 12 characters";
		return false;
	}
	return true;
}

/*
 * The hash keeps names of one instance apart; the head keeps instances
 * apart: "P-" is in it whole for a P of up to 8 characters (P holds no
 * '-', so the first '-' ends it).
 */
char *instance_ifname(const char *inst, const char *name,
		      char out[IFNAME_MAX + 1])
{
	char full[INSTANCE_MAX + 1 + IFNAME_MAX + 1];
	size_t head = 8;

	snprintf(full, sizeof(full), "%s-%s", inst, name);
	if (strlen(full) <= IFNAME_MAX) {
		memcpy(out, full, strlen(full) + 1);
		return out;
	}
	while (head > 1 && full[head - 1] == '-')
		head--;
	snprintf(out, IFNAME_MAX + 1, "%.*s-%06x", (int)head, full,
		 (unsigned)(hash_bytes(full, strlen(full)) & 0xffffffu));
	return out;
}

const char *const route_type_names[RT__COUNT] = {
	[RT_UNICAST] = "unicast",
	[RT_BLACKHOLE] = "blackhole",
	[RT_UNREACHABLE] = "unreachable",
	[RT_PROHIBIT] = "prohibit",
	[RT_LOCAL] = "local",
};

const char *route_type_name(enum route_type t)
{
	return t < RT__COUNT ? route_type_names[t] : "?";
}

int route_type_find(const char *name)
{
	for (int i = 0; i < RT__COUNT; i++)
		if (!strcmp(name, route_type_names[i]))
			return i;
	return -1;
}

bool sysctl_key_ifname(const char *key, char name[IFNAME_MAX + 1])
{
	static const char *const heads[] = {
		"net.ipv4.conf.",
		"net.ipv6.conf.",
		"net.ipv4.neigh.",
		"net.ipv6.neigh.",
	};

	for (size_t i = 0; i < ARRAY_SIZE(heads); i++) {
		size_t hl = strlen(heads[i]), len;
		const char *dot;

		if (strncmp(key, heads[i], hl))
			continue;
		dot = strchr(key + hl, '.');
		len = dot ? (size_t)(dot - key) - hl : 0;
		if (!len || len > IFNAME_MAX)
			return false;
		memcpy(name, key + hl, len);
		name[len] = '\0';
		for (char *c = name; *c; c++)
			if (*c == '/')
				*c = '.';
		return true;
	}
	return false;
}

char *sysctl_if_key(char *buf, size_t len, const char *family,
		    const char *ifname, const char *leaf)
{
	int n = snprintf(buf, len, "net.%s.conf.", family);

	for (const char *c = ifname; *c && n > 0 && (size_t)n + 1 < len; c++)
		buf[n++] = *c == '.' ? '/' : *c;
	if (n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, ".%s", leaf);
	return buf;
}

/*
 * The default lab name: the file's stem, lower-cased, with characters a
 * lab name cannot hold turned into '-', cut to LAB_NAME_MAX.
 */
const char *lab_name_from_path(struct arena *a, const char *path)
{
	const char *base = strrchr(path, '/');
	char buf[LAB_NAME_MAX + 1];
	size_t n = 0, len;

	if (!strcmp(path, "-"))
		return "stdin";
	base = base ? base + 1 : path;
	base += strspn(base, "."); /* a dot-file: what follows the dots */
	len = strcspn(base, ".");
	for (size_t i = 0; i < len && n < LAB_NAME_MAX; i++) {
		unsigned char c =
			(unsigned char)tolower((unsigned char)base[i]);

		if (!n && !isalnum(c))
			continue;
		buf[n++] = (isalnum(c) && c < 0x80) ? (char)c : '-';
	}
	while (n && buf[n - 1] == '-')
		n--;
	if (!n)
		return "lab";
	return arena_strndup(a, buf, n);
}

int mac_parse(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)s[0]) ||
		    !isxdigit((unsigned char)s[1]))
			return -1;
		mac[i] = (uint8_t)strtoul((char[]){ s[0], s[1], 0 }, NULL, 16);
		s += 2;
		if (i < 5 && *s++ != ':')
			return -1;
	}
	return *s ? -1 : 0;
}

char *mac_format(const uint8_t mac[6], char buf[MAC_TEXT])
{
	snprintf(buf, MAC_TEXT, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

const char *gate_kind_name(unsigned k)
{
	static const char *const names[GATE__COUNT] = {
		[GATE_TCP] = "tcp",
		[GATE_CMD] = "cmd",
		[GATE_FILE] = "file",
	};

	return k < GATE__COUNT && names[k] ? names[k] : "?";
}

uint32_t lab_group(const char *lab)
{
	/* A fixed tag in the high byte keeps clear of the small group
	 * numbers people assign by hand; the rest tells labs apart. */
	return 0x6e000000u |
	       ((uint32_t)hash_bytes(lab, strlen(lab)) & 0xffffffu);
}

void lab_mark(const char *lab, char *buf, size_t len)
{
	snprintf(buf, len, "nstopo:%s", lab);
}

char *lab_link_mark(const char *lab, const char *ifname, char *buf, size_t len)
{
	snprintf(buf, len, "nstopo:%s/%s", lab, ifname);
	return buf;
}
