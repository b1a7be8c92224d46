// SPDX-License-Identifier: GPL-2.0
/*
 * portown - /sys/class/portown, one directory per tracked port.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>

#include "portown.h"

static struct class portown_class = {
	.name = "portown",
};

/**
 * portown_sysfs_init() - create /sys/class/portown
 *
 * Context: process context, module init.
 * Return: 0 or the errno of class_register().
 */
int portown_sysfs_init(void)
{
	int ret = class_register(&portown_class);

	if (ret)
		pr_err("cannot register class portown (%d)\n", ret);
	return ret;
}

/**
 * portown_sysfs_exit() - remove /sys/class/portown
 *
 * Context: process context, module exit.
 */
void portown_sysfs_exit(void)
{
	class_unregister(&portown_class);
}
