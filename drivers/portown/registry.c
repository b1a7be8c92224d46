// SPDX-License-Identifier: GPL-2.0
/*
 * portown - the registry of tracked ports.
 *
 * Owns: struct portown_registry and its records (struct portown_port),
 * their holders, claims, baselines and histories.  Calls nothing of the
 * rest of portown: what changes is told to the listeners its users
 * register, and its owner's @sync hook runs each time the registry is
 * locked with portown_registry_lock().
 *
 * Locks: one mutex per registry (&portown_registry.lock) protects its
 * list of records and the contents of every record.  It is taken in
 * process context only: the probe handlers, which run with preemption
 * disabled (where a PREEMPT_RT kernel allows neither a sleeping lock nor
 * an allocation), never touch it.  What they need to read, the claim and
 * the administrator's baseline, is published with RCU, and the records
 * are hashed by device number for portown_port_peek() and freed after a
 * grace period.
 *
 * A port's state is never stored: portown_port_state() derives it from
 * the holders and the claim, so it cannot disagree with them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/device.h>
#include <linux/hashtable.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/user_namespace.h>

#include "compat.h"
#include "registry.h"

#define portown_assert_locked(port)	lockdep_assert_held(&(port)->reg->lock)

/**
 * portown_registry_init() - make an empty registry
 * @reg: the registry
 * @sync: run by portown_registry_lock() once it holds the lock, to apply
 *	what the owner has pending; or NULL
 */
void portown_registry_init(struct portown_registry *reg,
			   void (*sync)(struct portown_registry *reg))
{
	mutex_init(&reg->lock);
	INIT_LIST_HEAD(&reg->ports);
	hash_init(reg->hash);
	INIT_LIST_HEAD(&reg->listeners);
	reg->sync = sync;
	reg->event_ns = 0;
}
EXPORT_SYMBOL_IF_KUNIT(portown_registry_init);

/**
 * portown_registry_listen() - tell a listener of every change from now on
 * @reg: the registry
 * @l: the listener, with its callbacks set; it stays registered until
 *	portown_registry_unlisten()
 *
 * Context: process context; takes the registry's lock.
 */
void portown_registry_listen(struct portown_registry *reg, struct portown_listener *l)
{
	mutex_lock(&reg->lock);
	list_add_tail(&l->node, &reg->listeners);
	mutex_unlock(&reg->lock);
}
EXPORT_SYMBOL_IF_KUNIT(portown_registry_listen);

/**
 * portown_registry_unlisten() - stop telling a listener
 * @reg: the registry
 * @l: a listener registered with portown_registry_listen()
 *
 * Once this returns, @l is not called again.
 *
 * Context: process context; takes the registry's lock.
 */
void portown_registry_unlisten(struct portown_registry *reg, struct portown_listener *l)
{
	mutex_lock(&reg->lock);
	list_del_init(&l->node);
	mutex_unlock(&reg->lock);
}
EXPORT_SYMBOL_IF_KUNIT(portown_registry_unlisten);

/**
 * portown_registry_lock() - take a registry's lock, up to date
 * @reg: the registry
 *
 * Runs the owner's @sync hook once the lock is held, so that the caller
 * sees every change the owner knows of.
 *
 * Context: process context; may sleep.
 */
void portown_registry_lock(struct portown_registry *reg)
{
	mutex_lock(&reg->lock);
	if (reg->sync)
		reg->sync(reg);
}
EXPORT_SYMBOL_IF_KUNIT(portown_registry_lock);

/**
 * portown_registry_unlock() - release a registry's lock
 * @reg: the registry
 */
void portown_registry_unlock(struct portown_registry *reg)
{
	mutex_unlock(&reg->lock);
}
EXPORT_SYMBOL_IF_KUNIT(portown_registry_unlock);

/* Tell every listener that @port needs what was made for it redone. */
static void portown_registry_changed(struct portown_port *port)
{
	struct portown_listener *l;

	list_for_each_entry(l, &port->reg->listeners, node)
		if (l->changed)
			l->changed(l, port);
}

/**
 * portown_who_current() - remember the calling process
 * @who: filled with a reference on the caller's thread-group pid
 *
 * Context: process context; not from the probe handlers (the name is
 * copied under the task lock).
 */
void portown_who_current(struct portown_who *who)
{
	who->pid = get_task_pid(current, PIDTYPE_TGID);
	who->uid = current_uid();
	who->since_ns = portown_now_ns();
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
 *
 * Context: process context (the last reference frees the pid).
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

/**
 * portown_pid_gone() - has a process exited
 * @pid: its thread-group pid
 *
 * A process is gone when no task has @pid as its thread group any more,
 * or when the whole group is exiting or dead (a zombie keeps its pid
 * until it is reaped, but it holds no descriptor).
 *
 * Context: any, including the probe handlers; does not sleep.
 * Return: true when the process is gone or going.
 */
bool portown_pid_gone(struct pid *pid)
{
	struct task_struct *task;
	bool gone = true;

	rcu_read_lock();
	task = pid_task(pid, PIDTYPE_TGID);
	if (task)
		gone = (task->signal->flags & SIGNAL_GROUP_EXIT) ||
		       (task->exit_state && thread_group_empty(task));
	rcu_read_unlock();
	return gone;
}
EXPORT_SYMBOL_IF_KUNIT(portown_pid_gone);

static void portown_claim_free(struct rcu_head *rcu)
{
	struct portown_claim *claim = container_of(rcu, struct portown_claim, rcu);

	put_pid(claim->who.pid);
	kfree(claim);
}

static void portown_port_free(struct kref *kref)
{
	struct portown_port *port = container_of(kref, struct portown_port, kref);
	struct portown_claim *claim = rcu_dereference_protected(port->claim, true);
	struct portown_termios *baseline = rcu_dereference_protected(port->baseline, true);
	struct portown_holder *h, *next;
	unsigned int i;

	for (h = port->holders; h; h = next) {
		next = h->next;
		portown_who_put(&h->who);
		kfree(h);
	}
	if (claim)
		call_rcu(&claim->rcu, portown_claim_free);
	kfree_rcu(baseline, rcu);
	portown_who_put(&port->shim);
	portown_who_put(&port->reinit_owner);
	WARN_ON(port->tty_dev || port->new_tty_dev || port->dev);
	for (i = 0; i < PORTOWN_HISTORY_LEN; i++)
		put_pid(port->history[i].who.pid);
	kfree(port->history);	/* read under the registry's lock only */
	if (port->marks) {
		portown_who_put(&port->marks->excl);
		portown_who_put(&port->marks->removed);
		kfree(port->marks);
	}
	kfree_rcu(port, rcu);		/* a probe handler may still be looking */
}

/**
 * portown_port_put() - drop a reference on a port record
 * @port: the record, or NULL
 *
 * Context: process context.
 */
void portown_port_put(struct portown_port *port)
{
	if (port)
		kref_put(&port->kref, portown_port_free);
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_put);

/**
 * portown_port_peek() - find the record of a port without a reference
 * @reg: the registry
 * @devt: the tty's device number
 *
 * For the probe handlers: the record stays valid until the end of the
 * caller's RCU read-side critical section, and only its RCU-published
 * members (&portown_port.claim, &portown_port.baseline) may be read.
 *
 * Context: caller is in an RCU read-side critical section; any context.
 * Return: the record, or NULL.
 */
struct portown_port *portown_port_peek(struct portown_registry *reg, dev_t devt)
{
	struct portown_port *port;

	hash_for_each_possible_rcu(reg->hash, port, hnode, devt)
		if (port->devt == devt)
			return port;
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_peek);

/**
 * portown_port_lookup_locked() - find the record of a port
 * @reg: the registry
 * @devt: the tty's device number
 *
 * Context: caller holds the registry's lock.
 * Return: the record, not referenced, or NULL if the port is not tracked.
 */
struct portown_port *portown_port_lookup_locked(struct portown_registry *reg, dev_t devt)
{
	struct portown_port *port;

	lockdep_assert_held(&reg->lock);
	hash_for_each_possible(reg->hash, port, hnode, devt)
		if (port->devt == devt)
			return port;
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_lookup_locked);

/**
 * portown_port_listed() - is a record in the registry for lookups and lists
 * @port: the record
 *
 * Context: caller holds the registry's lock while iterating it.
 * Return: false for a record on its way out (&portown_port.retired).
 */
bool portown_port_listed(const struct portown_port *port)
{
	portown_assert_locked(port);
	return !port->retired;
}

/**
 * portown_port_lookup() - find the record of a port
 * @reg: the registry
 * @devt: the tty's device number
 *
 * Context: process context; takes the registry's lock
 * (portown_registry_lock()).
 * Return: the record with a reference the caller drops with
 * portown_port_put(), or NULL if the port is not tracked.
 */
struct portown_port *portown_port_lookup(struct portown_registry *reg, dev_t devt)
{
	struct portown_port *port;

	portown_registry_lock(reg);
	port = portown_port_lookup_locked(reg, devt);
	if (port)
		kref_get(&port->kref);
	portown_registry_unlock(reg);
	return port;
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_lookup);

/**
 * portown_port_find_or_add() - find the record of a port, creating it
 * @reg: the registry
 * @devt: the tty's device number
 * @name: the tty's name, used when the record is created
 *
 * Context: caller holds the registry's lock; may sleep (allocates).
 * Return: the record, not referenced (the list holds it while the lock
 * is held), or NULL when out of memory.
 */
struct portown_port *portown_port_find_or_add(struct portown_registry *reg, dev_t devt,
					      const char *name)
{
	struct portown_port *port;

	lockdep_assert_held(&reg->lock);
	port = portown_port_lookup_locked(reg, devt);
	if (port)
		return port;
	port = kzalloc(sizeof(*port), GFP_KERNEL);
	if (!port)
		return NULL;
	port->history = kcalloc(PORTOWN_HISTORY_LEN, sizeof(*port->history), GFP_KERNEL);
	if (!port->history) {
		kfree(port);
		return NULL;
	}
	kref_init(&port->kref);		/* the list's reference */
	port->reg = reg;
	port->devt = devt;
	strscpy(port->name, name, sizeof(port->name));
	port->holders_tail = &port->holders;
	init_waitqueue_head(&port->wait);
	list_add_tail(&port->node, &reg->ports);
	hash_add_rcu(reg->hash, &port->hnode, devt);
	return port;
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_find_or_add);

static void portown_port_unhash(struct portown_port *port)
{
	if (!hlist_unhashed(&port->hnode))
		hash_del_rcu(&port->hnode);
}

/**
 * portown_port_remove() - take a port out of the registry
 * @port: the record; the caller's reference stays valid
 *
 * Context: process context; takes the registry's lock.  Removing twice
 * is harmless.
 */
void portown_port_remove(struct portown_port *port)
{
	struct portown_registry *reg = port->reg;
	bool listed;

	mutex_lock(&reg->lock);
	listed = !list_empty(&port->node);
	list_del_init(&port->node);
	portown_port_unhash(port);
	mutex_unlock(&reg->lock);
	if (listed)
		portown_port_put(port);		/* the list's reference */
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_remove);

/**
 * portown_registry_clear() - forget every port
 * @reg: the registry, whose listeners have all unregistered
 *
 * Context: process context, once nothing can add ports any more (module
 * exit, the end of a KUnit case).  Records still referenced are freed by
 * their last portown_port_put(), which must come before @reg itself
 * goes.  Waits for the RCU callbacks of the claims ended so far, which
 * run module code.
 */
void portown_registry_clear(struct portown_registry *reg)
{
	struct portown_port *port, *tmp;
	LIST_HEAD(gone);

	mutex_lock(&reg->lock);
	WARN_ON(!list_empty(&reg->listeners));
	list_splice_init(&reg->ports, &gone);
	list_for_each_entry(port, &gone, node)
		portown_port_unhash(port);
	mutex_unlock(&reg->lock);

	list_for_each_entry_safe(port, tmp, &gone, node) {
		list_del_init(&port->node);
		portown_port_put(port);
	}
	rcu_barrier();
}
EXPORT_SYMBOL_IF_KUNIT(portown_registry_clear);

/**
 * portown_port_tie() - the record is a tty's
 * @port: the record
 * @tty_dev: the tty's device, for the "device" link, or NULL
 * @driver_termios: the driver's initial settings, kept the first time
 * @console: the tty is a kernel console
 *
 * The first time, the listeners are told (sysfs gives the port a
 * directory); a retired record gets nothing new.
 *
 * Context: caller holds the registry's lock.
 */
void portown_port_tie(struct portown_port *port, struct device *tty_dev,
		      const struct ktermios *driver_termios, bool console)
{
	portown_assert_locked(port);
	if (!port->have_driver_termios) {
		port->driver_termios = *driver_termios;
		port->have_driver_termios = true;
	}
	WRITE_ONCE(port->console, console);
	if (port->tied || port->retired)
		return;
	if (!port->tty_dev && tty_dev)
		port->tty_dev = get_device(tty_dev);
	port->tied = true;
	portown_registry_changed(port);
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_tie);

/**
 * portown_port_back() - a removed port's device is back under its number
 * @port: the record, marked gone until now
 * @tty_dev: the tty's new device, or NULL
 *
 * The record is live again, and its "device" link is to go from the
 * removed device to @tty_dev; the listeners are told.
 *
 * Context: caller holds the registry's lock.
 */
void portown_port_back(struct portown_port *port, struct device *tty_dev)
{
	portown_assert_locked(port);
	port->gone = false;
	put_device(port->new_tty_dev);
	port->new_tty_dev = get_device(tty_dev);
	port->unlink = true;
	portown_registry_changed(port);
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_back);

/**
 * portown_port_claim_of() - the claim on a port
 * @port: the record
 *
 * Context: caller holds the registry's lock.
 * Return: the claim, or NULL when the port is not claimed.
 */
struct portown_claim *portown_port_claim_of(const struct portown_port *port)
{
	return rcu_dereference_protected(port->claim, lockdep_is_held(&port->reg->lock));
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_claim_of);

/**
 * portown_port_state() - the state of a port, derived from its record
 * @port: the record
 *
 * Context: caller holds the registry's lock.
 * Return: PORTOWN_STATE_*.
 */
u32 portown_port_state(const struct portown_port *port)
{
	portown_assert_locked(port);
	if (port->gone && port->nr_holders)
		return PORTOWN_STATE_GONE;
	if (portown_port_claim_of(port))
		return PORTOWN_STATE_CLAIMED;
	if (port->nr_live)
		return PORTOWN_STATE_OPEN;
	if (port->nr_holders)
		return PORTOWN_STATE_HUNGUP;
	return PORTOWN_STATE_CLOSED;
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_state);

static_assert(PORTOWN_ID_RESET_MASK < (1U << 16), "history flags are kept in 16 bits");

/*
 * What a tracked port and an open descriptor cost (the admin guide's
 * "Limits"): within a 512-byte and a 64-byte allocation on a 64-bit
 * kernel whose locks carry no debugging state (PREEMPT_RT's included).
 */
#if BITS_PER_LONG == 64 && !defined(CONFIG_LOCKDEP) && !defined(CONFIG_DEBUG_SPINLOCK)
static_assert(sizeof(struct portown_port) <= 512, "a record within 512 bytes");
static_assert(sizeof(struct portown_holder) <= 64, "a holder within 64 bytes");
#endif

/* Event @seq of @port's history, which the ring still holds, in @e (no reference). */
static void portown_hist_of(const struct portown_port *port, u64 seq, struct portown_hist *e)
{
	const struct portown_hist_slot *slot = &port->history[(seq - 1) % PORTOWN_HISTORY_LEN];

	e->time_ns = slot->time_ns;
	e->seq = seq;
	e->type = slot->type;
	e->state = slot->state;
	e->flags = slot->flags;
	e->who = slot->who;
}

/**
 * portown_port_record() - add an event to a port's history
 * @port: the record
 * @type: PORTOWN_EV_*
 * @who: the process the event is about, or NULL
 *
 * Records the state after the event, wakes everyone waiting on the port
 * and tells the listeners.
 *
 * Context: caller holds the registry's lock.
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
 * Context: caller holds the registry's lock.
 */
void portown_port_record_flags(struct portown_port *port, u32 type,
			       const struct portown_who *who, u32 flags)
{
	struct portown_listener *l;
	struct portown_hist_slot *slot;
	struct portown_hist e;

	portown_assert_locked(port);
	slot = &port->history[port->seq % PORTOWN_HISTORY_LEN];
	put_pid(slot->who.pid);
	port->seq++;
	slot->type = type;
	slot->flags = flags;
	slot->state = portown_port_state(port);
	slot->time_ns = port->reg->event_ns ?: portown_now_ns();
	if (who)
		portown_who_copy(&slot->who, who);
	else
		memset(&slot->who, 0, sizeof(slot->who));
	wake_up_all(&port->wait);
	portown_hist_of(port, port->seq, &e);	/* the listeners' view, no reference */
	list_for_each_entry(l, &port->reg->listeners, node)
		if (l->event)
			l->event(l, port, &e);
}

/**
 * portown_port_history() - copy a port's recent events, oldest first
 * @port: the record
 * @out: room for @max entries; each copy holds a pid reference that the
 *	caller drops with portown_who_put()
 * @max: room in @out
 *
 * Context: caller holds the registry's lock.
 * Return: the number of events available, which may exceed @max.
 */
unsigned int portown_port_history(const struct portown_port *port,
				  struct portown_hist *out, unsigned int max)
{
	unsigned int n = min_t(u64, port->seq, PORTOWN_HISTORY_LEN);
	u64 first = port->seq - n + 1, s;
	unsigned int i = 0;

	portown_assert_locked(port);
	for (s = first; s <= port->seq && i < max; s++, i++) {
		portown_hist_of(port, s, &out[i]);
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
 * Context: caller holds the registry's lock.
 * Return: the entry, or NULL if @file is not a known holder of @port.
 */
struct portown_holder *portown_port_holder(const struct portown_port *port,
					   const void *file)
{
	struct portown_holder *h;

	portown_assert_locked(port);
	for (h = port->holders; h; h = h->next)
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
 * Context: caller holds the registry's lock.
 * Return: false, with @owner zeroed, when the port has no owner.
 */
bool portown_port_owner(const struct portown_port *port, struct portown_who *owner,
			unsigned int *f_flags)
{
	struct portown_claim *claim = portown_port_claim_of(port);
	struct portown_holder *h;

	if (claim) {
		portown_who_copy(owner, &claim->who);
		if (f_flags)
			*f_flags = claim->f_flags;
		return true;
	}
	for (h = port->holders; h; h = h->next)
		if (!h->hungup)
			goto found;
	if (!port->gone || !port->holders) {
		memset(owner, 0, sizeof(*owner));
		return false;
	}
	h = port->holders;
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
 * Context: caller holds the registry's lock.
 * Return: true when such a descriptor exists.
 */
bool portown_port_held_by_other(const struct portown_port *port, const struct pid *pid,
				const void *file, struct portown_who *other,
				unsigned int *f_flags)
{
	struct portown_holder *h;

	portown_assert_locked(port);
	for (h = port->holders; h; h = h->next) {
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

/* Take @h out of @port's holders. */
static void portown_holder_unlink(struct portown_port *port, struct portown_holder *h)
{
	struct portown_holder **pp = &port->holders;

	while (*pp != h)
		pp = &(*pp)->next;
	*pp = h->next;
	if (port->holders_tail == &h->next)
		port->holders_tail = pp;
	h->next = NULL;
}

static int portown_port_add_holder(struct portown_port *port, const void *file,
				   const struct portown_who *who, unsigned int f_flags,
				   bool found)
{
	struct portown_claim *claim = portown_port_claim_of(port);
	struct portown_holder *h;

	portown_assert_locked(port);
	h = portown_port_holder(port, file);
	if (h && h->found && !found) {
		/* the event of an open a walk found first: that same open */
		portown_who_put(&h->who);
		portown_who_copy(&h->who, who);
		h->f_flags = f_flags;
		h->found = false;
		return 0;
	}
	if (h) {
		/* the same struct file again: its close was missed */
		if (!h->hungup)
			port->nr_live--;
		port->nr_holders--;
		port->counters.closes++;
		portown_holder_unlink(port, h);
		portown_who_put(&h->who);
	} else {
		h = kzalloc(sizeof(*h), GFP_KERNEL);
		if (!h)
			return -ENOMEM;
	}
	h->file = file;
	portown_who_copy(&h->who, who);
	h->f_flags = f_flags;
	h->hungup = false;
	h->found = found;
	h->privileged = claim && claim->who.pid != who->pid;
	*port->holders_tail = h;
	port->holders_tail = &h->next;
	port->nr_holders++;
	port->nr_live++;
	port->counters.opens++;
	portown_port_record(port, PORTOWN_EV_OPEN, who);
	return 0;
}

/**
 * portown_port_open() - record a new descriptor of a port
 * @port: the record
 * @file: the descriptor's struct file
 * @who: the opener
 * @f_flags: its open flags
 *
 * The tap's open event.  A @file found before its event came (by
 * portown_port_found()) is that same open: only its opener is taken
 * from the event.  Any other @file already recorded is a descriptor
 * whose close was missed and whose memory was reused: the stale entry
 * is closed and replaced.
 *
 * Context: caller holds the registry's lock; may sleep (allocates).
 * Return: 0, or -ENOMEM.
 */
int portown_port_open(struct portown_port *port, const void *file,
		      const struct portown_who *who, unsigned int f_flags)
{
	return portown_port_add_holder(port, file, who, f_flags, false);
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_open);

/**
 * portown_port_found() - record a descriptor found without its open event
 * @port: the record
 * @file: the descriptor's struct file, not yet recorded
 * @who: the process found holding it
 * @f_flags: its open flags
 *
 * A walk of the descriptor tables (at load, or by the reconciler) or a
 * caller's own descriptor found it.  Its open event may still be on its
 * way; when it comes, portown_port_open() counts no second open.
 *
 * Context: caller holds the registry's lock; may sleep (allocates).
 * Return: 0, or -ENOMEM.
 */
int portown_port_found(struct portown_port *port, const void *file,
		       const struct portown_who *who, unsigned int f_flags)
{
	return portown_port_add_holder(port, file, who, f_flags, true);
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_found);

/**
 * portown_port_holder_hungup() - mark one descriptor as hung up
 * @port: the record
 * @file: the descriptor, found hung up (at discovery)
 *
 * Context: caller holds the registry's lock.
 */
void portown_port_holder_hungup(struct portown_port *port, const void *file)
{
	struct portown_holder *h = portown_port_holder(port, file);

	portown_assert_locked(port);
	if (h && !h->hungup) {
		h->hungup = true;
		port->nr_live--;
	}
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_holder_hungup);

/**
 * portown_port_holder_live() - mark one descriptor as live again
 * @port: the record
 * @file: the descriptor, which the tty core does not count as hung up
 *
 * A hangup spares the descriptors opened through /dev/console: they live
 * on where the record took every descriptor for hung up.
 *
 * Context: caller holds the registry's lock.
 */
void portown_port_holder_live(struct portown_port *port, const void *file)
{
	struct portown_holder *h = portown_port_holder(port, file);

	portown_assert_locked(port);
	if (h && h->hungup) {
		h->hungup = false;
		port->nr_live++;
	}
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_holder_live);

/**
 * portown_port_end_claim() - end the claim on a port, if there is one
 * @port: the record
 * @who: the process that ends it, for the history, or NULL
 *
 * The claim is unpublished at once and freed after the probe handlers
 * that may be reading it.
 *
 * Context: caller holds the registry's lock.
 * Return: true if the claim still owned the tty's TTY_EXCLUSIVE bit
 * (&portown_claim.excl): the caller must clear it.
 */
bool portown_port_end_claim(struct portown_port *port, const struct portown_who *who)
{
	struct portown_claim *claim = portown_port_claim_of(port);
	bool excl;

	if (!claim)
		return false;
	excl = atomic_xchg(&claim->excl, 0);
	RCU_INIT_POINTER(port->claim, NULL);
	portown_port_record(port, PORTOWN_EV_RELEASE, who);
	call_rcu(&claim->rcu, portown_claim_free);
	return excl;
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_end_claim);

/**
 * portown_port_end_dead_claim() - end a claim whose process has exited
 * @port: the record
 *
 * A claim normally ends when the descriptor it was made through is
 * released.  A descriptor the claimer shared with a child outlives the
 * claimer; the claim must not.
 *
 * Context: caller holds the registry's lock.
 * Return: as portown_port_end_claim().
 */
bool portown_port_end_dead_claim(struct portown_port *port)
{
	struct portown_claim *claim = portown_port_claim_of(port);

	if (!claim || !portown_pid_gone(claim->who.pid))
		return false;
	return portown_port_end_claim(port, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_end_dead_claim);

/* @port's marks, allocated on first use; NULL when out of memory. */
static struct portown_marks *portown_port_marks(struct portown_port *port)
{
	if (!port->marks)
		port->marks = kzalloc(sizeof(*port->marks), GFP_KERNEL);
	return port->marks;
}

/**
 * portown_port_close() - record that a descriptor of a port was released
 * @port: the record
 * @file: the descriptor's struct file
 * @who: the closing process, or NULL
 *
 * When @file is the descriptor the port is claimed through, the claim ends.
 *
 * Context: caller holds the registry's lock.
 * Return: as portown_port_end_claim(): true if the caller must clear
 * TTY_EXCLUSIVE.
 */
bool portown_port_close(struct portown_port *port, const void *file,
			const struct portown_who *who)
{
	struct portown_claim *claim = portown_port_claim_of(port);
	struct portown_holder *h;
	bool ended = false;

	h = portown_port_holder(port, file);
	if (!h)
		return false;
	portown_holder_unlink(port, h);
	port->nr_holders--;
	if (!h->hungup)
		port->nr_live--;
	if (!port->nr_holders)
		portown_port_mark_excl(port, NULL);	/* the tty goes, its bit with it */
	port->counters.closes++;
	portown_port_record(port, PORTOWN_EV_CLOSE, who ?: &h->who);
	if (claim && claim->file == file)
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
 * Context: caller holds the registry's lock.
 * Return: as portown_port_end_claim().
 */
bool portown_port_hangup(struct portown_port *port, const struct portown_who *who)
{
	struct portown_holder *h;

	portown_assert_locked(port);
	for (h = port->holders; h; h = h->next)
		h->hungup = true;
	port->nr_live = 0;
	port->counters.hangups++;
	portown_port_mark_excl(port, NULL);	/* the tap cleared the bit */
	portown_port_record(port, PORTOWN_EV_HANGUP, who);
	return portown_port_end_claim(port, who);
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_hangup);

/**
 * portown_port_reinit_later() - a reset is to follow a hangup
 * @port: the record
 * @owner: the owner before the hangup, whose settings are to go
 * @flags: PORTOWN_ID_EXCL when the port was exclusive then (and that was
 *	cleared)
 *
 * The next portown_port_reinit() without a process names @owner.
 *
 * Context: caller holds the registry's lock.
 */
void portown_port_reinit_later(struct portown_port *port, const struct portown_who *owner,
			       u32 flags)
{
	portown_assert_locked(port);
	portown_who_put(&port->reinit_owner);
	portown_who_copy(&port->reinit_owner, owner);
	port->reinit_flags = flags;
	port->reinit_due = true;
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_reinit_later);

/**
 * portown_port_reinit() - record that a port went back to its baseline
 * @port: the record
 * @who: the owner whose settings were reset, or NULL for the one
 *	portown_port_reinit_later() named (if any)
 * @flags: PORTOWN_ID_EXCL (the port was exclusive at the hangup, and that
 *	was cleared), PORTOWN_ID_KEPT (the settings were kept),
 *	PORTOWN_ID_AT_CLOSE (after a last close, not a hangup)
 *
 * The event also carries PORTOWN_ID_CONSOLE for a console and the reset
 * policy (PORTOWN_ID_RESET_MASK).
 *
 * Context: caller holds the registry's lock.
 */
void portown_port_reinit(struct portown_port *port, const struct portown_who *who, u32 flags)
{
	bool due = !who && port->reinit_due;

	portown_assert_locked(port);
	if (due) {
		who = &port->reinit_owner;
		flags |= port->reinit_flags;
	}
	if (port->console)
		flags |= PORTOWN_ID_CONSOLE;
	flags |= (u32)port->reset << PORTOWN_ID_RESET_SHIFT;
	port->counters.reinits++;
	portown_port_record_flags(port, PORTOWN_EV_REINIT, who, flags);
	/* a reinit that names its own owner leaves the one due for its reset */
	if (due) {
		port->reinit_due = false;
		portown_who_put(&port->reinit_owner);
	}
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_reinit);

/**
 * portown_port_set_reset() - set a port's reset policy
 * @port: the record
 * @reset: PORTOWN_RESET_*
 *
 * Context: caller holds the registry's lock.
 * Return: 0, or -EINVAL for an unknown policy.
 */
int portown_port_set_reset(struct portown_port *port, u32 reset)
{
	portown_assert_locked(port);
	if (reset > PORTOWN_RESET_NEVER)
		return -EINVAL;
	WRITE_ONCE(port->reset, reset);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_set_reset);

/**
 * portown_port_repair() - count and record a correction of the record
 * @port: the record
 * @who: the process the correction is about, or NULL
 *
 * Context: caller holds the registry's lock.
 */
void portown_port_repair(struct portown_port *port, const struct portown_who *who)
{
	portown_assert_locked(port);
	port->counters.repairs++;
	portown_port_record(port, PORTOWN_EV_REPAIR, who);
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_repair);

/**
 * portown_port_gone() - record that a port's device was removed
 * @port: the record
 * @who: the process the removal ran in (a hotplug worker for an unplug),
 *	or NULL
 * @flags: PORTOWN_ID_UNBOUND when @who unbound the device's driver
 * @excl: set to true when the claim that ended owned TTY_EXCLUSIVE (the
 *	caller clears it), else left alone
 *
 * The claim ends (the device cannot be used again); the holders stay
 * listed until they close, since they keep the device's name and number
 * taken: that is why a replugged device comes back under another name.
 * Recording it twice changes nothing.
 *
 * Context: caller holds the registry's lock.
 * Return: true when no descriptor remains: the caller retires the record
 * (portown_port_retire_if_done()).
 */
bool portown_port_gone(struct portown_port *port, const struct portown_who *who,
		       u32 flags, bool *excl)
{
	portown_assert_locked(port);
	if (!port->gone) {
		port->gone = true;
		port->unlink = true;
		if (who && portown_port_marks(port)) {
			portown_who_put(&port->marks->removed);
			portown_who_copy(&port->marks->removed, who);
			port->marks->removed_flags = flags;
		}
		if (portown_port_end_claim(port, who))
			*excl = true;
		portown_port_record_flags(port, PORTOWN_EV_GONE, who, flags);
		portown_registry_changed(port);
	}
	return !port->nr_holders;
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_gone);

/**
 * portown_port_mark_excl() - record who set a port's TIOCEXCL
 * @port: the record
 * @who: the process that set it, or NULL: the bit is clear now
 *
 * The first setter is kept while the bit stays set; out of memory, none
 * is (the bit is then reported without a name).
 *
 * Context: caller holds the registry's lock; may sleep (allocates).
 */
void portown_port_mark_excl(struct portown_port *port, const struct portown_who *who)
{
	portown_assert_locked(port);
	if (!who) {
		if (port->marks)
			portown_who_put(&port->marks->excl);
		return;
	}
	if (portown_port_marks(port) && !port->marks->excl.pid)
		portown_who_copy(&port->marks->excl, who);
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_mark_excl);

/**
 * portown_port_excl_setter() - who set a port's TIOCEXCL
 * @port: the record
 *
 * Context: caller holds the registry's lock.
 * Return: the process and the time, or NULL when none is known.
 */
const struct portown_who *portown_port_excl_setter(const struct portown_port *port)
{
	portown_assert_locked(port);
	return port->marks && port->marks->excl.pid ? &port->marks->excl : NULL;
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_excl_setter);

/**
 * portown_port_remover() - the process a gone port's removal ran in
 * @port: the record
 * @flags: set to PORTOWN_ID_UNBOUND when it unbound the driver, else 0
 *
 * Context: caller holds the registry's lock.
 * Return: the process, or NULL when the port is not gone or none is known.
 */
const struct portown_who *portown_port_remover(const struct portown_port *port, u32 *flags)
{
	portown_assert_locked(port);
	*flags = 0;
	if (!port->gone || !port->marks || !port->marks->removed.since_ns)
		return NULL;
	*flags = port->marks->removed_flags;
	return &port->marks->removed;
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_remover);

/**
 * portown_port_retire_if_done() - retire a removed device's record once unused
 * @port: the record
 *
 * A record whose device is gone and that no descriptor holds any more
 * leaves the registry: lookups stop finding it at once (so a new device
 * with the same number gets a fresh record), and the listeners are told
 * (sysfs.c removes its directory, then the record from the list).
 *
 * Context: caller holds the registry's lock.
 * Return: true if the record was retired now.
 */
bool portown_port_retire_if_done(struct portown_port *port)
{
	portown_assert_locked(port);
	if (!port->gone || port->nr_holders || port->retired)
		return false;
	port->retired = true;
	portown_port_unhash(port);
	wake_up_all(&port->wait);
	portown_registry_changed(port);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_retire_if_done);

/**
 * portown_port_deny() - record a refused open or claim
 * @port: the record
 * @who: the refused process
 *
 * Context: caller holds the registry's lock.
 */
void portown_port_deny(struct portown_port *port, const struct portown_who *who)
{
	portown_assert_locked(port);
	port->counters.denials++;
	portown_port_record(port, PORTOWN_EV_DENY, who);
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_deny);

/**
 * portown_port_claim() - claim a port through a descriptor
 * @port: the record
 * @file: the descriptor the claim is made through
 * @who: the claiming process
 * @excl: the claimer has set the tty's TTY_EXCLUSIVE bit for this claim,
 *	and the claim's end must clear it
 *
 * A claim needs a live descriptor of the port, and succeeds only when no
 * other process claims the port or holds a live descriptor of it.  It
 * belongs to @file: it ends when @file is released, whoever holds it by
 * then, or when @who exits.  A second claim by the claimer succeeds and
 * changes nothing (@excl is then not taken over).
 *
 * Context: caller holds the registry's lock; may sleep (allocates).
 * Return: 0; -EBADF when @file is not a descriptor of @port; -EIO when it
 * was hung up; -ENODEV when the device is gone; -EBUSY when another
 * process claims or holds the port (counted as a denial); -ENOMEM.
 */
int portown_port_claim(struct portown_port *port, const void *file,
		       const struct portown_who *who, bool excl)
{
	struct portown_claim *claim = portown_port_claim_of(port);
	struct portown_holder *h;

	h = portown_port_holder(port, file);
	if (!h)
		return -EBADF;
	if (port->gone)
		return -ENODEV;
	if (h->hungup)
		return -EIO;
	if (claim && claim->who.pid == who->pid)
		return 0;
	if (claim || portown_port_held_by_other(port, who->pid, file, NULL, NULL)) {
		portown_port_deny(port, who);
		return -EBUSY;
	}
	claim = kzalloc(sizeof(*claim), GFP_KERNEL);
	if (!claim)
		return -ENOMEM;
	claim->file = file;
	portown_who_copy(&claim->who, who);
	claim->f_flags = h->f_flags;
	atomic_set(&claim->excl, excl);
	rcu_assign_pointer(port->claim, claim);
	port->counters.claims++;
	portown_port_record(port, PORTOWN_EV_CLAIM, who);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_claim);

/**
 * portown_port_release() - give up a claim
 * @port: the record
 * @pid: the process that asks
 * @file: the descriptor the request names (or that the caller holds),
 *	or NULL
 * @who: the same process, for the history
 *
 * The claimer may release, and so may whoever holds the descriptor the
 * claim was made through.
 *
 * Context: caller holds the registry's lock.
 * Return: 1 if the caller must clear TTY_EXCLUSIVE, else 0; -ENOENT when
 * the port is not claimed; -EPERM when another process claims it.
 */
int portown_port_release(struct portown_port *port, const struct pid *pid, const void *file,
			 const struct portown_who *who)
{
	struct portown_claim *claim = portown_port_claim_of(port);

	if (!claim)
		return -ENOENT;
	if (claim->who.pid != pid && (!file || claim->file != file))
		return -EPERM;
	return portown_port_end_claim(port, who);
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_release);

/**
 * portown_port_set_baseline() - set or drop an administrator's baseline
 * @port: the record
 * @termios: the settings, or NULL to go back to the driver's
 *
 * Context: caller holds the registry's lock; may sleep (allocates).
 * Return: 0 or -ENOMEM.
 */
int portown_port_set_baseline(struct portown_port *port, const struct ktermios *termios)
{
	struct portown_termios *new = NULL, *old;

	portown_assert_locked(port);
	if (termios) {
		new = kmalloc(sizeof(*new), GFP_KERNEL);
		if (!new)
			return -ENOMEM;
		new->termios = *termios;
	}
	old = rcu_replace_pointer(port->baseline, new, lockdep_is_held(&port->reg->lock));
	kfree_rcu(old, rcu);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_set_baseline);

/**
 * portown_port_baseline() - the settings a port goes back to
 * @port: the record
 * @termios: filled with the administrator's baseline, else with the
 *	driver's initial settings when the record knows them
 *
 * Context: caller holds the registry's lock.
 * Return: true for an administrator's baseline.
 */
bool portown_port_baseline(const struct portown_port *port, struct ktermios *termios)
{
	const struct portown_termios *b;

	b = rcu_dereference_protected(port->baseline, lockdep_is_held(&port->reg->lock));
	*termios = b ? b->termios : port->driver_termios;
	return b;
}
EXPORT_SYMBOL_IF_KUNIT(portown_port_baseline);
