/* SPDX-License-Identifier: GPL-2.0 */
/*
 * portown - internal interfaces between the module's parts.
 */
#ifndef _PORTOWN_H
#define _PORTOWN_H

#include <linux/compiler.h>
#include <linux/gfp.h>
#include <linux/types.h>

#include "compat.h"

struct device;
struct file;
struct portown_port;
struct portown_who;
struct tty_struct;

/* ldisc.c: the line-discipline shim */
int portown_ldisc_register(int num);
void portown_ldisc_unregister(void);
int portown_ldisc_lookup(const char *text, size_t len, int num,
			 char *name, size_t namesz);

/* track.c: the tap on the tty core, and the tty side of the registry */
int portown_tap_init(void);
void portown_tap_exit(void);
ssize_t portown_tap_status(char *buf);
bool portown_is_tty_file(const struct file *file);
struct tty_struct *portown_file_tty(const struct file *file);
bool portown_tty_tracked(const struct tty_struct *tty);
void portown_track_open(struct tty_struct *tty, struct file *file,
			const struct portown_who *who, gfp_t gfp);
void portown_track_shim(struct tty_struct *tty, bool attached);
struct portown_port *portown_tty_port(struct tty_struct *tty);
bool portown_pid_gone(struct pid *pid);
void portown_reinit_hung_up(struct tty_struct *tty, const struct portown_who *owner,
			    bool excl);
bool portown_port_check_claimer(struct portown_port *port);

unsigned int portown_discover(void);

/* reconcile.c: the reconciler */
bool portown_drop_event(void);
void portown_reconcile_all(void);
void portown_reconcile_init(void);
void portown_reconcile_exit(void);

/* ioctl.c */
long portown_ioctl(struct tty_struct *shim_tty, unsigned int cmd, void __user *arg);

/* cdev.c: /dev/portown */
struct portown_hist;
void portown_events_post(const struct portown_port *port, const struct portown_hist *e);
int portown_cdev_init(void);
void portown_cdev_exit(void);

/* sysfs.c: /sys/class/portown */
int portown_sysfs_init(void);
void portown_sysfs_start(void);
void portown_sysfs_exit(void);
void portown_sysfs_update(struct portown_port *port, struct device *tty_dev);
void portown_sysfs_changed(struct portown_port *port);
void portown_sysfs_tidy(void);
const char *portown_state_name(u32 state);

#endif /* _PORTOWN_H */
