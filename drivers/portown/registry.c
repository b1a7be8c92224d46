// SPDX-License-Identifier: GPL-2.0
/*
 * portown - the registry of tracked ports.
 *
 * One global spinlock, portown_lock, protects the list of ports and the
 * contents of every record.  It is taken from kprobe handlers (process
 * context, preemption disabled) and never from interrupts, so it is a
 * plain spin_lock and nothing under it sleeps: allocations under it use
 * the gfp_t the caller passes (GFP_ATOMIC from probes).
 *
 * A port's state is never stored: portown_port_state() derives it from
 * the holders and the claim, so it cannot disagree with them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/user_namespace.h>

#include "portown.h"
#include "registry.h"

spinlock_t portown_lock = __SPIN_LOCK_UNLOCKED(portown_lock);
EXPORT_SYMBOL_IF_KUNIT(portown_lock);
static LIST_HEAD(portown_ports);

/**
 * portown_who_current() - remember the calling process
 * @who: filled with a reference on the caller's thread-group pid
 *
 * Context: any process context; does not sleep.
 */
void portown_who_current(struct portown_who *who)
{
	who->pid = get_task_pid(current, PIDTYPE_TGID);
	who->uid = current_uid();
	who->since_ns = ktime_get_real_ns();
	get_task_comm(who->comm, current);
}
EXPORT_SYMBOL_IF_KUNIT(portown_who_current);

/**
 * portown_who_copy() - copy an identity, taking a pid reference
 * @dst: the copy
 * @src: the original
 */
void portown_who_copy(struct portown_who *dst, const struct portown_who *src)
{
	*dst = *src;
	get_pid(dst->pid);
}
EXPORT_SYMBOL_IF_KUNIT(portown_who_copy);

/**
 * portown_who_put() - drop an identity's pid reference
 * @who: the identity; emptied
 */
void portown_who_put(struct portown_who *who)
{
	put_pid(who->pid);
	memset(who, 0, sizeof(*who));
}
EXPORT_SYMBOL_IF_KUNIT(portown_who_put);

/**
 * portown_who_export() - an identity as a reader in given namespaces sees it
 * @who: the identity; all zero for "nobody"
 * @id: the UAPI form, filled in
 * @pidns: the reader's pid namespace
 * @userns: the reader's user namespace
 *
 * The pid is the thread-group id in @pidns, or 0 when the process is not
 * visible there or has exited (its number may belong to another process
 * by now).  The uid is mapped into @userns (the overflow uid when it has
 * no mapping there), or (u32)-1 for nobody.
 */
void portown_who_export(const struct portown_who *who, struct portown_ident *id,
			struct pid_namespace *pidns, struct user_namespace *userns)
{
	memset(id, 0, sizeof(*id));
	if (!who->since_ns) {
		id->uid = (u32)-1;
		return;
	}
	rcu_read_lock();
	if (who->pid && pid_has_task(who->pid, PIDTYPE_TGID))
		id->pid = pid_nr_ns(who->pid, pidns);
	rcu_read_unlock();
	id->uid = from_kuid_munged(userns, who->uid);
	id->since_ns = who->since_ns;
	strscpy(id->comm, who->comm, sizeof(id->comm));
}
EXPORT_SYMBOL_IF_KUNIT(portown_who_export);

/**
 * portown_who_export_event() - an identity in an event of the history
 * @who: the identity
 * @id: the UAPI form, filled in
 * @pidns: the reader's pid namespace
 * @userns: the reader's user namespace
 *
 * As portown_who_export(), except that the pid is the number the process
 * had at the event even when it has exited since: an event is about the
 * past, and the number is what the user saw in ps at the time.
 */
void portown_who_export_event(const struct portown_who *who, struct portown_ident *id,
			      struct pid_namespace *pidns, struct user_namespace *userns)
{
	portown_who_export(who, id, pidns, userns);
	if (who->since_ns && who->pid)
		id->pid = pid_nr_ns(who->pid, pidns);
}
EXPORT_SYMBOL_IF_KUNIT(portown_who_export_event);

static void portown_port_free(struct kref *kref)
{
	struct portown_port *port = container_of(kref, struct portown_port, kref);
	struct portown_holder *h, *tmp;
	unsigned int i;

	list_for_each_entry_safe(h, tmp, &port->holders, node) {
		portown_who_put(&h->who);
		kfree(h);
	}
	if (port->claimed)
		portown_who_put(&port->claimer);
	portown_who_put(&port->shim);
	WARN_ON(port->tty_dev || port->dev);
	for (i = 0; i < PORTOWN_HISTORY_LEN; i++)
		put_pid(port->history[i].who.pid);
	kfree(port);
}

/**
 * portown_port_put() - drop a reference on a port record
 * @port: the record, or NULL
 *
 * Context: any; does not sleep.
 */
void portown_port_put(struct portown_port *port)
{
	if (port)
		kref_put(&port->kref, portown_port_free);
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_put);

static struct portown_port *portown_port_find_locked(dev_t devt)
{
	struct portown_port *port;

	lockdep_assert_held(&portown_lock);
	list_for_each_entry(port, &portown_ports, node)
		if (port->devt == devt && !port->retired)
			return port;
	return NULL;
}

/**
 * portown_port_listed() - is a record in the registry for lookups and lists
 * @port: the record
 *
 * Context: caller holds portown_lock while iterating the registry.
 * Return: false for a record on its way out (&portown_port.retired).
 */
bool portown_port_listed(const struct portown_port *port)
{
	lockdep_assert_held(&portown_lock);
	return !port->retired;
}

/**
 * portown_port_lookup() - find the record of a port
 * @devt: the tty's device number
 *
 * Context: any; takes portown_lock.
 * Return: the record with a reference the caller drops with
 * portown_port_put(), or NULL if the port is not tracked.
 */
struct portown_port *portown_port_lookup(dev_t devt)
{
	struct portown_port *port;

	spin_lock(&portown_lock);
	port = portown_port_find_locked(devt);
	if (port)
		kref_get(&port->kref);
	spin_unlock(&portown_lock);
	return port;
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_lookup);

/**
 * portown_port_find_or_add() - find the record of a port, creating it
 * @devt: the tty's device number
 * @name: the tty's name, used when the record is created
 * @gfp: allocation flags (GFP_ATOMIC from probe handlers)
 *
 * Context: any; takes portown_lock.
 * Return: the record with a reference, or NULL when out of memory.
 */
struct portown_port *portown_port_find_or_add(dev_t devt, const char *name, gfp_t gfp)
{
	struct portown_port *port, *new;

	/* the common case, a port seen before, allocates nothing */
	port = portown_port_lookup(devt);
	if (port)
		return port;
	new = kzalloc(sizeof(*new), gfp);
	spin_lock(&portown_lock);
	port = portown_port_find_locked(devt);
	if (!port && new) {
		port = new;
		new = NULL;
		kref_init(&port->kref);		/* the list's reference */
		port->devt = devt;
		strscpy(port->name, name, sizeof(port->name));
		INIT_LIST_HEAD(&port->holders);
		init_waitqueue_head(&port->wait);
		list_add_tail(&port->node, &portown_ports);
	}
	if (port)
		kref_get(&port->kref);
	spin_unlock(&portown_lock);
	kfree(new);
	return port;
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_find_or_add);

/**
 * portown_port_remove() - take a port out of the registry
 * @port: the record; the caller's reference stays valid
 *
 * Context: any; takes portown_lock.  Removing twice is harmless.
 */
void portown_port_remove(struct portown_port *port)
{
	bool listed;

	spin_lock(&portown_lock);
	listed = !list_empty(&port->node);
	list_del_init(&port->node);
	spin_unlock(&portown_lock);
	if (listed)
		portown_port_put(port);		/* the list's reference */
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_remove);

/**
 * portown_registry_clear() - forget every port
 *
 * Context: process context, module exit (or a KUnit test), once nothing
 * can add ports any more.  Records still referenced are freed by their
 * last portown_port_put().
 */
void portown_registry_clear(void)
{
	struct portown_port *port, *tmp;
	LIST_HEAD(gone);

	spin_lock(&portown_lock);
	list_splice_init(&portown_ports, &gone);
	spin_unlock(&portown_lock);

	list_for_each_entry_safe(port, tmp, &gone, node) {
		list_del_init(&port->node);
		portown_port_put(port);
	}
}
EXPORT_SYMBOL_IF_KUNIT(portown_registry_clear);

/**
 * portown_registry_ports() - the list of records, for iteration
 *
 * Context: caller holds portown_lock while iterating.
 * Return: the list head; entries are &struct portown_port.
 */
struct list_head *portown_registry_ports(void)
{
	return &portown_ports;
}

/**
 * portown_port_state() - the state of a port, derived from its record
 * @port: the record
 *
 * Context: caller holds portown_lock.
 * Return: PORTOWN_STATE_*.
 */
u32 portown_port_state(const struct portown_port *port)
{
	lockdep_assert_held(&portown_lock);
	if (port->gone && port->nr_holders)
		return PORTOWN_STATE_GONE;
	if (port->claimed)
		return PORTOWN_STATE_CLAIMED;
	if (port->nr_live)
		return PORTOWN_STATE_OPEN;
	if (port->nr_holders)
		return PORTOWN_STATE_HUNGUP;
	return PORTOWN_STATE_CLOSED;
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_state);

/**
 * portown_port_record() - add an event to a port's history
 * @port: the record
 * @type: PORTOWN_EV_*
 * @who: the process the event is about, or NULL
 *
 * Records the state after the event and wakes everyone waiting on the port.
 *
 * Context: caller holds portown_lock.
 */
void portown_port_record(struct portown_port *port, u32 type, const struct portown_who *who)
{
	portown_port_record_flags(port, type, who, 0);
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_record);

/**
 * portown_port_record_flags() - add an event with flags to a port's history
 * @port: the record
 * @type: PORTOWN_EV_*
 * @who: the process the event is about, or NULL
 * @flags: PORTOWN_ID_* bits about @who
 *
 * Context: caller holds portown_lock.
 */
void portown_port_record_flags(struct portown_port *port, u32 type,
			       const struct portown_who *who, u32 flags)
{
	struct portown_hist *e;

	lockdep_assert_held(&portown_lock);
	e = &port->history[port->seq % PORTOWN_HISTORY_LEN];
	put_pid(e->who.pid);
	port->seq++;
	e->seq = port->seq;
	e->type = type;
	e->flags = flags;
	e->state = portown_port_state(port);
	e->time_ns = ktime_get_real_ns();
	if (who)
		portown_who_copy(&e->who, who);
	else
		memset(&e->who, 0, sizeof(e->who));
	wake_up_all(&port->wait);
	portown_sysfs_changed(port);
	portown_events_post(port, e);
}

/**
 * portown_port_history() - copy a port's recent events, oldest first
 * @port: the record
 * @out: room for @max entries; each copy holds a pid reference that the
 *	caller drops with portown_who_put()
 * @max: room in @out
 *
 * Context: caller holds portown_lock.
 * Return: the number of events available, which may exceed @max.
 */
unsigned int portown_port_history(const struct portown_port *port,
				  struct portown_hist *out, unsigned int max)
{
	unsigned int n = min_t(u64, port->seq, PORTOWN_HISTORY_LEN);
	u64 first = port->seq - n + 1, s;
	unsigned int i = 0;

	lockdep_assert_held(&portown_lock);
	for (s = first; s <= port->seq && i < max; s++, i++) {
		const struct portown_hist *e = &port->history[(s - 1) % PORTOWN_HISTORY_LEN];

		out[i] = *e;
		get_pid(out[i].who.pid);
	}
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_history);

/**
 * portown_port_holder() - the holder entry of a descriptor
 * @port: the record
 * @file: the descriptor's struct file
 *
 * Context: caller holds portown_lock.
 * Return: the entry, or NULL if @file is not a known holder of @port.
 */
struct portown_holder *portown_port_holder(const struct portown_port *port,
					   const void *file)
{
	struct portown_holder *h;

	lockdep_assert_held(&portown_lock);
	list_for_each_entry(h, &port->holders, node)
		if (h->file == file)
			return h;
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_holder);

/**
 * portown_port_owner() - who owns a port
 * @port: the record
 * @owner: filled with the claimer if the port is claimed, else with the
 *	earliest live opener, else, for a removed device, with the earliest
 *	holder of a dead descriptor (who keeps the name taken); holds a pid
 *	reference the caller drops
 * @f_flags: filled with the owner's open flags, or NULL
 *
 * Context: caller holds portown_lock.
 * Return: false, with @owner zeroed, when the port has no owner.
 */
bool portown_port_owner(const struct portown_port *port, struct portown_who *owner,
			unsigned int *f_flags)
{
	struct portown_holder *h;

	lockdep_assert_held(&portown_lock);
	if (port->claimed) {
		portown_who_copy(owner, &port->claimer);
		if (f_flags)
			*f_flags = port->claim_flags;
		return true;
	}
	list_for_each_entry(h, &port->holders, node)
		if (!h->hungup)
			goto found;
	if (!port->gone || list_empty(&port->holders)) {
		memset(owner, 0, sizeof(*owner));
		return false;
	}
	h = list_first_entry(&port->holders, struct portown_holder, node);
found:
	portown_who_copy(owner, &h->who);
	if (f_flags)
		*f_flags = h->f_flags;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_owner);

/**
 * portown_port_held_by_other() - does another process hold a live descriptor
 * @port: the record
 * @pid: the process that asks
 * @file: a descriptor the asking process uses, whoever opened it, or NULL
 * @other: filled with the earliest such holder (pid reference), or NULL
 * @f_flags: filled with its open flags, or NULL
 *
 * Context: caller holds portown_lock.
 * Return: true when such a descriptor exists.
 */
bool portown_port_held_by_other(const struct portown_port *port, const struct pid *pid,
				const void *file, struct portown_who *other,
				unsigned int *f_flags)
{
	struct portown_holder *h;

	lockdep_assert_held(&portown_lock);
	list_for_each_entry(h, &port->holders, node) {
		if (h->hungup || h->who.pid == pid || (file && h->file == file))
			continue;
		if (other)
			portown_who_copy(other, &h->who);
		if (f_flags)
			*f_flags = h->f_flags;
		return true;
	}
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_held_by_other);

/**
 * portown_port_open() - record a new descriptor of a port
 * @port: the record
 * @file: the descriptor's struct file
 * @who: the opener
 * @f_flags: its open flags
 * @gfp: allocation flags; the caller holds a spinlock, so they must not
 *	sleep (GFP_ATOMIC)
 *
 * A @file already recorded is a descriptor whose close was missed and
 * whose memory was reused: the stale entry is replaced.
 *
 * Context: caller holds portown_lock.
 * Return: 0, or -ENOMEM.
 */
int portown_port_open(struct portown_port *port, const void *file,
		      const struct portown_who *who, unsigned int f_flags, gfp_t gfp)
{
	struct portown_holder *h;

	lockdep_assert_held(&portown_lock);
	h = portown_port_holder(port, file);
	if (h) {
		if (!h->hungup)
			port->nr_live--;
		port->nr_holders--;
		list_del(&h->node);
		portown_who_put(&h->who);
	} else {
		h = kzalloc(sizeof(*h), gfp);
		if (!h)
			return -ENOMEM;
	}
	h->file = file;
	portown_who_copy(&h->who, who);
	h->f_flags = f_flags;
	h->hungup = false;
	h->privileged = port->claimed && port->claimer.pid != who->pid;
	list_add_tail(&h->node, &port->holders);
	port->nr_holders++;
	port->nr_live++;
	port->counters.opens++;
	portown_port_record(port, PORTOWN_EV_OPEN, who);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_open);

/**
 * portown_port_holder_hungup() - mark one descriptor as hung up
 * @port: the record
 * @file: the descriptor, found hung up (at discovery)
 *
 * Context: caller holds portown_lock.
 */
void portown_port_holder_hungup(struct portown_port *port, const void *file)
{
	struct portown_holder *h = portown_port_holder(port, file);

	lockdep_assert_held(&portown_lock);
	if (h && !h->hungup) {
		h->hungup = true;
		port->nr_live--;
	}
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_holder_hungup);

/**
 * portown_port_end_claim() - end the claim on a port, if there is one
 * @port: the record
 * @who: the process that ends it, for the history, or NULL
 *
 * Context: caller holds portown_lock.
 * Return: true if a claim ended that had made the tty exclusive
 * (&portown_port.claim_excl): the caller must clear TTY_EXCLUSIVE.
 */
bool portown_port_end_claim(struct portown_port *port, const struct portown_who *who)
{
	bool excl = port->claim_excl;

	lockdep_assert_held(&portown_lock);
	if (!port->claimed)
		return false;
	portown_who_put(&port->claimer);
	port->claimed = false;
	port->claim_excl = false;
	port->claim_flags = 0;
	portown_port_record(port, PORTOWN_EV_RELEASE, who);
	return excl;
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_end_claim);

static bool portown_port_pid_holds(const struct portown_port *port, const struct pid *pid)
{
	struct portown_holder *h;

	list_for_each_entry(h, &port->holders, node)
		if (!h->hungup && h->who.pid == pid)
			return true;
	return false;
}

/**
 * portown_port_close() - record that a descriptor of a port was closed
 * @port: the record
 * @file: the descriptor's struct file
 * @who: the closing process, or NULL
 *
 * When the claimer has closed its last live descriptor, the claim ends.
 *
 * Context: caller holds portown_lock.
 * Return: as portown_port_end_claim(): true if the caller must clear
 * TTY_EXCLUSIVE.
 */
bool portown_port_close(struct portown_port *port, const void *file,
			const struct portown_who *who)
{
	struct portown_holder *h;
	struct pid *opener;
	bool ended = false;

	lockdep_assert_held(&portown_lock);
	h = portown_port_holder(port, file);
	if (!h)
		return false;
	list_del(&h->node);
	port->nr_holders--;
	if (!h->hungup)
		port->nr_live--;
	port->counters.closes++;
	opener = h->who.pid;
	portown_port_record(port, PORTOWN_EV_CLOSE, who ?: &h->who);
	if (port->claimed && port->claimer.pid == opener &&
	    !portown_port_pid_holds(port, opener))
		ended = portown_port_end_claim(port, who ?: &h->who);
	portown_who_put(&h->who);
	kfree(h);
	return ended;
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_close);

/**
 * portown_port_hangup() - record a hangup of a port
 * @port: the record
 * @who: the process that hung it up, or NULL
 *
 * Every descriptor open now is dead; the claim ends.
 *
 * Context: caller holds portown_lock.
 * Return: as portown_port_end_claim().
 */
bool portown_port_hangup(struct portown_port *port, const struct portown_who *who)
{
	struct portown_holder *h;

	lockdep_assert_held(&portown_lock);
	list_for_each_entry(h, &port->holders, node)
		h->hungup = true;
	port->nr_live = 0;
	port->counters.hangups++;
	portown_port_record(port, PORTOWN_EV_HANGUP, who);
	return portown_port_end_claim(port, who);
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_hangup);

/**
 * portown_port_reinit() - record that a port was reinitialised after a hangup
 * @port: the record
 * @who: the port's owner before the hangup, whose settings were reset
 * @excl: the port was exclusive (TIOCEXCL) at the hangup, and that was
 *	cleared: the event names @who with PORTOWN_ID_EXCL
 *
 * Context: caller holds portown_lock.
 */
void portown_port_reinit(struct portown_port *port, const struct portown_who *who, bool excl)
{
	lockdep_assert_held(&portown_lock);
	port->counters.reinits++;
	portown_port_record_flags(port, PORTOWN_EV_REINIT, who, excl ? PORTOWN_ID_EXCL : 0);
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_reinit);

/**
 * portown_port_repair() - count and record a correction of the record
 * @port: the record
 * @who: the process the correction is about, or NULL
 *
 * Context: caller holds portown_lock.
 */
void portown_port_repair(struct portown_port *port, const struct portown_who *who)
{
	lockdep_assert_held(&portown_lock);
	port->counters.repairs++;
	portown_port_record(port, PORTOWN_EV_REPAIR, who);
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_repair);

/**
 * portown_port_gone() - record that a port's device was removed
 * @port: the record
 * @who: the process that removed it (a hotplug worker, usually), or NULL
 *
 * The claim ends (the device cannot be used again); the holders stay
 * listed until they close, since they keep the device's name and number
 * taken: that is why a replugged device comes back under another name.
 * Recording it twice changes nothing.
 *
 * Context: caller holds portown_lock.
 * Return: true when no descriptor remains: the caller retires the record
 * (portown_port_retire_if_done()).
 */
bool portown_port_gone(struct portown_port *port, const struct portown_who *who)
{
	lockdep_assert_held(&portown_lock);
	if (!port->gone) {
		port->gone = true;
		port->unlink = true;
		portown_port_end_claim(port, who);
		portown_port_record(port, PORTOWN_EV_GONE, who);
	}
	return !port->nr_holders;
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_gone);

/**
 * portown_port_retire_if_done() - retire a removed device's record once unused
 * @port: the record
 *
 * A record whose device is gone and that no descriptor holds any more
 * leaves the registry: lookups stop finding it at once (so a new device
 * with the same number gets a fresh record), and sysfs.c's work removes
 * its directory, then drops the list's reference.
 *
 * Context: caller holds portown_lock.
 * Return: true if the record was retired now; the caller tells sysfs.c
 * (portown_sysfs_retire()) after dropping the lock.
 */
bool portown_port_retire_if_done(struct portown_port *port)
{
	lockdep_assert_held(&portown_lock);
	if (!port->gone || port->nr_holders || port->retired)
		return false;
	port->retired = true;
	wake_up_all(&port->wait);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_retire_if_done);

/**
 * portown_port_deny() - record a refused open or claim
 * @port: the record
 * @who: the refused process
 *
 * Context: caller holds portown_lock.
 */
void portown_port_deny(struct portown_port *port, const struct portown_who *who)
{
	lockdep_assert_held(&portown_lock);
	port->counters.denials++;
	portown_port_record(port, PORTOWN_EV_DENY, who);
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_deny);

/**
 * portown_port_claim() - claim a port through a descriptor
 * @port: the record
 * @file: the descriptor the claim is made through
 * @who: the claiming process
 *
 * A claim needs a live descriptor of the port, and succeeds only when no
 * other process claims the port or holds a live descriptor of it.  A
 * second claim by the claimer succeeds and changes nothing.
 *
 * Context: caller holds portown_lock.
 * Return: 0; -EBADF when @file is not a descriptor of @port; -EIO when it
 * was hung up; -ENODEV when the device is gone; -EBUSY when another
 * process claims or holds the port (counted as a denial).
 */
int portown_port_claim(struct portown_port *port, const void *file,
		       const struct portown_who *who)
{
	struct portown_holder *h;

	lockdep_assert_held(&portown_lock);
	h = portown_port_holder(port, file);
	if (!h)
		return -EBADF;
	if (port->gone)
		return -ENODEV;
	if (h->hungup)
		return -EIO;
	if (port->claimed && port->claimer.pid == who->pid)
		return 0;
	if (port->claimed || portown_port_held_by_other(port, who->pid, file, NULL, NULL)) {
		portown_port_deny(port, who);
		return -EBUSY;
	}
	portown_who_copy(&port->claimer, who);
	port->claim_flags = h->f_flags;
	port->claimed = true;
	port->counters.claims++;
	portown_port_record(port, PORTOWN_EV_CLAIM, who);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_claim);

/**
 * portown_port_release() - give up a claim
 * @port: the record
 * @pid: the process that asks
 * @who: the same process, for the history
 *
 * Context: caller holds portown_lock.
 * Return: 1 if the caller must clear TTY_EXCLUSIVE, else 0; -ENOENT when
 * the port is not claimed; -EPERM when another process claims it.
 */
int portown_port_release(struct portown_port *port, const struct pid *pid,
			 const struct portown_who *who)
{
	lockdep_assert_held(&portown_lock);
	if (!port->claimed)
		return -ENOENT;
	if (port->claimer.pid != pid)
		return -EPERM;
	return portown_port_end_claim(port, who);
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_release);
