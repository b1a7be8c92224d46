// SPDX-License-Identifier: GPL-2.0
/*
 * portown - serial port ownership and hangup recovery.
 *
 * Module entry points: the infrastructure (workqueue, class, /dev/portown)
 * comes up first, then the tap and the discovery of the ports already
 * open, then the line discipline, so nothing can attach the shim before
 * there is somewhere to report to; all of it goes down in the reverse
 * order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/tty.h>
#include <linux/workqueue.h>

#include "portown.h"
#include "registry.h"

static int ldisc = N_DEVELOPMENT;
module_param(ldisc, int, 0444);
MODULE_PARM_DESC(ldisc, "line discipline number of the shim (default 29, N_DEVELOPMENT); must be free");

/* The reconciler, the tap's consumer and the resets after hangups. */
struct workqueue_struct *portown_wq;

static void portown_stop_tracking(void)
{
	portown_tap_exit();
	portown_reconcile_exit();
	portown_track_flush();
	flush_workqueue(portown_wq);	/* runs the resets still queued */
}

static int __init portown_init(void)
{
	int ret;

	ret = portown_policy_param() ?: portown_track_init();
	if (ret)
		return ret;
	portown_wq = alloc_workqueue("portown", WQ_UNBOUND | WQ_HIGHPRI, 0);
	if (!portown_wq) {
		portown_track_exit();
		return -ENOMEM;
	}

	ret = portown_sysfs_init();
	if (ret)
		goto err_wq;
	ret = portown_cdev_init();
	if (ret)
		goto err_sysfs;

	portown_tap_init(portown_track_consumer());
	if (portown_tap_active())
		pr_info("tap on the tty core active; %u tty descriptors open at load\n",
			portown_discover());
	portown_sysfs_start();
	portown_reconcile_init();

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
	portown_registry_clear();
err_wq:
	destroy_workqueue(portown_wq);
	portown_track_exit();
	return ret;
}

static void __exit portown_exit(void)
{
	portown_ldisc_unregister();
	portown_stop_tracking();
	portown_cdev_exit();
	portown_sysfs_exit();
	portown_registry_clear();
	destroy_workqueue(portown_wq);
	portown_track_exit();
	pr_info("unloaded\n");
}

module_init(portown_init);
module_exit(portown_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Serial port ownership tracking and hangup recovery");
MODULE_AUTHOR("The portown developers");
