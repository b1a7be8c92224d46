/* SPDX-License-Identifier: GPL-2.0 */
/*
 * portown - the registry: one record per tracked port, its holders, its
 * claim, its counters and its recent history.
 *
 * The bottom layer: it calls nothing of the rest of portown and makes no
 * tty calls.  A registry is an object (struct portown_registry): the
 * module keeps one, fed by the tap (track.c); each KUnit case makes its
 * own.  It tells its users what changed through the listeners they
 * register (struct portown_listener), and lets its owner apply what it
 * has pending before each use (the @sync hook of portown_registry_init()).
 *
 * Locking: the registry's mutex (&portown_registry.lock) protects its
 * list of records and the contents of every record; it is only ever
 * taken in process context.  Code that runs with preemption disabled
 * (the tap's probe handlers) never takes it: it reads the few things it
 * needs (the claim, the administrator's baseline) through RCU, with
 * portown_port_peek(), and leaves everything else to process context.
 */
#ifndef _PORTOWN_REGISTRY_H
#define _PORTOWN_REGISTRY_H

#include <linux/atomic.h>
#include <linux/hashtable.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/termios.h>
#include <linux/timekeeping.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>

#include <linux/portown.h>

/**
 * portown_now_ns() - the time of an event, as portown records it
 *
 * Context: any but NMI; in the probe handlers, outside the ring's lock
 * (on a virtual machine the clock source may be an emulated device).
 * Return: CLOCK_REALTIME nanoseconds.
 */
static inline u64 portown_now_ns(void)
{
	return ktime_get_real_ns();
}

struct device;
struct pid;
struct portown_registry;
struct pid_namespace;
struct user_namespace;

#define PORTOWN_HISTORY_LEN	32

/**
 * struct portown_who - a process, as the registry remembers it
 * @pid: the thread group's struct pid, referenced: numbers can be reused,
 *	a struct pid cannot, so a new process never passes for an old one
 * @uid: the process's real uid at the time
 * @since_ns: CLOCK_REALTIME nanoseconds of the event
 * @comm: the process's name at the time
 */
struct portown_who {
	struct pid *pid;
	kuid_t uid;
	u64 since_ns;
	char comm[TASK_COMM_LEN];
};

/**
 * struct portown_holder - one open descriptor of a port
 * @next: the next younger holder in &portown_port.holders, or NULL
 * @file: the descriptor's struct file; identifies it, never dereferenced
 *	by the registry
 * @who: the opener
 * @f_flags: the descriptor's open flags
 * @hungup: the port was hung up under this descriptor
 * @privileged: opened while another process claimed the port
 * @found: recorded from a walk or its holder's own descriptor, before (or
 *	without) its open event
 */
struct portown_holder {
	struct portown_holder *next;
	const void *file;
	struct portown_who who;
	unsigned int f_flags;
	bool hungup;
	bool privileged;
	bool found;
};

/**
 * struct portown_claim - a claim on a port
 * @rcu: for freeing after the probe handlers that may read it
 * @file: the descriptor the claim was made through; the claim ends when
 *	it is released (its last reference goes), never dereferenced
 * @who: the claiming process; the claim also ends when it exits
 * @f_flags: open flags of @file
 * @excl: 1 while the claim owns the tty's TTY_EXCLUSIVE bit (it set the
 *	bit); whoever takes it to 0 with atomic_xchg() clears the bit
 *
 * A claim is published in &portown_port.claim with RCU, so the probe
 * handlers can read @file, @who.pid and @excl without the registry's lock.
 */
struct portown_claim {
	struct rcu_head rcu;
	const void *file;
	struct portown_who who;
	unsigned int f_flags;
	atomic_t excl;
};

/**
 * struct portown_termios - an administrator's baseline
 * @rcu: for freeing after the probe handlers that may read it
 * @termios: the settings
 */
struct portown_termios {
	struct rcu_head rcu;
	struct ktermios termios;
};

/**
 * struct portown_hist - one entry of a port's history
 * @time_ns: CLOCK_REALTIME nanoseconds of the event
 * @seq: sequence number, from 1
 * @type: PORTOWN_EV_*
 * @state: the port's state after the event
 * @who: the process the event is about; @who.pid may be NULL
 * @flags: PORTOWN_ID_* bits that go with @who (PORTOWN_ID_EXCL)
 */
struct portown_hist {
	u64 time_ns;
	u64 seq;
	u32 type;
	u32 state;
	u32 flags;
	struct portown_who who;
};

/**
 * struct portown_hist_slot - an entry of a port's history as it is kept
 * @time_ns: as &portown_hist.time_ns
 * @who: as &portown_hist.who; holds a pid reference
 * @flags: as &portown_hist.flags (PORTOWN_ID_* bits, all below bit 16)
 * @type: as &portown_hist.type
 * @state: as &portown_hist.state
 *
 * 56 bytes, not 72: the sequence number is the slot's place in the ring.
 */
struct portown_hist_slot {
	u64 time_ns;
	struct portown_who who;
	u16 flags;
	u8 type;
	u8 state;
};

/**
 * struct portown_marks - what a port's being busy is owed to, kept apart
 *	from the record and allocated when first needed
 * @excl: the process that set TIOCEXCL and when (pid NULL when none is
 *	known: the bit is clear, or was set before portown saw it)
 * @removed: the process the device's removal ran in
 * @removed_flags: PORTOWN_ID_UNBOUND when that process unbound the driver
 */
struct portown_marks {
	struct portown_who excl;
	struct portown_who removed;
	u32 removed_flags;
};

/**
 * struct portown_port - the record of one tracked port
 * @node: in the registry's list
 * @reg: the registry the record belongs to
 * @hnode: in the registry's hash by @devt, for RCU lookups; only records
 *	that are not retired are hashed
 * @rcu: the record is freed after an RCU grace period
 * @kref: references: the registry's list holds one
 * @devt: the tty's device number, the key
 * @name: the tty's name
 * @holders: &struct portown_holder, oldest first: a singly linked list
 *	(a holder is 64 bytes with one pointer, 72 with a list_head)
 * @holders_tail: where the next holder is linked in
 * @nr_holders: entries in @holders
 * @nr_live: entries in @holders not hung up
 * @gone: the device was removed; the record stays while descriptors remain
 * @retired: the record is on its way out of the registry: no lookup finds
 *	it; a listener (sysfs.c) removes what it made for it, then the record
 *	from the list (portown_port_remove())
 * @claim: the claim, or NULL (RCU; written under the registry's lock)
 * @counters: see &struct portown_counters
 * @history: ring of the last %PORTOWN_HISTORY_LEN events, allocated with
 *	the record but apart from it, so the record itself stays within 512
 *	bytes; event @seq is in slot (@seq - 1) % %PORTOWN_HISTORY_LEN
 * @seq: sequence number of the last event
 * @shim_attached: the shim is attached; @shim says by whom
 * @shim: the process that attached the shim
 * @wait: woken on every change
 * @dev: the port's device in /sys/class/portown, managed by sysfs.c
 * @dev_failed: creating @dev failed; not retried
 * @tied: the record is a tty's (portown_port_tie()), so it gets a
 *	directory in sysfs
 * @notify: a change sysfs has not announced yet
 * @uevent: the latest change sysfs announces with a uevent and has not
 *	yet (a PORTOWN_EV_* or PORTOWN_UEVENT_FREE), or 0
 * @uevent_free: the port was claimed or hung up since it was last free:
 *	its becoming free is announced
 * @unlink: the "device" link is to be removed (the device went) and, if
 *	@tty_dev is set again, made anew (it came back); sysfs.c's work does it
 * @tty_dev: the tty's device (referenced), target of the "device" link
 * @new_tty_dev: the device the link is to point to once the old one is
 *	removed (referenced; the device came back under the same number,
 *	portown_port_back())
 * @driver_termios: the driver's initial settings (set when the record is
 *	first tied to a tty; @have_driver_termios says so)
 * @have_driver_termios: see @driver_termios
 * @baseline: an administrator's baseline, or NULL (RCU; written under
 *	the registry's lock)
 * @reset: the reset policy, PORTOWN_RESET_* (WRITE_ONCE() under the lock;
 *	the probe handlers read it with READ_ONCE())
 * @console: the tty is a kernel console (set when the record is tied;
 *	read by the probe handlers with READ_ONCE())
 * @reinit_owner: the owner at the last hangup, while the reset that
 *	follows it is to come (@reinit_due)
 * @reinit_flags: PORTOWN_ID_EXCL when the port was exclusive then
 * @reinit_due: a reset after a hangup is to come, and its reinit event
 *	is to name @reinit_owner
 * @lost_reinits: resets the probe handlers did whose events the tap's
 *	full ring refused (atomic: counted through RCU; the reconciler
 *	records them)
 * @missed_sig: the reconciler's: the descriptors it last looked for in
 *	every process's table and did not find (a sum of their addresses)
 * @missed_at: when it looked, in jiffies
 * @marks: who set TIOCEXCL, who removed the device, or NULL while
 *	neither is known
 *
 * Everything but @node, @reg, @kref, @devt, @wait, @dev and @dev_failed
 * is protected by the registry's lock; @dev and @dev_failed belong to
 * sysfs.c's work item (@dev is published with WRITE_ONCE()).
 */
struct portown_port {
	struct list_head node;
	struct portown_registry *reg;
	struct hlist_node hnode;
	struct rcu_head rcu;
	struct kref kref;
	dev_t devt;
	char name[PORTOWN_NAME_LEN];
	struct portown_holder *holders;
	struct portown_holder **holders_tail;
	unsigned int nr_holders;
	unsigned int nr_live;
	bool gone;
	bool retired;
	struct portown_claim __rcu *claim;
	struct portown_counters counters;
	struct portown_hist_slot *history;
	u64 seq;
	bool shim_attached;
	struct portown_who shim;
	wait_queue_head_t wait;
	struct device *dev;
	bool dev_failed;
	bool tied;
	bool notify;
	u8 uevent;
	bool uevent_free;
	bool unlink;
	struct device *tty_dev;
	struct device *new_tty_dev;
	struct ktermios driver_termios;
	bool have_driver_termios;
	struct portown_termios __rcu *baseline;
	u8 reset;
	bool console;
	struct portown_who reinit_owner;
	u32 reinit_flags;
	bool reinit_due;
	atomic_t lost_reinits;
	unsigned long missed_sig;
	unsigned long missed_at;
	struct portown_marks *marks;
};

/**
 * struct portown_listener - a user of a registry, told what changes
 * @node: in &portown_registry.listeners
 * @event: an event was recorded in @port's history: @e, its entry
 * @changed: @port was tied to its tty's device, lost it or got it back,
 *	or was retired: what was made for it may need redoing
 *
 * Both are called under the registry's lock, which may be held under a
 * tty lock or a line discipline's semaphore: they must not sleep, nor
 * take the registry's lock.  Listeners are called in the order they
 * registered; events reach each listener in the order they happened.
 */
struct portown_listener {
	struct list_head node;
	void (*event)(struct portown_listener *l, struct portown_port *port,
		      const struct portown_hist *e);
	void (*changed)(struct portown_listener *l, struct portown_port *port);
};

/**
 * struct portown_registry - a set of port records
 * @lock: protects everything here and in every record
 * @ports: the records, &struct portown_port, in the order they came
 * @hash: the records that are not retired, by device number, for RCU
 *	lookups
 * @listeners: &struct portown_listener, told of every change
 * @sync: the owner's hook, run each time portown_registry_lock() takes
 *	@lock: applies what the owner has pending, so that whoever reads
 *	the registry sees every change made so far; may be NULL
 * @event_ns: the time of the event the owner is applying (set and
 *	cleared by it under @lock), which the history records instead of
 *	the time it is applied; 0: now
 */
struct portown_registry {
	struct mutex lock;		/* everything here and in every record */
	struct list_head ports;
	DECLARE_HASHTABLE(hash, 6);
	struct list_head listeners;
	void (*sync)(struct portown_registry *reg);
	u64 event_ns;
};

void portown_registry_init(struct portown_registry *reg,
			   void (*sync)(struct portown_registry *reg));
void portown_registry_clear(struct portown_registry *reg);
void portown_registry_listen(struct portown_registry *reg, struct portown_listener *l);
void portown_registry_unlisten(struct portown_registry *reg, struct portown_listener *l);
void portown_registry_lock(struct portown_registry *reg);
void portown_registry_unlock(struct portown_registry *reg);

void portown_who_current(struct portown_who *who);
void portown_who_copy(struct portown_who *dst, const struct portown_who *src);
void portown_who_put(struct portown_who *who);
void portown_who_export(const struct portown_who *who, struct portown_ident *id,
			struct pid_namespace *pidns, struct user_namespace *userns);
void portown_who_export_event(const struct portown_who *who, struct portown_ident *id,
			      struct pid_namespace *pidns, struct user_namespace *userns);
bool portown_pid_gone(struct pid *pid);

struct portown_port *portown_port_peek(struct portown_registry *reg, dev_t devt);
struct portown_port *portown_port_lookup(struct portown_registry *reg, dev_t devt);
struct portown_port *portown_port_lookup_locked(struct portown_registry *reg, dev_t devt);
struct portown_port *portown_port_find_or_add(struct portown_registry *reg, dev_t devt,
					      const char *name);
void portown_port_put(struct portown_port *port);
void portown_port_remove(struct portown_port *port);
bool portown_port_listed(const struct portown_port *port);
void portown_port_tie(struct portown_port *port, struct device *tty_dev,
		      const struct ktermios *driver_termios, bool console);
void portown_port_back(struct portown_port *port, struct device *tty_dev);

u32 portown_port_state(const struct portown_port *port);
struct portown_claim *portown_port_claim_of(const struct portown_port *port);
bool portown_port_owner(const struct portown_port *port, struct portown_who *owner,
			unsigned int *f_flags);
struct portown_holder *portown_port_holder(const struct portown_port *port,
					   const void *file);
bool portown_port_held_by_other(const struct portown_port *port, const struct pid *pid,
				const void *file, struct portown_who *other,
				unsigned int *f_flags);

int portown_port_open(struct portown_port *port, const void *file,
		      const struct portown_who *who, unsigned int f_flags);
int portown_port_found(struct portown_port *port, const void *file,
		       const struct portown_who *who, unsigned int f_flags);
bool portown_port_close(struct portown_port *port, const void *file,
			const struct portown_who *who);
bool portown_port_hangup(struct portown_port *port, const struct portown_who *who);
void portown_port_reinit(struct portown_port *port, const struct portown_who *who, u32 flags);
void portown_port_reinit_later(struct portown_port *port, const struct portown_who *owner,
			       u32 flags);
int portown_port_set_reset(struct portown_port *port, u32 reset);
int portown_port_claim(struct portown_port *port, const void *file,
		       const struct portown_who *who, bool excl);
int portown_port_release(struct portown_port *port, const struct pid *pid, const void *file,
			 const struct portown_who *who);
void portown_port_holder_hungup(struct portown_port *port, const void *file);
void portown_port_holder_live(struct portown_port *port, const void *file);
bool portown_port_end_claim(struct portown_port *port, const struct portown_who *who);
bool portown_port_end_dead_claim(struct portown_port *port);
void portown_port_deny(struct portown_port *port, const struct portown_who *who);
void portown_port_repair(struct portown_port *port, const struct portown_who *who);
bool portown_port_gone(struct portown_port *port, const struct portown_who *who,
		       u32 flags, bool *excl);
void portown_port_mark_excl(struct portown_port *port, const struct portown_who *who);
const struct portown_who *portown_port_excl_setter(const struct portown_port *port);
const struct portown_who *portown_port_remover(const struct portown_port *port, u32 *flags);
bool portown_port_retire_if_done(struct portown_port *port);
int portown_port_set_baseline(struct portown_port *port, const struct ktermios *termios);
bool portown_port_baseline(const struct portown_port *port, struct ktermios *termios);
void portown_port_record(struct portown_port *port, u32 type, const struct portown_who *who);
void portown_port_record_flags(struct portown_port *port, u32 type,
			       const struct portown_who *who, u32 flags);

unsigned int portown_port_history(const struct portown_port *port,
				  struct portown_hist *out, unsigned int max);

#endif /* _PORTOWN_REGISTRY_H */
