// SPDX-License-Identifier: GPL-2.0
/*
 * portown - the reconciler: the registry compared with the tty core's
 * ground truth, so that a missed event cannot leave a record wrong or a
 * port unusable.
 *
 * Every reconcile_ms milliseconds, and at once when the tap had to miss
 * an event, each record is checked against its tty: descriptors the
 * registry lists that the tty no longer has (a missed close), descriptors
 * the tty has that the registry lacks (a missed open), descriptors hung up
 * that the registry thinks live (a missed hangup), descriptors a hangup
 * spared that the registry thinks hung up (those opened through
 * /dev/console), a claimer that has exited.  Each port with a divergence
 * is repaired, counted in "repairs" and gets a repair event.  Whatever
 * the registry says, a tty whose every descriptor is hung up must not
 * keep TTY_EXCLUSIVE; that is decided and done under the tty lock, where
 * no open or claim can come in between.
 *
 * A missed open is found by walking every process's descriptor table, as
 * at load.  That walk is bounded: at most one per second, and none for a
 * set of descriptors looked for in vain in the last PORTOWN_MISSED_SECS
 * seconds (an open still waiting for carrier, or a descriptor in flight
 * in a unix socket, is in the tty's list but in no table).
 *
 * Owns: the reconciler's delayed work item, the bounds on walks, the
 * debugfs counter /sys/kernel/debug/portown/walks (the number of walks of
 * every descriptor table the reconciler has made).  It checks the live
 * registry only.
 *
 * Locks: a tty lock, then the live registry's lock.  Process context (a
 * delayed work item, or a query about a port portown has no record of).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/tty.h>
#include <linux/workqueue.h>

#include "portown.h"
#include "registry.h"

static unsigned int reconcile_ms = 1000;
module_param(reconcile_ms, uint, 0444);
MODULE_PARM_DESC(reconcile_ms, "period of the reconciler in milliseconds (0: off)");

#define PORTOWN_MISSED_SECS	5

static atomic_t portown_walks = ATOMIC_INIT(0);
static struct workqueue_struct *portown_reconcile_wq;

/* When the last walk of every descriptor table started, in jiffies. */
static unsigned long portown_walked;
static bool portown_ever_walked;
static DEFINE_MUTEX(portown_walk_lock);

/* A tty's descriptors, as the tty core lists them. */
struct portown_truth {
	const void **file;
	bool *hungup;
	bool *opening;
	bool *missing;
	unsigned int n;
	unsigned int room;
	bool all_hungup;
};

static void portown_truth_free(struct portown_truth *t)
{
	kfree(t->file);
	kfree(t->hungup);
	kfree(t->opening);
	kfree(t->missing);
}

static int portown_truth_grow(struct portown_truth *t, unsigned int room)
{
	portown_truth_free(t);
	t->room = room;
	t->file = kcalloc(room, sizeof(*t->file), GFP_KERNEL);
	t->hungup = kcalloc(room, sizeof(*t->hungup), GFP_KERNEL);
	t->opening = kcalloc(room, sizeof(*t->opening), GFP_KERNEL);
	t->missing = kcalloc(room, sizeof(*t->missing), GFP_KERNEL);
	return t->file && t->hungup && t->opening && t->missing ? 0 : -ENOMEM;
}

/* Copy @tty's list of descriptors; caller holds the tty lock. */
static int portown_truth_take(struct tty_struct *tty, struct portown_truth *t)
{
	struct tty_file_private *priv;
	unsigned int n;

	for (;;) {
		n = 0;
		t->all_hungup = true;
		spin_lock(&tty->files_lock);
		list_for_each_entry(priv, &tty->tty_files, list) {
			if (n < t->room) {
				t->file[n] = priv->file;
				t->hungup[n] = tty_hung_up_p(priv->file);
				t->all_hungup &= t->hungup[n];
			}
			n++;
		}
		spin_unlock(&tty->files_lock);
		if (n <= t->room)
			break;
		if (portown_truth_grow(t, n + 8))
			return -ENOMEM;
	}
	t->n = n;
	return 0;
}

static int portown_truth_find(const struct portown_truth *t, const void *file)
{
	unsigned int i;

	for (i = 0; i < t->n; i++)
		if (t->file[i] == file)
			return i;
	return -1;
}

/* What a comparison found, and what is left to do about it. */
struct portown_verdict {
	bool repaired;		/* the record was corrected */
	bool hangup;		/* a hangup was missed */
	bool drop;		/* a claim ended that owned TTY_EXCLUSIVE */
	unsigned long missing;	/* signature of the descriptors the record lacks */
};

/*
 * Compare @port with @t (all empty when the tty is not open) and repair
 * what the record can know by itself.  Caller holds the registry's lock.
 */
static void portown_compare(struct portown_port *port, struct portown_truth *t,
			    struct portown_verdict *v)
{
	struct portown_holder *h, *next;
	unsigned int i;
	int idx;

	for (h = port->holders; h; h = next) {
		next = h->next;		/* a close unlinks h */
		idx = portown_truth_find(t, h->file);
		if (idx < 0) {
			v->drop |= portown_port_close(port, h->file, NULL);
			v->repaired = true;
		} else if (t->hungup[idx] && !h->hungup) {
			portown_port_holder_hungup(port, h->file);
			v->hangup = true;
			v->repaired = true;
		} else if (!t->hungup[idx] && h->hungup) {
			/* opened through /dev/console: a hangup spares it */
			portown_port_holder_live(port, h->file);
			v->repaired = true;
		}
	}
	for (i = 0; i < t->n; i++) {
		t->missing[i] = !t->hungup[i] && !t->opening[i] &&
				!portown_port_holder(port, t->file[i]);
		if (t->missing[i])
			v->missing += (unsigned long)t->file[i];
	}
	if (v->hangup)
		v->drop |= portown_port_end_claim(port, NULL);
	v->drop |= portown_port_end_dead_claim(port);
	if (v->repaired)
		portown_port_repair(port, NULL);
	/* a removal the tap missed: the tty's device left sysfs */
	if (!port->gone && port->tty_dev && !device_is_registered(port->tty_dev)) {
		bool excl = false;

		portown_port_gone(port, NULL, 0, &excl);
		portown_port_repair(port, NULL);
		v->drop |= excl;
	}
	portown_port_retire_if_done(port);
}

/* May a walk of every descriptor table start now?  At most one a second. */
static bool portown_walk_allowed(void)
{
	bool ok;

	mutex_lock(&portown_walk_lock);
	ok = !portown_ever_walked || time_after(jiffies, portown_walked + HZ);
	if (ok) {
		portown_walked = jiffies;
		portown_ever_walked = true;
	}
	mutex_unlock(&portown_walk_lock);
	return ok;
}

/*
 * Descriptors the tty has and the record lacks: find their holders as at
 * load, unless these very descriptors were looked for in vain before.
 */
static void portown_find_missing(struct portown_port *port, const struct portown_truth *t,
				 unsigned long missing)
{
	unsigned int i;
	bool known;

	portown_registry_lock(&portown_live);
	known = port->missed_sig == missing &&
		time_before(jiffies, port->missed_at + PORTOWN_MISSED_SECS * HZ);
	portown_registry_unlock(&portown_live);
	if (known || !portown_walk_allowed())
		return;
	atomic_inc(&portown_walks);
	/* each holder found is counted as a repair as it is recorded */
	portown_discover(true);
	portown_registry_lock(&portown_live);
	port->missed_sig = missing;
	port->missed_at = jiffies;
	for (i = 0; i < t->n; i++) {
		if (t->missing[i] && portown_port_holder(port, t->file[i])) {
			port->missed_sig = 0;
			break;
		}
	}
	portown_registry_unlock(&portown_live);
}

/*
 * Take @tty's list of descriptors into @t, and leave the tty locked
 * (not in the middle of an open's or a hangup's tty work).  Return 0, or
 * -ENOMEM with the tty unlocked.
 */
static int portown_truth_lock(struct tty_struct *tty, struct portown_truth *t)
{
	unsigned int i;

	if (portown_truth_grow(t, 16))
		return -ENOMEM;
	/* apply what is queued first: the tty lock is held for less */
	portown_track_drain();
	tty_lock(tty);
	if (portown_truth_take(tty, t)) {
		tty_unlock(tty);
		return -ENOMEM;
	}
	/* before the drain that follows: an open that has returned is then applied */
	for (i = 0; i < t->n; i++)
		t->opening[i] = portown_tap_opening(t->file[i]);
	return 0;
}

/*
 * Check one record against its tty (NULL when the tty is not open);
 * caller holds a reference on each.
 */
static void portown_reconcile_one(struct portown_port *port, struct tty_struct *tty)
{
	struct portown_verdict v = {};
	struct portown_truth t = {};
	struct portown_who owner;
	bool excl = false, reset = false;
	u32 flags = 0;

	if (tty && portown_truth_lock(tty, &t))
		goto out;

	portown_registry_lock(&portown_live);
	portown_port_owner(port, &owner, NULL);	/* before any repair */
	portown_compare(port, &t, &v);
	/* decided and done under both locks: no open, no claim in between */
	if (tty && (v.drop || (t.n && t.all_hungup)))
		excl = test_and_clear_bit(TTY_EXCLUSIVE, &tty->flags);
	portown_registry_unlock(&portown_live);

	if (tty) {
		if (v.hangup)
			reset = portown_reinit_locked(&portown_live, tty, &flags);
		tty_unlock(tty);
	}
	if (reset) {
		portown_registry_lock(&portown_live);
		portown_port_reinit(port, &owner, flags | (excl ? PORTOWN_ID_EXCL : 0));
		portown_registry_unlock(&portown_live);
	}
	portown_who_put(&owner);
	if (v.missing)
		portown_find_missing(port, &t, v.missing);
out:
	portown_truth_free(&t);
}

/*
 * The open tty of @port, referenced, or NULL when it is not open; an
 * error pointer when that cannot be told (a pty slave cannot be looked up
 * without a descriptor).
 */
static struct tty_struct *portown_port_open_tty(struct portown_port *port)
{
	struct tty_struct *tty = portown_tty_lookup(port->devt);

	if (IS_ERR(tty) && PTR_ERR(tty) == -ENODEV)
		return NULL;		/* no driver has the number any more */
	return tty;
}

/**
 * portown_reconcile_tty() - check an open tty's record now
 * @tty: the tty, tracked; referenced by the caller
 *
 * For a query about a port that is open but has no record: the record is
 * made and checked at once, within the reconciler's bounds.
 *
 * Context: process context; takes the tty lock, so not through the shim.
 */
void portown_reconcile_tty(struct tty_struct *tty)
{
	struct portown_port *port;

	portown_registry_lock(&portown_live);
	port = portown_track_tty(tty);
	if (port)
		kref_get(&port->kref);
	portown_registry_unlock(&portown_live);
	if (!port)
		return;
	portown_reconcile_one(port, tty);
	portown_port_put(port);
}

/*
 * Resets the probe handlers did (at an open, a release) whose events the
 * tap's full ring refused: their reinits are recorded now, after every
 * event queued before them.
 */
static void portown_lost_reinits(struct portown_port *port)
{
	int n = atomic_xchg(&port->lost_reinits, 0);

	if (!n)
		return;
	portown_registry_lock(&portown_live);
	while (n--)
		portown_port_reinit(port, NULL, 0);
	portown_port_repair(port, NULL);
	portown_registry_unlock(&portown_live);
}

static void portown_reconcile_port(struct portown_port *port)
{
	struct tty_struct *tty;

	portown_lost_reinits(port);
	tty = portown_port_open_tty(port);
	if (IS_ERR(tty))
		return;
	portown_reconcile_one(port, tty);
	tty_kref_put(tty);
}

/**
 * portown_reconcile_all() - check every record against its tty
 *
 * Context: process context; may sleep.
 */
static void portown_reconcile_all(void)
{
	struct portown_port **ports;
	unsigned int n, i;

	ports = portown_track_snapshot(&n);
	if (!ports)
		return;
	for (i = 0; i < n; i++)
		portown_reconcile_port(ports[i]);
	portown_track_snapshot_put(ports, n);
}

static void portown_reconcile_workfn(struct work_struct *work);
static DECLARE_DELAYED_WORK(portown_reconcile_work, portown_reconcile_workfn);
static bool portown_reconcile_live;

static void portown_reconcile_workfn(struct work_struct *work)
{
	portown_reconcile_all();
	if (reconcile_ms && READ_ONCE(portown_reconcile_live))
		queue_delayed_work(portown_reconcile_wq, &portown_reconcile_work,
				   msecs_to_jiffies(reconcile_ms));
}

/**
 * portown_reconcile_soon() - run the reconciler now
 *
 * The tap missed an event (its @missed operation): the registry may be
 * wrong until the next pass, so the pass comes now.
 *
 * Context: any (queueing work takes only raw spinlocks).
 */
void portown_reconcile_soon(void)
{
	if (READ_ONCE(portown_reconcile_live))
		mod_delayed_work(portown_reconcile_wq, &portown_reconcile_work, 0);
}

/**
 * portown_reconcile_init() - start the reconciler and its debugfs counter
 * @wq: where it runs
 * @debugfs: the module's debugfs directory, for walks
 *
 * Context: process context, module init, after discovery.
 */
void portown_reconcile_init(struct workqueue_struct *wq, struct dentry *debugfs)
{
	portown_reconcile_wq = wq;
	debugfs_create_atomic_t("walks", 0400, debugfs, &portown_walks);
	WRITE_ONCE(portown_reconcile_live, true);
	if (reconcile_ms)
		queue_delayed_work(portown_reconcile_wq, &portown_reconcile_work,
				   msecs_to_jiffies(reconcile_ms));
}

/**
 * portown_reconcile_exit() - stop the reconciler
 *
 * Context: process context, module exit, after the tap is gone.
 */
void portown_reconcile_exit(void)
{
	WRITE_ONCE(portown_reconcile_live, false);
	cancel_delayed_work_sync(&portown_reconcile_work);
}
