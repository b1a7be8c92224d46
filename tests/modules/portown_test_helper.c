// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only helper for portown's test bed.  Never shipped.
 *
 * It plays "somebody else" who holds a line-discipline number, so the
 * tests can check that portown refuses a number that is taken; and it
 * gives the test bed's canaries their kernel reports on demand, through
 * /sys/kernel/debug/portown_test_helper/: writing 1 to "warn" makes a
 * WARNING, to "lockdep" a lock-order inversion lockdep reports, to
 * "atomic_sleep" a sleep-in-atomic report (DEBUG_ATOMIC_SLEEP), to
 * "leak" an object kmemleak reports.  Each must turn "make check" red.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include <linux/tty.h>
#include <linux/tty_ldisc.h>

static int ldisc = -1;
module_param(ldisc, int, 0444);
MODULE_PARM_DESC(ldisc, "line discipline number to occupy (-1: none)");

static struct tty_ldisc_ops portown_test_ldisc_ops;
static struct dentry *portown_test_debugfs;
static DEFINE_MUTEX(portown_test_lock_a);
static DEFINE_MUTEX(portown_test_lock_b);
static void *portown_test_leaked;

static int portown_test_warn(void *data, u64 val)
{
	WARN(val, "canary: this warning must turn the test bed red\n");
	return 0;
}

/* A before B, then B before A: never a deadlock here, always a report. */
static int portown_test_lockdep(void *data, u64 val)
{
	mutex_lock(&portown_test_lock_a);
	mutex_lock(&portown_test_lock_b);
	mutex_unlock(&portown_test_lock_b);
	mutex_unlock(&portown_test_lock_a);
	mutex_lock(&portown_test_lock_b);
	mutex_lock(&portown_test_lock_a);
	mutex_unlock(&portown_test_lock_a);
	mutex_unlock(&portown_test_lock_b);
	return 0;
}

static int portown_test_atomic_sleep(void *data, u64 val)
{
	preempt_disable();
	might_sleep();
	preempt_enable();
	return 0;
}

/* An object nothing points to once the only pointer is overwritten. */
static int portown_test_leak(void *data, u64 val)
{
	WRITE_ONCE(portown_test_leaked, kmalloc(128, GFP_KERNEL));
	WRITE_ONCE(portown_test_leaked, NULL);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(portown_test_warn_fops, NULL, portown_test_warn, "%llu\n");
DEFINE_DEBUGFS_ATTRIBUTE(portown_test_lockdep_fops, NULL, portown_test_lockdep, "%llu\n");
DEFINE_DEBUGFS_ATTRIBUTE(portown_test_atomic_fops, NULL, portown_test_atomic_sleep, "%llu\n");
DEFINE_DEBUGFS_ATTRIBUTE(portown_test_leak_fops, NULL, portown_test_leak, "%llu\n");

static int __init portown_test_helper_init(void)
{
	struct dentry *d = debugfs_create_dir(KBUILD_MODNAME, NULL);
	int ret;

	portown_test_debugfs = d;
	debugfs_create_file_unsafe("warn", 0200, d, NULL, &portown_test_warn_fops);
	debugfs_create_file_unsafe("lockdep", 0200, d, NULL, &portown_test_lockdep_fops);
	debugfs_create_file_unsafe("atomic_sleep", 0200, d, NULL, &portown_test_atomic_fops);
	debugfs_create_file_unsafe("leak", 0200, d, NULL, &portown_test_leak_fops);

	if (ldisc < 0)
		return 0;
	if (ldisc >= NR_LDISCS) {
		debugfs_remove_recursive(d);
		return -EINVAL;
	}
	n_tty_inherit_ops(&portown_test_ldisc_ops);
	portown_test_ldisc_ops.num = ldisc;
	portown_test_ldisc_ops.name = "po_test_hold";
	portown_test_ldisc_ops.owner = THIS_MODULE;
	ret = tty_register_ldisc(&portown_test_ldisc_ops);
	if (ret)
		debugfs_remove_recursive(d);
	return ret;
}

static void __exit portown_test_helper_exit(void)
{
	debugfs_remove_recursive(portown_test_debugfs);
	if (ldisc >= 0)
		tty_unregister_ldisc(&portown_test_ldisc_ops);
}

module_init(portown_test_helper_init);
module_exit(portown_test_helper_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("portown test bed helper (test only)");
