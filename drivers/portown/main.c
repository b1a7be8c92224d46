// SPDX-License-Identifier: GPL-2.0
/*
 * portown - serial port ownership and hangup recovery.
 *
 * Module entry points: the infrastructure (class, /dev/portown) comes up
 * first, then the tap (which records the ports already open), then the
 * line discipline, so nothing can attach the shim before there is
 * somewhere to report to; all of it goes down in the reverse order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/tty.h>

#include "portown.h"
#include "registry.h"

static int ldisc = N_DEVELOPMENT;
module_param(ldisc, int, 0444);
MODULE_PARM_DESC(ldisc, "line discipline number of the shim (default 29, N_DEVELOPMENT); must be free");

static int __init portown_init(void)
{
	int ret;

	ret = portown_sysfs_init();
	if (ret)
		return ret;

	ret = portown_cdev_init();
	if (ret)
		goto err_sysfs;

	ret = portown_tap_init();
	if (ret)
		goto err_cdev;
	portown_sysfs_start();
	portown_reconcile_init();

	ret = portown_ldisc_register(ldisc);
	if (ret)
		goto err_tap;

#ifdef PORTOWN_CANARY_WARN
	/* Test-bed canary, only in a build made with PORTOWN_CANARY=warn. */
	WARN(1, "canary: this warning must turn the test bed red\n");
#endif
	pr_info("loaded, line discipline %d\n", ldisc);
	return 0;

err_tap:
	portown_reconcile_exit();
	portown_tap_exit();
err_cdev:
	portown_cdev_exit();
err_sysfs:
	portown_sysfs_exit();
	portown_registry_clear();
	return ret;
}

static void __exit portown_exit(void)
{
	portown_ldisc_unregister();
	portown_reconcile_exit();
	portown_tap_exit();
	portown_cdev_exit();
	portown_sysfs_exit();
	portown_registry_clear();
	pr_info("unloaded\n");
}

module_init(portown_init);
module_exit(portown_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Serial port ownership tracking and hangup recovery");
MODULE_AUTHOR("The portown developers");
