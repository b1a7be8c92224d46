/* SPDX-License-Identifier: GPL-2.0 */
/*
 * portown - internal interfaces between the module's parts.
 */
#ifndef _PORTOWN_H
#define _PORTOWN_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/uidgid.h>

#include "compat.h"
#include "registry.h"

struct device;
struct file;
struct pid_namespace;
struct tty_struct;
struct user_namespace;
struct work_struct;
struct workqueue_struct;

/* main.c */
extern struct workqueue_struct *portown_wq;

/* ldisc.c: the line-discipline shim */
int portown_ldisc_register(int num);
void portown_ldisc_unregister(void);
int portown_ldisc_lookup(const char *text, size_t len, int num,
			 char *name, size_t namesz);

/* ttyfile.c: recognising tty descriptors and finding them */
int portown_track_init(void);
void portown_track_exit(void);
bool portown_is_tty_file(const struct file *file);
struct tty_struct *portown_file_tty(const struct file *file);
bool portown_tty_tracked(const struct tty_struct *tty);
struct file *portown_current_file(const struct tty_struct *tty);
bool portown_current_holds(const void *file);
bool portown_current_has_port(dev_t devt);
struct tty_struct *portown_current_tty(dev_t devt);

/**
 * struct portown_found - a descriptor found in a process's table
 * @file: the descriptor, referenced while the walk's callback runs
 * @hungup: it was hung up
 */
struct portown_found {
	struct file *file;
	bool hungup;
};

unsigned int portown_walk_descriptors(void (*fn)(const struct portown_found *found,
						 unsigned int n,
						 const struct portown_who *who));

/* tap.c: the probes on the tty core */
enum portown_tap_type {
	PORTOWN_TAP_OPEN,
	PORTOWN_TAP_CLOSE,
	PORTOWN_TAP_HANGUP,
	PORTOWN_TAP_DENY,
	PORTOWN_TAP_GONE,
	PORTOWN_TAP_DEAD_CLAIM,
};

#define PORTOWN_TAP_EXCL	BIT(0)	/* hangup: TTY_EXCLUSIVE was set, now cleared */
#define PORTOWN_TAP_RESET	BIT(1)	/* hangup: the settings are the baseline */
#define PORTOWN_TAP_HUNGUP	BIT(2)	/* open: hung up before it was recorded */

/**
 * struct portown_tap_event - what a probe handler saw, for process context
 * @tty: the tty, referenced, or NULL
 * @file: the descriptor (OPEN, CLOSE), never dereferenced later
 * @who: the process the handler ran for; @who.pid is referenced
 * @devt: the tty's device number
 * @f_flags: the descriptor's open flags (OPEN)
 * @type: PORTOWN_TAP_*
 * @flags: PORTOWN_TAP_EXCL, PORTOWN_TAP_RESET, PORTOWN_TAP_HUNGUP
 */
struct portown_tap_event {
	struct tty_struct *tty;
	const void *file;
	struct portown_who who;
	dev_t devt;
	unsigned int f_flags;
	u8 type;
	u8 flags;
};

int portown_tap_init(struct work_struct *consumer);
void portown_tap_exit(void);
bool portown_tap_active(void);
ssize_t portown_tap_status(char *buf);
unsigned long portown_tap_missed(void);
bool portown_tap_opening(const void *file);
unsigned int portown_tap_pop(struct portown_tap_event *out, unsigned int max);

/* track.c: the tap's events applied to the registry */
void portown_sync_lock(void);
void portown_sync_unlock(void);
struct work_struct *portown_track_consumer(void);
void portown_track_flush(void);
struct portown_port **portown_track_snapshot(unsigned int *nr);
void portown_track_snapshot_put(struct portown_port **ports, unsigned int nr);
struct portown_port *portown_track_tty(struct tty_struct *tty);
struct portown_port *portown_track_adopt(struct tty_struct *tty, struct file *file);
void portown_track_shim(struct tty_struct *tty, bool attached);
void portown_track_reinit(struct tty_struct *tty, const struct portown_who *owner, bool excl);
unsigned int portown_discover(void);

/* reinit.c: back to the baseline after a hangup */
bool portown_reset_hung_up_now(struct tty_struct *tty);
bool portown_reinit_locked(struct tty_struct *tty);
void portown_reinit_later(struct tty_struct *tty, struct portown_who *owner, bool excl);
void portown_clear_excl_later(struct tty_struct *tty, dev_t devt);

/* reconcile.c: the reconciler */
bool portown_drop_event(void);
void portown_reconcile_soon(void);
void portown_reconcile_tty(struct tty_struct *tty);
void portown_reconcile_init(void);
void portown_reconcile_exit(void);

/* policy.c: who may see whom */

/**
 * struct portown_viewer - who asks about a port, and what they may see
 * @pidns: the pid namespace pids are shown in
 * @userns: the user namespace uids are shown in
 * @uid: the caller's real uid
 * @euid: the caller's effective uid
 * @all: the caller may see every holder of the port
 */
struct portown_viewer {
	struct pid_namespace *pidns;
	struct user_namespace *userns;
	kuid_t uid;
	kuid_t euid;
	bool all;
};

int portown_policy_param(void);
void portown_viewer_init(struct portown_viewer *v, dev_t devt, const char *name,
			 struct pid_namespace *pidns, struct user_namespace *userns);
void portown_viewer_init_current(struct portown_viewer *v, dev_t devt, const char *name);
bool portown_viewer_sees(const struct portown_viewer *v, const struct portown_who *who);
void portown_viewer_export(const struct portown_viewer *v, const struct portown_who *who,
			   struct portown_ident *id);
void portown_viewer_export_event(const struct portown_viewer *v,
				 const struct portown_who *who, struct portown_ident *id);

/* ioctl.c */
long portown_ioctl(struct tty_struct *shim_tty, unsigned int cmd, void __user *arg);

/* cdev.c: /dev/portown */
void portown_events_post(const struct portown_port *port, const struct portown_hist *e);
int portown_cdev_init(void);
void portown_cdev_exit(void);

/* sysfs.c: /sys/class/portown */
int portown_sysfs_init(void);
void portown_sysfs_start(void);
void portown_sysfs_exit(void);
void portown_sysfs_update(struct portown_port *port, struct device *tty_dev);
void portown_sysfs_relink(struct portown_port *port, struct device *tty_dev);
void portown_sysfs_changed(struct portown_port *port);
void portown_sysfs_tidy(void);
const char *portown_state_name(u32 state);

#endif /* _PORTOWN_H */
