// SPDX-License-Identifier: GPL-2.0
/*
 * portown - the tty side of the registry: the tap's events applied to
 * the records, in process context, and the other ways ttys come to be
 * recorded (the shim, a descriptor an ioctl names, discovery).
 *
 * The tap's handlers only queue what happened (tap.c).  Whoever takes
 * portown_lock to read or change the registry does it through
 * portown_sync_lock(), which first applies every queued event, in order:
 * so a query made after an open() returned sees that open, whether the
 * work item that drains the ring has run yet or not.  Applying an event
 * never takes a tty lock (the drain may run under one, or under a line
 * discipline's semaphore); what needs one is left to a work item
 * (reinit.c) or to the reconciler.
 *
 * Context: process context throughout; portown_lock (a mutex) is held
 * while events are applied.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/tty.h>
#include <linux/tty_driver.h>
#include <linux/workqueue.h>

#include "portown.h"
#include "registry.h"

/**
 * portown_track_tty() - the record of a tty, created on first sight
 * @tty: the tty
 *
 * The first time a record is tied to a tty it learns the driver's
 * initial settings, and sysfs is told to give it a directory.
 *
 * Context: caller holds portown_lock; may sleep (allocates).
 * Return: the record (not referenced), or NULL when out of memory.
 */
struct portown_port *portown_track_tty(struct tty_struct *tty)
{
	struct portown_port *port;

	lockdep_assert_held(&portown_lock);
	port = portown_port_find_or_add(tty_devnum(tty), tty->name);
	if (!port)
		return NULL;
	if (!port->have_driver_termios) {
		port->driver_termios = tty->driver->init_termios;
		port->driver_termios.c_line = N_TTY;
		port->have_driver_termios = true;
	}
	if (!port->sysfs_wanted)
		portown_sysfs_update(port, tty->dev);
	return port;
}

static void portown_apply_open(struct portown_tap_event *ev)
{
	struct portown_port *port = portown_track_tty(ev->tty);

	if (!port)
		goto nomem;
	/*
	 * A successful open of a port marked gone: its device is back under
	 * the same number (a UART unbound and bound again while an old
	 * descriptor was held).  Its "device" link goes to the new device,
	 * found by number in the tty's class (the tty itself, reopened,
	 * still names the removed one).
	 */
	if (port->gone) {
		struct device *dev = NULL;

		port->gone = false;
		if (ev->tty->dev)
			dev = class_find_device_by_devt(ev->tty->dev->class, ev->devt);
		portown_sysfs_relink(port, dev);
		put_device(dev);
	}
	if (portown_port_open(port, ev->file, &ev->who, ev->f_flags))
		goto nomem;
	if (ev->flags & PORTOWN_TAP_HUNGUP)
		portown_port_holder_hungup(port, ev->file);
	return;
nomem:
	pr_warn_ratelimited("%s: out of memory recording an open\n", ev->tty->name);
}

static void portown_apply_close(struct portown_tap_event *ev)
{
	struct portown_port *port = portown_port_lookup_locked(ev->devt);

	if (!port)
		return;
	/* the handler has let go of the claim's exclusive bit, but if dropped */
	if (portown_port_close(port, ev->file, &ev->who))
		portown_clear_excl_later(tty_kref_get(ev->tty), ev->devt);
	if (portown_port_retire_if_done(port))
		portown_sysfs_tidy();
}

/* Caller holds portown_lock; takes over @ev's tty reference when it queues a reset. */
static void portown_apply_hangup(struct portown_tap_event *ev)
{
	struct portown_port *port = portown_port_lookup_locked(ev->devt);
	bool excl = ev->flags & PORTOWN_TAP_EXCL;
	struct portown_who owner;

	if (!port)
		return;
	portown_port_owner(port, &owner, NULL);
	/* the handler cleared the bit, unless a claim came after it */
	if (portown_port_hangup(port, &ev->who))
		portown_clear_excl_later(tty_kref_get(ev->tty), ev->devt);
	if (ev->flags & PORTOWN_TAP_RESET) {
		portown_port_reinit(port, &owner, excl);
		portown_who_put(&owner);
	} else {
		portown_reinit_later(ev->tty, &owner, excl);
		ev->tty = NULL;
	}
}

static void portown_apply_deny(struct portown_tap_event *ev)
{
	struct portown_port *port = portown_track_tty(ev->tty);

	if (port)
		portown_port_deny(port, &ev->who);
}

static void portown_apply_gone(struct portown_tap_event *ev)
{
	struct portown_port *port = portown_port_lookup_locked(ev->devt);
	bool excl = false;

	if (!port)
		return;
	if (portown_port_gone(port, &ev->who, &excl))
		portown_port_retire_if_done(port);
	/*
	 * A claim that still owned the exclusive bit (the hangup that goes
	 * with a removal has not come yet): it must not outlive the claim.
	 */
	if (excl)
		portown_clear_excl_later(NULL, ev->devt);
	portown_sysfs_tidy();
}

static void portown_apply_dead_claim(struct portown_tap_event *ev)
{
	struct portown_port *port = portown_port_lookup_locked(ev->devt);

	/* the handler has let go of the claim's exclusive bit already */
	if (port && portown_port_end_dead_claim(port))
		portown_clear_excl_later(NULL, ev->devt);
}

/* Apply one event of the tap and drop the references it holds. */
static void portown_track_apply(struct portown_tap_event *ev)
{
	switch (ev->type) {
	case PORTOWN_TAP_OPEN:
		portown_apply_open(ev);
		break;
	case PORTOWN_TAP_CLOSE:
		portown_apply_close(ev);
		break;
	case PORTOWN_TAP_HANGUP:
		portown_apply_hangup(ev);
		break;
	case PORTOWN_TAP_DENY:
		portown_apply_deny(ev);
		break;
	case PORTOWN_TAP_GONE:
		portown_apply_gone(ev);
		break;
	case PORTOWN_TAP_DEAD_CLAIM:
		portown_apply_dead_claim(ev);
		break;
	}
	portown_who_put(&ev->who);
	tty_kref_put(ev->tty);
}

/**
 * portown_sync_lock() - take portown_lock with every tty event applied
 *
 * Context: process context; may sleep.  May be called with a tty lock or
 * a line discipline's semaphore held.
 */
void portown_sync_lock(void)
{
	struct portown_tap_event batch[8];
	unsigned int n, i;

	mutex_lock(&portown_lock);
	while ((n = portown_tap_pop(batch, ARRAY_SIZE(batch))))
		for (i = 0; i < n; i++)
			portown_track_apply(&batch[i]);
}

/**
 * portown_sync_unlock() - release portown_lock
 */
void portown_sync_unlock(void)
{
	mutex_unlock(&portown_lock);
}

/*
 * The ring's consumer.  A probe hit the kprobes core could not serve
 * leaves no event in the ring: the change in the count of those is the
 * only sign, and the reconciler looks at once.
 */
static void portown_consume_workfn(struct work_struct *work)
{
	static unsigned long seen;
	unsigned long missed = portown_tap_missed();

	portown_sync_lock();
	portown_sync_unlock();
	if (missed != seen) {
		seen = missed;
		portown_reconcile_soon();
	}
}

static DECLARE_WORK(portown_consume_work, portown_consume_workfn);

/**
 * portown_track_snapshot() - the records listed now, each referenced
 * @nr: set to the number of records in the array
 *
 * For work on every record that needs portown_lock let go in between
 * (LIST, the reconciler).
 *
 * Context: process context; may sleep.
 * Return: an array for portown_track_snapshot_put(), or NULL when out of
 * memory.
 */
struct portown_port **portown_track_snapshot(unsigned int *nr)
{
	struct portown_port *port, **ports;
	unsigned int n = 0, i = 0;

	portown_sync_lock();
	list_for_each_entry(port, portown_registry_ports(), node)
		n += portown_port_listed(port);
	portown_sync_unlock();
	ports = kvcalloc(n ?: 1, sizeof(*ports), GFP_KERNEL);
	if (!ports)
		return NULL;
	portown_sync_lock();
	list_for_each_entry(port, portown_registry_ports(), node) {
		if (i == n)
			break;		/* added since: the next snapshot has them */
		if (!portown_port_listed(port))
			continue;
		kref_get(&port->kref);
		ports[i++] = port;
	}
	portown_sync_unlock();
	*nr = i;
	return ports;
}

/**
 * portown_track_snapshot_put() - drop a snapshot's references
 * @ports: the array from portown_track_snapshot()
 * @nr: its number of records
 *
 * Context: process context.
 */
void portown_track_snapshot_put(struct portown_port **ports, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		portown_port_put(ports[i]);
	kvfree(ports);
}

/**
 * portown_track_consumer() - the work item that applies the tap's events
 *
 * Return: the work item, for portown_tap_init().
 */
struct work_struct *portown_track_consumer(void)
{
	return &portown_consume_work;
}

/**
 * portown_track_flush() - apply what the tap left, once it is gone
 *
 * Context: process context, module exit, after portown_tap_exit().
 */
void portown_track_flush(void)
{
	cancel_work_sync(&portown_consume_work);
	portown_sync_lock();
	portown_sync_unlock();
}

/**
 * portown_track_adopt() - record a descriptor the caller holds
 * @tty: its tty, tracked
 * @file: the descriptor, which the caller holds a reference on
 *
 * A descriptor of a tracked tty that portown has no record of (opened
 * before the tap existed, in the reduced mode, or its open was missed):
 * the caller holds it, so it is recorded now, with the caller as its
 * opener.
 *
 * Context: caller holds portown_lock (portown_sync_lock()).
 * Return: the record (not referenced), or NULL when out of memory.
 */
struct portown_port *portown_track_adopt(struct tty_struct *tty, struct file *file)
{
	struct portown_port *port = portown_track_tty(tty);
	struct portown_who who;

	if (!port || portown_port_holder(port, file) || tty_hung_up_p(file))
		return port;
	portown_who_current(&who);
	portown_port_found(port, file, &who, file->f_flags);
	portown_who_put(&who);
	return port;
}

/**
 * portown_track_shim() - the shim was attached to or detached from a tty
 * @tty: the tty
 * @attached: true on attach, with the caller as the one who attached it
 *
 * Context: process context (the shim's open and close).
 */
void portown_track_shim(struct tty_struct *tty, bool attached)
{
	struct portown_port *port;
	struct portown_who who = {};

	if (!portown_tty_tracked(tty))
		return;
	if (attached)
		portown_who_current(&who);
	portown_sync_lock();
	port = attached ? portown_track_tty(tty) : portown_port_lookup_locked(tty_devnum(tty));
	if (port) {
		swap(port->shim, who);
		port->shim_attached = attached;
	}
	portown_sync_unlock();
	portown_who_put(&who);
}

/**
 * portown_track_reinit() - record that a hung-up tty was reset later
 * @tty: the tty
 * @owner: its owner before the hangup
 * @excl: it was exclusive at the hangup
 *
 * Context: process context (reinit.c's work).
 */
void portown_track_reinit(struct tty_struct *tty, const struct portown_who *owner, bool excl)
{
	struct portown_port *port;

	portown_sync_lock();
	port = portown_port_lookup_locked(tty_devnum(tty));
	if (port)
		portown_port_reinit(port, owner, excl);
	portown_sync_unlock();
}

static void portown_discovered(const struct portown_found *found, unsigned int n,
			       const struct portown_who *who)
{
	struct portown_port *port;
	unsigned int i;

	portown_sync_lock();
	for (i = 0; i < n; i++) {
		struct file *file = found[i].file;

		/* a descriptor shared by several processes: the first one found keeps it */
		port = portown_track_tty(portown_file_tty(file));
		if (!port || portown_port_holder(port, file))
			continue;
		if (portown_port_found(port, file, who, file->f_flags))
			continue;
		if (found[i].hungup)
			portown_port_holder_hungup(port, file);
	}
	portown_sync_unlock();
}

/**
 * portown_discover() - record the tty descriptors every process holds
 *
 * Walks every process's descriptor table once, the way lsof does, and
 * records the descriptors of tracked ttys the registry lacks, each with
 * the first process found holding it.  The open time is unknown: the
 * time of the walk stands in for it.
 *
 * Context: process context; may sleep.  Costs a walk of every process:
 * callers bound how often (see reconcile.c).
 * Return: the number of tracked tty descriptors found.
 */
unsigned int portown_discover(void)
{
	return portown_walk_descriptors(portown_discovered);
}
