// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the shim's check of /proc/tty/ldiscs.
 */
#include <kunit/test.h>

#include "portown.h"

/* The layout the tty core prints: "%-10s %2d\n" per discipline */
static const char portown_ldiscs_sample[] =
	"n_tty       0\n"
	"n_hdlc     13\n"
	"n_null     27\n"
	"longername_x 29\n";

static int lookup(const char *text, int num, char *name, size_t namesz)
{
	return portown_ldisc_lookup(text, strlen(text), num, name, namesz);
}

static void portown_ldisc_finds_listed(struct kunit *test)
{
	char name[16];

	KUNIT_EXPECT_EQ(test, lookup(portown_ldiscs_sample, 0, name, sizeof(name)), 1);
	KUNIT_EXPECT_STREQ(test, name, "n_tty");
	KUNIT_EXPECT_EQ(test, lookup(portown_ldiscs_sample, 13, name, sizeof(name)), 1);
	KUNIT_EXPECT_STREQ(test, name, "n_hdlc");
	KUNIT_EXPECT_EQ(test, lookup(portown_ldiscs_sample, 29, name, sizeof(name)), 1);
	KUNIT_EXPECT_STREQ(test, name, "longername_x");
}

static void portown_ldisc_absent_is_free(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, lookup(portown_ldiscs_sample, 1, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, lookup(portown_ldiscs_sample, 3, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, lookup(portown_ldiscs_sample, 2, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, lookup("", 29, NULL, 0), 0);
}

static void portown_ldisc_no_partial_match(struct kunit *test)
{
	/* 29 must not match 129 or 2, nor a digit inside a name */
	KUNIT_EXPECT_EQ(test, lookup("x 2\nn29 1\n", 29, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, lookup("x 2\nn29 1\n", 9, NULL, 0), 0);
}

static void portown_ldisc_tolerates_layout(struct kunit *test)
{
	char name[16];

	/* no final newline, trailing blanks, empty lines */
	KUNIT_EXPECT_EQ(test, lookup("\n\nabc 29", 29, name, sizeof(name)), 1);
	KUNIT_EXPECT_STREQ(test, name, "abc");
	KUNIT_EXPECT_EQ(test, lookup("abc 29\x20\x20\n", 29, NULL, 0), 1);
}

static void portown_ldisc_truncates_name(struct kunit *test)
{
	char name[4];

	KUNIT_EXPECT_EQ(test, lookup("abcdefgh 5\n", 5, name, sizeof(name)), 1);
	KUNIT_EXPECT_STREQ(test, name, "abc");
}

static void portown_ldisc_rejects_malformed(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, lookup("garbage\n", 29, NULL, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, lookup("29\n", 29, NULL, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, lookup("x 1234\n", 29, NULL, 0), -EINVAL);
	/* a malformed line before a match still fails: the text is not trusted */
	KUNIT_EXPECT_EQ(test, lookup("bad\nx 29\n", 29, NULL, 0), -EINVAL);
}

static struct kunit_case portown_ldisc_cases[] = {
	KUNIT_CASE(portown_ldisc_finds_listed),
	KUNIT_CASE(portown_ldisc_absent_is_free),
	KUNIT_CASE(portown_ldisc_no_partial_match),
	KUNIT_CASE(portown_ldisc_tolerates_layout),
	KUNIT_CASE(portown_ldisc_truncates_name),
	KUNIT_CASE(portown_ldisc_rejects_malformed),
	{}
};

static struct kunit_suite portown_ldisc_suite = {
	.name = "portown_ldisc",
	.test_cases = portown_ldisc_cases,
};

kunit_test_suite(portown_ldisc_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for portown");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
