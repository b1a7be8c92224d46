// SPDX-License-Identifier: GPL-2.0
/*
 * portown - reinitialisation after a hangup: a hung-up port goes back to
 * its baseline settings, so the next user does not inherit the last
 * one's speed and modes.
 *
 * The baseline is an administrator's (PORTOWN_IOC_SET_BASELINE), else the
 * driver's initial settings; N_TTY either way.  It is written while the
 * port is hung up: the dead descriptors can no longer change settings,
 * the next open programs the hardware from them, and a tty freed at its
 * last close saves them for the next one.  The driver is not called.
 *
 * At the hangup itself (tap.c's handler, inside __tty_hangup() with the
 * tty lock held and preemption disabled) the settings are written if
 * termios_rwsem can be had with a trylock; else a work item does it once
 * the hangup is over, if nobody has opened the port again meanwhile, and
 * records it in the registry.  A claim's exclusive bit that had to
 * outlive the claim's end for want of the tty lock goes the same way.
 *
 * Owns: those work items.  Every function is given the registry whose
 * baselines and claims it follows.
 * Locks: termios_rwsem (a trylock in the probe handlers); in the work
 * items, the tty lock, then the registry's lock.
 * Context: portown_reset_hung_up_now() any; the rest process context.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/rcupdate.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/tty.h>
#include <linux/tty_driver.h>
#include <linux/workqueue.h>

#include "portown.h"
#include "registry.h"

/* Where the work items run: the module's workqueue, set at init. */
static struct workqueue_struct *portown_reinit_wq;

/**
 * portown_reinit_init() - say where the work items run
 * @wq: the workqueue, flushed by the caller before the module goes
 *
 * Context: process context, module init, before the tap.
 */
void portown_reinit_init(struct workqueue_struct *wq)
{
	portown_reinit_wq = wq;
}

/*
 * Write the baseline into @tty's settings.  Caller holds termios_rwsem
 * for writing.  Any context: the administrator's baseline is read under
 * RCU.
 */
static void portown_reset_termios(struct portown_registry *reg, struct tty_struct *tty)
{
	const struct portown_termios *b = NULL;
	struct portown_port *port;

	rcu_read_lock();
	port = portown_port_peek(reg, tty_devnum(tty));
	if (port)
		b = rcu_dereference(port->baseline);
	tty->termios = b ? b->termios : tty->driver->init_termios;
	rcu_read_unlock();
	tty->termios.c_line = N_TTY;
}

/**
 * portown_reset_hung_up_now() - reset a tty being hung up, if possible now
 * @reg: the registry that holds the tty's baseline
 * @tty: the tty, inside its hangup
 *
 * Context: any, including the probe handlers; never sleeps.
 * Return: true if the settings were reset; false if the termios lock was
 * busy, and portown_reinit_later() must do it.
 */
bool portown_reset_hung_up_now(struct portown_registry *reg, struct tty_struct *tty)
{
	if (!down_write_trylock(&tty->termios_rwsem))
		return false;
	portown_reset_termios(reg, tty);
	up_write(&tty->termios_rwsem);
	return true;
}

/**
 * portown_reinit_locked() - reset a hung-up tty to the baseline
 * @reg: the registry that holds the tty's baseline
 * @tty: the tty; the caller holds its tty lock
 *
 * Done only if the tty is still open and nobody has opened it again
 * since the hangup (TTY_HUPPED).
 *
 * Context: process context; takes termios_rwsem.
 * Return: true if the settings were reset.
 */
bool portown_reinit_locked(struct portown_registry *reg, struct tty_struct *tty)
{
	if (!tty->count || !test_bit(TTY_HUPPED, &tty->flags))
		return false;
	down_write(&tty->termios_rwsem);
	portown_reset_termios(reg, tty);
	up_write(&tty->termios_rwsem);
	return true;
}

struct portown_reinit {
	struct work_struct work;
	struct portown_registry *reg;
	struct tty_struct *tty;		/* referenced */
	struct portown_who owner;	/* before the hangup */
	bool excl;			/* it was exclusive then */
};

static void portown_reinit_work(struct work_struct *work)
{
	struct portown_reinit *r = container_of(work, struct portown_reinit, work);
	struct portown_port *port;
	bool done;

	tty_lock(r->tty);
	done = portown_reinit_locked(r->reg, r->tty);
	tty_unlock(r->tty);
	if (done) {
		portown_registry_lock(r->reg);
		port = portown_port_lookup_locked(r->reg, tty_devnum(r->tty));
		if (port)
			portown_port_reinit(port, &r->owner, r->excl);
		portown_registry_unlock(r->reg);
	}
	portown_who_put(&r->owner);
	tty_kref_put(r->tty);
	kfree(r);
}

struct portown_excl_clear {
	struct work_struct work;
	struct portown_registry *reg;
	struct tty_struct *tty;		/* referenced, or NULL: look it up */
	dev_t devt;
};

static void portown_excl_clear_work(struct work_struct *work)
{
	struct portown_excl_clear *c = container_of(work, struct portown_excl_clear, work);
	struct tty_struct *tty = c->tty ?: tty_kopen_shared(c->devt);
	struct portown_port *port;

	if (!IS_ERR_OR_NULL(tty)) {
		tty_lock(tty);
		portown_registry_lock(c->reg);
		port = portown_port_lookup_locked(c->reg, c->devt);
		if (!port || !portown_port_claim_of(port))
			clear_bit(TTY_EXCLUSIVE, &tty->flags);
		portown_registry_unlock(c->reg);
		tty_unlock(tty);
		tty_kref_put(tty);
	}
	kfree(c);
}

/**
 * portown_clear_excl_later() - clear the exclusive bit a claim left behind
 * @reg: the registry that knows the tty's claim
 * @tty: the tty, whose reference passes to the work, or NULL to look it up
 *	by @devt
 * @devt: the tty's device number
 *
 * A claim that still owned TTY_EXCLUSIVE ended where the tty lock could not
 * be taken (applying the tap's events): the bit goes under the tty lock,
 * unless a new claim has been made since.
 *
 * Context: process context; may sleep (allocates).
 */
void portown_clear_excl_later(struct portown_registry *reg, struct tty_struct *tty, dev_t devt)
{
	struct portown_excl_clear *c = kzalloc(sizeof(*c), GFP_KERNEL | __GFP_NOFAIL);

	INIT_WORK(&c->work, portown_excl_clear_work);
	c->reg = reg;
	c->tty = tty;
	c->devt = devt;
	queue_work(portown_reinit_wq, &c->work);
}

/**
 * portown_reinit_later() - reset a hung-up tty once its hangup is over
 * @reg: the registry that holds the tty's baseline and records the reset
 * @tty: the tty; the caller's reference passes to the work
 * @owner: its owner before the hangup; the reference passes to the work
 * @excl: the tty was exclusive at the hangup (and that was cleared)
 *
 * Context: process context (applying the tap's events, under the
 * registry's lock); may sleep (allocates).  Never takes a tty lock
 * itself: the work does.
 */
void portown_reinit_later(struct portown_registry *reg, struct tty_struct *tty,
			  struct portown_who *owner, bool excl)
{
	/* small, and the guarantee depends on it */
	struct portown_reinit *r = kzalloc(sizeof(*r), GFP_KERNEL | __GFP_NOFAIL);

	INIT_WORK(&r->work, portown_reinit_work);
	r->reg = reg;
	r->tty = tty;
	r->owner = *owner;
	r->excl = excl;
	queue_work(portown_reinit_wq, &r->work);
}
