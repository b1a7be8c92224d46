// SPDX-License-Identifier: GPL-2.0
/*
 * portown - the live registry, fed by the tap: the tap's events applied
 * to the records, in process context, and the other ways ttys come to be
 * recorded (the shim, a descriptor an ioctl names, discovery).
 *
 * Owns: portown_live, the module's registry.  The tap's handlers only
 * queue what happened (tap.c).  portown_live's @sync hook applies every
 * queued event, in order, each time someone takes its lock with
 * portown_registry_lock(): so a query made after an open() returned sees
 * that open, whether the tap's work item has run yet or not.  Applying an
 * event never takes a tty lock (the drain may run under one, or under a
 * line discipline's semaphore); what needs one is left to a work item
 * (reinit.c) or to the reconciler.  A device's removal is one of the
 * events: its record is marked gone, and retired once no descriptor
 * holds it.
 *
 * Locks: the registry's lock (a mutex) is held while events are applied.
 * Context: process context throughout.
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

/* The module's registry; its lock orders after a tty lock. */
struct portown_registry portown_live;

/**
 * portown_track_tty() - the record of a tty, created on first sight
 * @tty: the tty
 *
 * The first time a record is tied to a tty it learns the driver's
 * initial settings, and the registry's listeners are told (sysfs gives
 * it a directory).
 *
 * Context: caller holds the live registry's lock; may sleep (allocates).
 * Return: the record (not referenced), or NULL when out of memory.
 */
struct portown_port *portown_track_tty(struct tty_struct *tty)
{
	struct ktermios driver_termios;
	struct portown_port *port;

	lockdep_assert_held(&portown_live.lock);
	port = portown_port_find_or_add(&portown_live, tty_devnum(tty), tty->name);
	if (!port)
		return NULL;
	if (!port->tied) {
		driver_termios = tty->driver->init_termios;
		driver_termios.c_line = N_TTY;
		portown_port_tie(port, tty->dev, &driver_termios, portown_tty_is_console(tty));
	}
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

		if (ev->tty->dev)
			dev = class_find_device_by_devt(ev->tty->dev->class, ev->devt);
		portown_port_back(port, dev);
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
	struct portown_port *port = portown_port_lookup_locked(&portown_live, ev->devt);

	if (!port)
		return;
	/* the handler has let go of the claim's exclusive bit, but if dropped */
	if (portown_port_close(port, ev->file, &ev->who))
		portown_clear_excl_later(&portown_live, tty_kref_get(ev->tty), ev->devt);
	portown_port_retire_if_done(port);
}

/* Caller holds the lock; takes over @ev's tty reference when it queues a reset. */
static void portown_apply_hangup(struct portown_tap_event *ev)
{
	struct portown_port *port = portown_port_lookup_locked(&portown_live, ev->devt);
	u32 flags = ev->flags & PORTOWN_TAP_EXCL ? PORTOWN_ID_EXCL : 0;
	struct portown_who owner;

	if (!port)
		return;
	portown_port_owner(port, &owner, NULL);
	/* the handler cleared the bit, unless a claim came after it */
	if (portown_port_hangup(port, &ev->who))
		portown_clear_excl_later(&portown_live, tty_kref_get(ev->tty), ev->devt);
	if (ev->flags & PORTOWN_TAP_KEPT) {
		portown_port_reinit(port, &owner, flags | PORTOWN_ID_KEPT);
	} else if (ev->flags & PORTOWN_TAP_RESET) {
		portown_port_reinit(port, &owner, flags);
	} else {
		/* after the driver's hangup: the work, an open or the release */
		portown_port_reinit_later(port, &owner, flags);
		portown_reinit_later(&portown_live, ev->tty, ev->flags & PORTOWN_TAP_DUE);
		ev->tty = NULL;
	}
	portown_who_put(&owner);
}

/* A reset done at an open or a release (tap.c). */
static void portown_apply_reinit(struct portown_tap_event *ev)
{
	struct portown_port *port = portown_port_lookup_locked(&portown_live, ev->devt);

	if (!port)
		return;
	if (ev->flags & PORTOWN_TAP_AT_CLOSE)
		portown_port_reinit(port, &ev->who, PORTOWN_ID_AT_CLOSE);
	else
		portown_port_reinit(port, NULL, 0);	/* the hangup's owner */
}

static void portown_apply_deny(struct portown_tap_event *ev)
{
	struct portown_port *port = portown_track_tty(ev->tty);

	if (port) {
		portown_port_deny(port, &ev->who);
		portown_why_refused(port, &ev->who, "open");
	}
}

/* TIOCEXCL or TIOCNXCL: who made the tty exclusive, for its refusals. */
static void portown_apply_tiocexcl(struct portown_tap_event *ev)
{
	struct portown_port *port = portown_port_lookup_locked(&portown_live, ev->devt);

	if (port)
		portown_port_mark_excl(port, ev->flags & PORTOWN_TAP_SET ? &ev->who : NULL);
}

static void portown_apply_gone(struct portown_tap_event *ev)
{
	struct portown_port *port = portown_port_lookup_locked(&portown_live, ev->devt);
	u32 flags = ev->flags & PORTOWN_TAP_UNBOUND ? PORTOWN_ID_UNBOUND : 0;
	bool excl = false, was_gone, done;

	if (!port)
		return;
	was_gone = port->gone;
	done = portown_port_gone(port, &ev->who, flags, &excl);
	if (!was_gone)
		portown_why_gone(port);
	if (done)
		portown_port_retire_if_done(port);
	/*
	 * A claim that still owned the exclusive bit (the hangup that goes
	 * with a removal has not come yet): it must not outlive the claim.
	 */
	if (excl)
		portown_clear_excl_later(&portown_live, NULL, ev->devt);
}

static void portown_apply_dead_claim(struct portown_tap_event *ev)
{
	struct portown_port *port = portown_port_lookup_locked(&portown_live, ev->devt);

	/* the handler has let go of the claim's exclusive bit already */
	if (port && portown_port_end_dead_claim(port))
		portown_clear_excl_later(&portown_live, NULL, ev->devt);
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
	case PORTOWN_TAP_REINIT:
		portown_apply_reinit(ev);
		break;
	case PORTOWN_TAP_TIOCEXCL:
		portown_apply_tiocexcl(ev);
		break;
	}
	portown_who_put(&ev->who);
	tty_kref_put(ev->tty);
}

/*
 * portown_live's @sync hook: every event the tap has queued, applied in
 * order.  Runs each time portown_registry_lock() takes the lock, which
 * may be with a tty lock or a line discipline's semaphore held.
 */
static void portown_track_sync(struct portown_registry *reg)
{
	struct portown_tap_event batch[8];
	unsigned int n, i;

	while ((n = portown_tap_pop(batch, ARRAY_SIZE(batch))))
		for (i = 0; i < n; i++) {
			/* recorded at the time the handler saw it, not now */
			reg->event_ns = batch[i].who.since_ns;
			portown_track_apply(&batch[i]);
			reg->event_ns = 0;
		}
}

/**
 * portown_track_init() - make the live registry, empty
 *
 * Context: process context, module init, before anything uses it.
 */
void portown_track_init(void)
{
	portown_registry_init(&portown_live, portown_track_sync);
}

/**
 * portown_track_drain() - apply every event the tap has queued
 *
 * The tap's @drain operation; also, at module exit, what the tap left.
 *
 * Context: process context; may sleep.
 */
void portown_track_drain(void)
{
	portown_registry_lock(&portown_live);
	portown_registry_unlock(&portown_live);
}

/**
 * portown_track_snapshot() - the records listed now, each referenced
 * @nr: set to the number of records in the array
 *
 * For work on every record that needs the registry's lock let go in
 * between (LIST, the reconciler).
 *
 * Context: process context; may sleep.
 * Return: an array for portown_track_snapshot_put(), or NULL when out of
 * memory.
 */
struct portown_port **portown_track_snapshot(unsigned int *nr)
{
	struct portown_port *port, **ports;
	unsigned int n = 0, i = 0;

	portown_registry_lock(&portown_live);
	list_for_each_entry(port, &portown_live.ports, node)
		n += portown_port_listed(port);
	portown_registry_unlock(&portown_live);
	ports = kvcalloc(n ?: 1, sizeof(*ports), GFP_KERNEL);
	if (!ports)
		return NULL;
	portown_registry_lock(&portown_live);
	list_for_each_entry(port, &portown_live.ports, node) {
		if (i == n)
			break;		/* added since: the next snapshot has them */
		if (!portown_port_listed(port))
			continue;
		kref_get(&port->kref);
		ports[i++] = port;
	}
	portown_registry_unlock(&portown_live);
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
 * portown_track_adopt() - record a descriptor the caller holds
 * @tty: its tty, tracked
 * @file: the descriptor, which the caller holds a reference on
 *
 * A descriptor of a tracked tty that portown has no record of (opened
 * before the tap existed, in the reduced mode, or its open was missed):
 * the caller holds it, so it is recorded now, with the caller as its
 * opener.
 *
 * Context: caller holds the live registry's lock.
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
	portown_registry_lock(&portown_live);
	port = attached ? portown_track_tty(tty) :
			  portown_port_lookup_locked(&portown_live, tty_devnum(tty));
	if (port) {
		swap(port->shim, who);
		port->shim_attached = attached;
	}
	portown_registry_unlock(&portown_live);
	portown_who_put(&who);
}

/* Record what a walk found; count a repair in each record that lacked it. */
static void portown_found_batch(const struct portown_found *found, unsigned int n,
				const struct portown_who *who, bool repair)
{
	struct portown_port *port;
	unsigned int i;

	portown_registry_lock(&portown_live);
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
		if (repair)
			portown_port_repair(port, NULL);
	}
	portown_registry_unlock(&portown_live);
}

static void portown_discovered(const struct portown_found *found, unsigned int n,
			       const struct portown_who *who)
{
	portown_found_batch(found, n, who, false);
}

static void portown_rediscovered(const struct portown_found *found, unsigned int n,
				 const struct portown_who *who)
{
	portown_found_batch(found, n, who, true);
}

/**
 * portown_discover() - record the tty descriptors every process holds
 * @repair: each one recorded now is a correction (the reconciler's walk),
 *	counted in its record's repairs as it is recorded; false at load
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
unsigned int portown_discover(bool repair)
{
	return portown_walk_descriptors(repair ? portown_rediscovered : portown_discovered);
}
