// SPDX-License-Identifier: MIT
/*
 * schema_test.c - the schema's pieces that C can check: the pattern of
 * an integer range matches exactly the numbers of the range (every
 * number of small ranges, the edges and their neighbours of large
 * ones); the patterns the readers use compile as POSIX ERE; every key
 * of every table has a shape and a description; the schema names them.
 */
#include <regex.h>
#include <stdio.h>

#include "helpers.h"
#include "parse.h"
#include "schema.h"

static regex_t re_compile(const char *pattern)
{
	regex_t re;
	int rc = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB);

	if (rc)
		fail_msg("'%s' does not compile (%d)", pattern, rc);
	return re;
}

static bool matches(regex_t *re, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	return !regexec(re, buf, 0, NULL, 0);
}

/* @v matches the pattern of [@lo, @hi] if and only if it is in it. */
static void check_number(regex_t *re, uint32_t lo, uint32_t hi, uint64_t v)
{
	bool in = v >= lo && v <= hi;

	if (matches(re, v) != in)
		fail_msg("range %u..%u: %llu %s", lo, hi, (unsigned long long)v,
			 in ? "does not match" : "matches");
}

static void check_range(uint32_t lo, uint32_t hi, bool every)
{
	struct strbuf sb = { 0 };
	regex_t re;

	schema_int_pattern(&sb, lo, hi);
	re = re_compile(sb.buf);
	if (every) {
		for (uint64_t v = 0; v <= (uint64_t)hi * 10 + 10; v++)
			check_number(&re, lo, hi, v);
	} else {
		/* Edges, their neighbours, and each power of ten near. */
		uint64_t probes[] = { 0,  1,	    (uint64_t)lo - 1,
				      lo, lo + 1,   (uint64_t)hi - 1,
				      hi, hi + 1ull };

		for (size_t i = 0; i < ARRAY_SIZE(probes); i++)
			if (probes[i] <= UINT32_MAX + 1ull)
				check_number(&re, lo, hi, probes[i]);
		for (uint64_t p = 1; p <= 10000000000ull; p *= 10)
			for (int d = -1; d <= 1; d++)
				check_number(&re, lo, hi, p + (uint64_t)d);
	}
	/* No leading zero, no sign, no space. */
	assert_int_not_equal(regexec(&re, "+1", 0, NULL, 0), 0);
	assert_int_not_equal(regexec(&re, " 1", 0, NULL, 0), 0);
	if (lo > 0)
		assert_int_not_equal(regexec(&re, "0", 0, NULL, 0), 0);
	{
		char buf[24];

		snprintf(buf, sizeof(buf), "0%u", lo);
		assert_int_not_equal(regexec(&re, buf, 0, NULL, 0), 0);
	}
	regfree(&re);
	sb_free(&sb);
}

static void test_int_pattern_small(void **state)
{
	(void)state;
	for (uint32_t lo = 0; lo < 130; lo += 7)
		for (uint32_t hi = lo; hi < 1200; hi += 37)
			check_range(lo, hi, true);
	check_range(68, 1500, true);
	check_range(0, 0, true);
	check_range(9, 10, true);
	check_range(99, 100, true);
}

static void test_int_pattern_large(void **state)
{
	struct strbuf sb = { 0 };

	(void)state;
	check_range(68, 65535, true);
	check_range(1, 4094, true);
	check_range(0, UINT32_MAX, false);
	check_range(1, UINT32_MAX, false);
	check_range(123456, 987654321, false);
	check_range(4294967294u, UINT32_MAX, false);
	schema_int_pattern(&sb, 68, 65535);
	assert_string_equal(
		sb.buf,
		"^(6[8-9]|[7-9][0-9]|[1-9][0-9]{2}|[1-9][0-9]{3}|[1-5][0-9]{4}|6([0-4][0-9]{3}|5([0-4][0-9]{2}|5([0-2][0-9]|3[0-5]))))$");
	sb_free(&sb);
}

/* Every key of @s and below has a shape and a description; the text
 * forms the readers match compile. */
static void walk(const struct pshape *s, const char *where)
{
	if (!s)
		return;
	if (s->kind == PS_NUMBER) {
		regex_t re = re_compile(s->pattern);

		regfree(&re);
	}
	for (size_t i = 0; s->kind == PS_MAP && i < s->n_keys; i++) {
		const struct pread_key *k = &s->keys[i];
		char *at = xasprintf("%s.%s", where, k->name);

		if (!k->shape)
			fail_msg("%s has no shape", at);
		if (!k->desc && !k->shape->desc)
			fail_msg("%s has no description", at);
		walk(k->shape, at);
		free(at);
	}
	walk(s->name, where);
	walk(s->item, where);
	walk(s->or, where);
}

static void test_every_key_described(void **state)
{
	(void)state;
	walk(&topo_shape, "");
}

static void test_schema_names_the_keys(void **state)
{
	static const char *const keys[] = {
		"\"interfaces\": {",   "\"netem\": {",	"\"onlink\": {",
		"\"adopt\": {",	       "\"parent\": {", "\"^x-\": {",
		"\"const\": \"vlan\"",
	};
	struct strbuf sb = { 0 };

	(void)state;
	schema_write(&topo_shape, &sb);
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (!strstr(sb.buf, keys[i]))
			fail_msg("the schema has no %s", keys[i]);
	/* The modes of each kind, from linkkind.c. */
	assert_non_null(strstr(sb.buf,
			       "\"enum\": [\"private\", \"vepa\", "
			       "\"bridge\", \"passthru\", \"source\"]"));
	assert_non_null(strstr(sb.buf, "\"enum\": [\"l2\", \"l3\", \"l3s\"]"));
	assert_non_null(strstr(sb.buf, "\"enum\": [1, \"1\"]"));
	sb_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_int_pattern_small),
		cmocka_unit_test(test_int_pattern_large),
		cmocka_unit_test(test_every_key_described),
		cmocka_unit_test(test_schema_names_the_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
