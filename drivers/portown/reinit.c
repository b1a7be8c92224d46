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
 * the hangup is over, if nobody has opened the port again meanwhile.
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

/*
 * Write the baseline into @tty's settings.  Caller holds termios_rwsem
 * for writing.  Any context: the administrator's baseline is read under
 * RCU.
 */
static void portown_reset_termios(struct tty_struct *tty)
{
	const struct portown_termios *b = NULL;
	struct portown_port *port;

	rcu_read_lock();
	port = portown_port_peek(tty_devnum(tty));
	if (port)
		b = rcu_dereference(port->baseline);
	tty->termios = b ? b->termios : tty->driver->init_termios;
	rcu_read_unlock();
	tty->termios.c_line = N_TTY;
}

/**
 * portown_reset_hung_up_now() - reset a tty being hung up, if possible now
 * @tty: the tty, inside its hangup
 *
 * Context: any, including the probe handlers; never sleeps.
 * Return: true if the settings were reset; false if the termios lock was
 * busy, and portown_reinit_later() must do it.
 */
bool portown_reset_hung_up_now(struct tty_struct *tty)
{
	if (!down_write_trylock(&tty->termios_rwsem))
		return false;
	portown_reset_termios(tty);
	up_write(&tty->termios_rwsem);
	return true;
}

/**
 * portown_reinit_locked() - reset a hung-up tty to the baseline
 * @tty: the tty; the caller holds its tty lock
 *
 * Done only if the tty is still open and nobody has opened it again
 * since the hangup (TTY_HUPPED).
 *
 * Context: process context; takes termios_rwsem.
 * Return: true if the settings were reset.
 */
bool portown_reinit_locked(struct tty_struct *tty)
{
	if (!tty->count || !test_bit(TTY_HUPPED, &tty->flags))
		return false;
	down_write(&tty->termios_rwsem);
	portown_reset_termios(tty);
	up_write(&tty->termios_rwsem);
	return true;
}

struct portown_reinit {
	struct work_struct work;
	struct tty_struct *tty;		/* referenced */
	struct portown_who owner;	/* before the hangup */
	bool excl;			/* it was exclusive then */
};

static void portown_reinit_work(struct work_struct *work)
{
	struct portown_reinit *r = container_of(work, struct portown_reinit, work);
	bool done;

	tty_lock(r->tty);
	done = portown_reinit_locked(r->tty);
	tty_unlock(r->tty);
	if (done)
		portown_track_reinit(r->tty, &r->owner, r->excl);
	portown_who_put(&r->owner);
	tty_kref_put(r->tty);
	kfree(r);
}

struct portown_excl_clear {
	struct work_struct work;
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
		portown_sync_lock();
		port = portown_port_lookup_locked(c->devt);
		if (!port || !portown_port_claim_of(port))
			clear_bit(TTY_EXCLUSIVE, &tty->flags);
		portown_sync_unlock();
		tty_unlock(tty);
		tty_kref_put(tty);
	}
	kfree(c);
}

/**
 * portown_clear_excl_later() - clear the exclusive bit a claim left behind
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
void portown_clear_excl_later(struct tty_struct *tty, dev_t devt)
{
	struct portown_excl_clear *c = kzalloc(sizeof(*c), GFP_KERNEL | __GFP_NOFAIL);

	INIT_WORK(&c->work, portown_excl_clear_work);
	c->tty = tty;
	c->devt = devt;
	queue_work(portown_wq, &c->work);
}

/**
 * portown_reinit_later() - reset a hung-up tty once its hangup is over
 * @tty: the tty; the caller's reference passes to the work
 * @owner: its owner before the hangup; the reference passes to the work
 * @excl: the tty was exclusive at the hangup (and that was cleared)
 *
 * Context: process context (the tap's consumer); may sleep (allocates).
 * Never takes a tty lock itself: the work does.
 */
void portown_reinit_later(struct tty_struct *tty, struct portown_who *owner, bool excl)
{
	/* small, and the guarantee depends on it */
	struct portown_reinit *r = kzalloc(sizeof(*r), GFP_KERNEL | __GFP_NOFAIL);

	INIT_WORK(&r->work, portown_reinit_work);
	r->tty = tty;
	r->owner = *owner;
	r->excl = excl;
	queue_work(portown_wq, &r->work);
}
