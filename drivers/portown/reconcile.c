// SPDX-License-Identifier: GPL-2.0
/*
 * portown - the reconciler: the registry compared with the tty core's
 * ground truth, so that a missed event cannot leave a record wrong or a
 * port unusable.
 *
 * Every reconcile_ms milliseconds each record is checked against its
 * tty: descriptors the registry lists that the tty no longer has (a
 * missed close), descriptors the tty has that the registry lacks (a
 * missed open), descriptors hung up that the registry thinks live (a
 * missed hangup), a claimer that has exited.  Each port with a
 * divergence is repaired, counted in "repairs" and gets a repair event.
 * Whatever the registry says, a tty whose every descriptor is hung up
 * must not keep TTY_EXCLUSIVE.
 *
 * Fault injection for the tests: /sys/kernel/debug/portown/drop_events,
 * the number of coming tap events on tracked ports to drop.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/tty.h>
#include <linux/workqueue.h>

#include "portown.h"
#include "registry.h"

static unsigned int reconcile_ms = 1000;
module_param(reconcile_ms, uint, 0444);
MODULE_PARM_DESC(reconcile_ms, "period of the reconciler in milliseconds (0: off)");

static atomic_t portown_drop_events = ATOMIC_INIT(0);
static struct dentry *portown_debugfs;

/**
 * portown_drop_event() - should the tap drop this event (fault injection)
 *
 * Context: any.
 * Return: true while drop_events, decremented here, was above 0.
 */
bool portown_drop_event(void)
{
	return atomic_add_unless(&portown_drop_events, -1, 0);
}

#define PORTOWN_RECONCILE_FILES	64

struct portown_truth {
	const void *file[PORTOWN_RECONCILE_FILES];
	bool hungup[PORTOWN_RECONCILE_FILES];
	bool missing[PORTOWN_RECONCILE_FILES];
	unsigned int n;
	bool all_hungup;
};

static int portown_truth_find(const struct portown_truth *t, const void *file)
{
	unsigned int i;

	for (i = 0; i < t->n; i++)
		if (t->file[i] == file)
			return i;
	return -1;
}

static void portown_reconcile_port(struct portown_port *port)
{
	struct portown_truth *t;
	struct tty_file_private *priv;
	struct portown_holder *h, *tmp;
	struct portown_who owner;
	struct tty_struct *tty;
	bool repaired = false, missing = false, hangup = false, drop = false, excl = false, gone;
	unsigned int i;
	int idx;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return;
	tty = tty_kopen_shared(port->devt);
	if (IS_ERR(tty))
		tty = NULL;
	t->all_hungup = true;
	if (tty) {
		/* not in the middle of an open's or a hangup's tty work */
		tty_lock(tty);
		spin_lock(&tty->files_lock);
		list_for_each_entry(priv, &tty->tty_files, list) {
			if (t->n == PORTOWN_RECONCILE_FILES)
				break;
			t->file[t->n] = priv->file;
			t->hungup[t->n] = tty_hung_up_p(priv->file);
			t->all_hungup &= t->hungup[t->n];
			t->n++;
		}
		spin_unlock(&tty->files_lock);
		tty_unlock(tty);
		if (t->n == PORTOWN_RECONCILE_FILES)
			goto out;	/* too many to check here */
	}

	spin_lock(&portown_lock);
	portown_port_owner(port, &owner, NULL);	/* before any repair */
	list_for_each_entry_safe(h, tmp, &port->holders, node) {
		idx = portown_truth_find(t, h->file);
		if (idx < 0) {
			drop |= portown_port_close(port, h->file, NULL);
			repaired = true;
		} else if (t->hungup[idx] && !h->hungup) {
			portown_port_holder_hungup(port, h->file);
			hangup = true;
			repaired = true;
		}
	}
	for (i = 0; i < t->n; i++) {
		t->missing[i] = !t->hungup[i] && !portown_port_holder(port, t->file[i]);
		missing |= t->missing[i];
	}
	if (hangup && port->claimed)
		drop |= portown_port_end_claim(port, NULL);
	drop |= portown_port_check_claimer(port);
	if (repaired)
		portown_port_repair(port, NULL);
	/* a removal the tap missed: the tty's device left sysfs */
	if (!port->gone && port->tty_dev && !device_is_registered(port->tty_dev)) {
		portown_port_gone(port, NULL);
		portown_port_repair(port, NULL);
	}
	gone = port->gone;
	portown_port_retire_if_done(port);
	spin_unlock(&portown_lock);
	if (gone)
		portown_sysfs_tidy();

	/*
	 * A descriptor the registry lacks: find its holder as at load.  One
	 * still on its way in or out of a descriptor table is in none, and
	 * left to the tap.
	 */
	if (missing) {
		portown_discover();
		spin_lock(&portown_lock);
		for (i = 0; i < t->n; i++) {
			if (t->missing[i] && portown_port_holder(port, t->file[i])) {
				portown_port_repair(port, NULL);
				break;
			}
		}
		spin_unlock(&portown_lock);
	}
	if (tty) {
		if (drop || (t->n && t->all_hungup))
			excl = test_and_clear_bit(TTY_EXCLUSIVE, &tty->flags);
		if (hangup)
			portown_reinit_hung_up(tty, &owner, excl);
	}
	portown_who_put(&owner);
out:
	tty_kref_put(tty);
	kfree(t);
}

/**
 * portown_reconcile_all() - check every record against its tty
 *
 * Context: process context; may sleep.
 */
void portown_reconcile_all(void)
{
	struct portown_port *port, **ports;
	unsigned int n = 0, i;

	spin_lock(&portown_lock);
	list_for_each_entry(port, portown_registry_ports(), node)
		n += portown_port_listed(port);
	spin_unlock(&portown_lock);
	if (!n)
		return;
	ports = kcalloc(n, sizeof(*ports), GFP_KERNEL);
	if (!ports)
		return;
	i = 0;
	spin_lock(&portown_lock);
	list_for_each_entry(port, portown_registry_ports(), node) {
		if (i == n)
			break;
		if (!portown_port_listed(port))
			continue;
		kref_get(&port->kref);
		ports[i++] = port;
	}
	spin_unlock(&portown_lock);
	n = i;
	for (i = 0; i < n; i++) {
		if (MAJOR(ports[i]->devt) != 4095)	/* KUnit's records */
			portown_reconcile_port(ports[i]);
		portown_port_put(ports[i]);
	}
	kfree(ports);
}

static void portown_reconcile_workfn(struct work_struct *work);
static DECLARE_DELAYED_WORK(portown_reconcile_work, portown_reconcile_workfn);

static void portown_reconcile_workfn(struct work_struct *work)
{
	portown_reconcile_all();
	schedule_delayed_work(&portown_reconcile_work, msecs_to_jiffies(reconcile_ms));
}

/**
 * portown_reconcile_init() - start the reconciler and its debugfs knob
 *
 * Context: process context, module init, after discovery.
 */
void portown_reconcile_init(void)
{
	portown_debugfs = debugfs_create_dir("portown", NULL);
	debugfs_create_atomic_t("drop_events", 0600, portown_debugfs, &portown_drop_events);
	if (reconcile_ms)
		schedule_delayed_work(&portown_reconcile_work, msecs_to_jiffies(reconcile_ms));
}

/**
 * portown_reconcile_exit() - stop the reconciler
 *
 * Context: process context, module exit.
 */
void portown_reconcile_exit(void)
{
	cancel_delayed_work_sync(&portown_reconcile_work);
	debugfs_remove_recursive(portown_debugfs);
}
