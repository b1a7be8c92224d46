// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only helper for portown's test bed: plays "somebody else" who holds
 * a line-discipline number, so the tests can check that portown refuses a
 * number that is taken.  Never shipped.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/tty.h>
#include <linux/tty_ldisc.h>

static int ldisc = -1;
module_param(ldisc, int, 0444);
MODULE_PARM_DESC(ldisc, "line discipline number to occupy (-1: none)");

static struct tty_ldisc_ops portown_test_ldisc_ops;

static int __init portown_test_helper_init(void)
{
	if (ldisc < 0)
		return 0;
	if (ldisc >= NR_LDISCS)
		return -EINVAL;

	n_tty_inherit_ops(&portown_test_ldisc_ops);
	portown_test_ldisc_ops.num = ldisc;
	portown_test_ldisc_ops.name = "po_test_hold";
	portown_test_ldisc_ops.owner = THIS_MODULE;
	return tty_register_ldisc(&portown_test_ldisc_ops);
}

static void __exit portown_test_helper_exit(void)
{
	if (ldisc >= 0)
		tty_unregister_ldisc(&portown_test_ldisc_ops);
}

module_init(portown_test_helper_init);
module_exit(portown_test_helper_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("portown test bed helper (test only)");
