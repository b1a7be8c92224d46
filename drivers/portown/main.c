// SPDX-License-Identifier: GPL-2.0
/*
 * portown - serial port ownership and hangup recovery.
 *
 * Module entry points, and the only place that knows every part: it
 * makes the infrastructure (the workqueue, the debugfs directory, the
 * live registry) and hands each part what it needs, so no part reaches
 * up for it.  The infrastructure, sysfs and /dev/portown come up first,
 * then the tap and the discovery of the ports already open, then the
 * line discipline, so nothing can attach the shim before there is
 * somewhere to report to; all of it goes down in the reverse order.
 *
 * Owns: the workqueue, the debugfs directory, the "ldisc" parameter.
 * Locks: none.  Context: module init and exit.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/tty.h>
#include <linux/workqueue.h>

#include "portown.h"
#include "registry.h"

static int ldisc = N_DEVELOPMENT;
module_param(ldisc, int, 0444);
MODULE_PARM_DESC(ldisc, "line discipline number of the shim (default 29, N_DEVELOPMENT); must be free");

/* The module's infrastructure, handed to the parts that need it. */
static struct workqueue_struct *portown_wq;
static struct dentry *portown_debugfs;

/* The tap's work item drains into the live registry and wakes the reconciler. */
static const struct portown_tap_ops portown_tap_ops = {
	.drain = portown_track_drain,
	.missed = portown_reconcile_soon,
};

static void portown_stop_tracking(void)
{
	portown_tap_exit();
	portown_reconcile_exit();
	portown_track_drain();		/* what the tap left */
	flush_workqueue(portown_wq);	/* runs the resets still queued */
}

static void portown_infra_exit(void)
{
	debugfs_remove_recursive(portown_debugfs);
	destroy_workqueue(portown_wq);
	portown_ttyfile_exit();
}

static int portown_infra_init(void)
{
	int ret = portown_policy_param() ?: portown_ttyfile_init();

	if (ret)
		return ret;
	portown_wq = alloc_workqueue("portown", WQ_UNBOUND | WQ_HIGHPRI, 0);
	if (!portown_wq) {
		portown_ttyfile_exit();
		return -ENOMEM;
	}
	portown_debugfs = debugfs_create_dir("portown", NULL);
	portown_track_init();
	portown_reinit_init(portown_wq);
	portown_why_init();
	return 0;
}

static int __init portown_init(void)
{
	int ret;

	ret = portown_infra_init();
	if (ret)
		return ret;
	ret = portown_sysfs_init();
	if (ret)
		goto err_infra;
	ret = portown_cdev_init();
	if (ret)
		goto err_sysfs;

	portown_tap_init(&portown_live, portown_wq, portown_debugfs, &portown_tap_ops);
	if (portown_tap_active())
		pr_info("tap on the tty core active; %u tty descriptors open at load\n",
			portown_discover(false));
	portown_sysfs_start();
	portown_reconcile_init(portown_wq, portown_debugfs);

	ret = portown_ldisc_register(ldisc);
	if (ret)
		goto err_tap;

	pr_info("loaded, line discipline %d\n", ldisc);
	return 0;

err_tap:
	portown_stop_tracking();
	portown_cdev_exit();
err_sysfs:
	portown_sysfs_exit();
	portown_registry_clear(&portown_live);
err_infra:
	portown_infra_exit();
	return ret;
}

static void __exit portown_exit(void)
{
	portown_ldisc_unregister();
	portown_stop_tracking();
	portown_cdev_exit();
	portown_sysfs_exit();
	portown_registry_clear(&portown_live);
	portown_infra_exit();
	pr_info("unloaded\n");
}

module_init(portown_init);
module_exit(portown_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Serial port ownership tracking and hangup recovery");
MODULE_AUTHOR("The portown developers");
#ifdef PORTOWN_VERSION		/* the top-level Kbuild's, from VERSION */
MODULE_VERSION(PORTOWN_VERSION);
#endif
