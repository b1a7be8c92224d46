/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * portown - serial port ownership and hangup recovery: userspace API.
 *
 * The ioctls below are served on /dev/portown and, with the same numbers,
 * on a tty descriptor that has the portown line discipline attached.
 * See Documentation/userspace-api/portown.rst.
 */
#ifndef _UAPI_LINUX_PORTOWN_H
#define _UAPI_LINUX_PORTOWN_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* ioctl type byte: free in ioctl-number.rst, distinct from the tty range */
#define PORTOWN_IOC_MAGIC	0xB9

/* Port states, as reported by sysfs "state" and in struct portown_info */
#define PORTOWN_STATE_CLOSED	0	/* no descriptor open */
#define PORTOWN_STATE_OPEN	1	/* open, nobody claims it */
#define PORTOWN_STATE_CLAIMED	2	/* one process claims it */
#define PORTOWN_STATE_HUNGUP	3	/* hung up, dead descriptors remain */
#define PORTOWN_STATE_GONE	4	/* device removed, descriptors remain */

#endif /* _UAPI_LINUX_PORTOWN_H */
