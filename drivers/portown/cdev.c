// SPDX-License-Identifier: GPL-2.0
/*
 * portown - /dev/portown, the control device.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "portown.h"

static int portown_cdev_open(struct inode *inode, struct file *file)
{
	return nonseekable_open(inode, file);
}

static long portown_cdev_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
{
	long ret = portown_ioctl(NULL, cmd, (void __user *)arg);

	return ret == -ENOIOCTLCMD ? -ENOTTY : ret;
}

static const struct file_operations portown_cdev_fops = {
	.owner		= THIS_MODULE,
	.open		= portown_cdev_open,
	.unlocked_ioctl	= portown_cdev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice portown_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "portown",
	.fops	= &portown_cdev_fops,
	.mode	= 0666,
};

/**
 * portown_cdev_init() - create /dev/portown
 *
 * Context: process context, module init.
 * Return: 0 or the errno of misc_register().
 */
int portown_cdev_init(void)
{
	int ret = misc_register(&portown_miscdev);

	if (ret)
		pr_err("cannot register /dev/portown (%d)\n", ret);
	return ret;
}

/**
 * portown_cdev_exit() - remove /dev/portown
 *
 * Context: process context, module exit.
 */
void portown_cdev_exit(void)
{
	misc_deregister(&portown_miscdev);
}
