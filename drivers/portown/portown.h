/* SPDX-License-Identifier: GPL-2.0 */
/*
 * portown - internal interfaces between the module's parts.
 */
#ifndef _PORTOWN_H
#define _PORTOWN_H

#include <linux/types.h>

#include "compat.h"

/* ldisc.c: the line-discipline shim */
int portown_ldisc_register(int num);
void portown_ldisc_unregister(void);
int portown_ldisc_lookup(const char *text, size_t len, int num,
			 char *name, size_t namesz);

/* cdev.c: /dev/portown */
int portown_cdev_init(void);
void portown_cdev_exit(void);

/* sysfs.c: /sys/class/portown */
int portown_sysfs_init(void);
void portown_sysfs_exit(void);

#endif /* _PORTOWN_H */
