/* SPDX-License-Identifier: GPL-2.0 */
/*
 * portown - internal interfaces between the module's parts, from the
 * bottom layer up.  Each part calls only those declared before it (see
 * the picture in Documentation/design.rst); what a lower part must tell
 * a higher one goes through an interface the higher one registers: the
 * registry's listeners, the tap's operations.
 */
#ifndef _PORTOWN_H
#define _PORTOWN_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/uidgid.h>

#include "compat.h"
#include "registry.h"

struct dentry;
struct device;
struct file;
struct pid_namespace;
struct tty_struct;
struct user_namespace;
struct workqueue_struct;

/* registry.h: the registry (the bottom layer) */

/* ttyfile.c: recognising tty descriptors and finding them */
int portown_ttyfile_init(void);
void portown_ttyfile_exit(void);
bool portown_is_tty_file(const struct file *file);
struct tty_struct *portown_file_tty(const struct file *file);
bool portown_tty_tracked(const struct tty_struct *tty);
struct file *portown_current_file(const struct tty_struct *tty);
bool portown_current_holds(const void *file);
bool portown_current_has_port(dev_t devt);
struct tty_struct *portown_current_tty(dev_t devt);
bool portown_tty_is_console(struct tty_struct *tty);
struct tty_struct *portown_tty_lookup(dev_t devt);

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

/* reinit.c: a port's settings back to its baseline */
enum portown_hup_reset {
	PORTOWN_HUP_KEEP,	/* the settings stay (policy never, a console) */
	PORTOWN_HUP_EARLY,	/* reset before the driver's hangup */
	PORTOWN_HUP_AFTER,	/* reset after it */
};

void portown_reinit_init(struct workqueue_struct *wq);
int portown_reset_mode(struct portown_registry *reg, struct tty_struct *tty);
bool portown_reset_at_close(struct portown_registry *reg, struct tty_struct *tty);
bool portown_reset_defer(struct tty_struct *tty);
bool portown_reset_take(struct tty_struct *tty);
bool portown_reset_now(struct portown_registry *reg, struct tty_struct *tty);
bool portown_reinit_locked(struct portown_registry *reg, struct tty_struct *tty, u32 *flags);
void portown_reinit_later(struct portown_registry *reg, struct tty_struct *tty, bool due);
void portown_clear_excl_later(struct portown_registry *reg, struct tty_struct *tty, dev_t devt);

/* tap.c: the probes on the tty core */
enum portown_tap_type {
	PORTOWN_TAP_OPEN,
	PORTOWN_TAP_CLOSE,
	PORTOWN_TAP_HANGUP,
	PORTOWN_TAP_DENY,
	PORTOWN_TAP_GONE,
	PORTOWN_TAP_DEAD_CLAIM,
	PORTOWN_TAP_REINIT,
	PORTOWN_TAP_TIOCEXCL,
};

#define PORTOWN_TAP_EXCL	BIT(0)	/* hangup: TTY_EXCLUSIVE was set, now cleared */
#define PORTOWN_TAP_RESET	BIT(1)	/* hangup, reinit: the settings are the baseline */
#define PORTOWN_TAP_HUNGUP	BIT(2)	/* open: hung up before it was recorded */
#define PORTOWN_TAP_KEPT	BIT(3)	/* hangup: the settings stay as they are */
#define PORTOWN_TAP_DUE		BIT(4)	/* hangup: the reset follows the driver's hangup */
#define PORTOWN_TAP_AT_CLOSE	BIT(5)	/* reinit: at a last close, not after a hangup */
#define PORTOWN_TAP_SET		BIT(6)	/* tiocexcl: TIOCEXCL, not TIOCNXCL */
#define PORTOWN_TAP_UNBOUND	BIT(7)	/* gone: a process unbound the driver */

/**
 * struct portown_tap_event - what a probe handler saw, for process context
 * @tty: the tty, referenced, or NULL
 * @file: the descriptor (OPEN, CLOSE, TIOCEXCL), never dereferenced later
 * @who: the process the handler ran for; @who.pid is referenced
 * @devt: the tty's device number
 * @f_flags: the descriptor's open flags (OPEN)
 * @type: PORTOWN_TAP_*
 * @flags: PORTOWN_TAP_* bits
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

/**
 * struct portown_tap_ops - what the tap asks of its users
 * @drain: events are waiting in the ring: take them (portown_tap_pop())
 *	and apply them
 * @missed: the tap lost an event: look for what it changed
 *
 * Both are called from the tap's work item, in process context.
 */
struct portown_tap_ops {
	void (*drain)(void);
	void (*missed)(void);
};

int portown_tap_init(struct portown_registry *reg, struct workqueue_struct *wq,
		     struct dentry *debugfs, const struct portown_tap_ops *ops);
void portown_tap_exit(void);
bool portown_tap_active(void);
ssize_t portown_tap_status(char *buf);
unsigned long portown_tap_missed(void);
bool portown_tap_opening(const void *file);
unsigned int portown_tap_pop(struct portown_tap_event *out, unsigned int max);

/* why.c: why a port is busy, in the kernel log and for the WHY request */
void portown_why_init(void);
void portown_why_refused(struct portown_port *port, const struct portown_who *who,
			 const char *what);
void portown_why_gone(struct portown_port *port);
void portown_why_fill(struct portown_port *port, struct tty_struct *tty,
		      const struct portown_viewer *v, struct portown_why *w);

/* track.c: the live registry, fed by the tap */
extern struct portown_registry portown_live;
void portown_track_init(void);
void portown_track_drain(void);
struct portown_port **portown_track_snapshot(unsigned int *nr);
void portown_track_snapshot_put(struct portown_port **ports, unsigned int nr);
struct portown_port *portown_track_tty(struct tty_struct *tty);
struct portown_port *portown_track_adopt(struct tty_struct *tty, struct file *file);
void portown_track_shim(struct tty_struct *tty, bool attached);
unsigned int portown_discover(bool repair);

/* reconcile.c: the reconciler */
void portown_reconcile_soon(void);
void portown_reconcile_tty(struct tty_struct *tty);
void portown_reconcile_init(struct workqueue_struct *wq, struct dentry *debugfs);
void portown_reconcile_exit(void);

/* target.c: the port a request names */

/**
 * struct portown_target - the port a request is about
 * @file: a live descriptor of the port that the caller holds (needed to
 *	claim), referenced, or NULL
 * @tty: the port's tty when it is open, referenced, or NULL
 * @devt: the port's device number
 * @name: its name
 * @port: its record, referenced, or NULL when it is not tracked
 * @shim: the request came through the shim, on @tty
 */
struct portown_target {
	struct file *file;
	struct tty_struct *tty;
	dev_t devt;
	char name[PORTOWN_NAME_LEN];
	struct portown_port *port;
	bool shim;
};

int portown_target_get(struct tty_struct *shim_tty, s32 fd, u32 major, u32 minor,
		       struct portown_target *t);
void portown_target_put(struct portown_target *t);
int portown_target_lock(struct portown_target *t);
void portown_target_unlock(struct portown_target *t);
void portown_target_end_dead_claim(struct portown_target *t);

/* ioctl.c: the commands */
long portown_ioctl(struct tty_struct *shim_tty, unsigned int cmd, void __user *arg);

/* cdev.c: /dev/portown */
int portown_cdev_init(void);
void portown_cdev_exit(void);

/* sysfs.c: /sys/class/portown */
int portown_sysfs_init(void);
void portown_sysfs_start(void);
void portown_sysfs_exit(void);

/* ldisc.c: the line-discipline shim */
int portown_ldisc_register(int num);
void portown_ldisc_unregister(void);
int portown_ldisc_lookup(const char *text, size_t len, int num,
			 char *name, size_t namesz);

#endif /* _PORTOWN_H */
