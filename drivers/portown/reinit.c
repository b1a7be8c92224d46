// SPDX-License-Identifier: GPL-2.0
/*
 * portown - reinitialisation: a port goes back to its baseline settings
 * after a hangup (and, with the reset policy "close", after every last
 * close), so the next user does not inherit the last one's speed and
 * modes.
 *
 * The baseline is an administrator's (PORTOWN_IOC_SET_BASELINE), else the
 * driver's initial settings; N_TTY either way.  The driver is not called:
 * the next open programs the hardware from them, and a tty freed at its
 * last close saves them for the next one.
 *
 * When.  The driver's own hangup must run with the owner's settings: its
 * HUPCL decides whether DTR and RTS drop (an Arduino-class board resets
 * when DTR drops; a modem hangs up), and the serial core hands the tty's
 * speed to a console at shutdown.  So the hangup handler (tap.c, inside
 * __tty_hangup(), before the driver's hangup) only marks the tty: its
 * reset is due (portown_reset_defer()).  Whoever comes first after the
 * driver's hangup does it and takes the mark: the work item the hangup
 * queues (under the tty lock, which __tty_hangup() holds throughout), the
 * next open (tap.c's handler on tty_reopen(), under the tty lock, before
 * the driver's open reads the settings) or the tty's release
 * (tty_save_termios(), before the settings are saved for the next
 * open).  So the next opener always finds the baseline.
 *
 * What.  A port with the policy "never", or a console without an
 * administrator's baseline, keeps its settings: a serial console's speed
 * is what its administrator chose at boot (console=ttyS0,115200), and
 * agetty hangs its tty up at every login.  A console with a baseline is
 * reset at the hangup itself, before the driver's hangup, so that the
 * serial core hands the baseline's speed to the console.
 *
 * Owns: the marks (a small array of tty pointers, taken with cmpxchg())
 * and the work items.  Every function is given the registry whose
 * baselines, policies and claims it follows.
 * Locks: termios_rwsem (a trylock in the probe handlers); in the work
 * items, the tty lock, then the registry's lock.
 * Context: as each function says.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
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

/*
 * The ttys whose reset is due: hung up, the driver's hangup maybe still
 * running.  A tty is in one slot at most; a full array makes the hangup
 * reset at once, as a console with a baseline is.
 */
#define PORTOWN_DUE_SLOTS	64
static struct tty_struct *portown_due[PORTOWN_DUE_SLOTS];

/*
 * At least the number of marks set: every open, reopen and release of a
 * tracked tty asks for a mark, and almost always none is set.
 */
static atomic_t portown_nr_due = ATOMIC_INIT(0);

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

/**
 * portown_reset_mode() - what a hangup does to a tty's settings
 * @reg: the registry that holds the tty's record
 * @tty: the tty
 *
 * Context: any; reads the record under RCU.
 * Return: PORTOWN_HUP_KEEP for a port with the policy "never" or a
 * console without an administrator's baseline; PORTOWN_HUP_EARLY for a
 * console with one (reset before the driver's hangup); else
 * PORTOWN_HUP_AFTER (after it).
 */
int portown_reset_mode(struct portown_registry *reg, struct tty_struct *tty)
{
	struct portown_port *port;
	int mode = PORTOWN_HUP_AFTER;

	rcu_read_lock();
	port = portown_port_peek(reg, tty_devnum(tty));
	if (port && READ_ONCE(port->reset) == PORTOWN_RESET_NEVER)
		mode = PORTOWN_HUP_KEEP;
	else if (port && READ_ONCE(port->console))
		mode = rcu_access_pointer(port->baseline) ? PORTOWN_HUP_EARLY :
							    PORTOWN_HUP_KEEP;
	rcu_read_unlock();
	return mode;
}

/**
 * portown_reset_at_close() - is a tty to be reset at its last close
 * @reg: the registry that holds the tty's record
 * @tty: the tty
 *
 * Context: any; reads the record under RCU.
 * Return: true for a port with the policy "close" whose settings a
 * hangup would reset too.
 */
bool portown_reset_at_close(struct portown_registry *reg, struct tty_struct *tty)
{
	struct portown_port *port;
	bool close;

	rcu_read_lock();
	port = portown_port_peek(reg, tty_devnum(tty));
	/* a console keeps its settings unless it has a baseline */
	close = port && READ_ONCE(port->reset) == PORTOWN_RESET_CLOSE &&
		(!READ_ONCE(port->console) || rcu_access_pointer(port->baseline));
	rcu_read_unlock();
	return close;
}

/**
 * portown_reset_defer() - mark a tty's reset as due
 * @tty: the tty, inside its hangup
 *
 * A tty hung up again before its reset was done (a second carrier loss)
 * is not marked twice: the caller resets at once, so that every hangup
 * is followed by its own reset.
 *
 * Context: any; never sleeps.
 * Return: true if the mark is set, false when the tty was marked already
 * or there is no room: the caller resets at once.
 */
bool portown_reset_defer(struct tty_struct *tty)
{
	unsigned int i;

	for (i = 0; i < PORTOWN_DUE_SLOTS; i++)
		if (READ_ONCE(portown_due[i]) == tty)
			return false;
	atomic_inc(&portown_nr_due);		/* before the mark can be seen */
	for (i = 0; i < PORTOWN_DUE_SLOTS; i++)
		if (!cmpxchg(&portown_due[i], NULL, tty))
			return true;
	atomic_dec(&portown_nr_due);
	return false;
}

/**
 * portown_reset_take() - take a tty's due reset
 * @tty: the tty
 *
 * Exactly one caller gets true for one mark.
 *
 * Context: any; never sleeps.
 * Return: true if the reset was due, and is now the caller's to do.
 */
bool portown_reset_take(struct tty_struct *tty)
{
	unsigned int i;

	if (!atomic_read(&portown_nr_due))
		return false;
	for (i = 0; i < PORTOWN_DUE_SLOTS; i++) {
		if (READ_ONCE(portown_due[i]) == tty &&
		    cmpxchg(&portown_due[i], tty, NULL) == tty) {
			atomic_dec(&portown_nr_due);
			return true;
		}
	}
	return false;
}

/*
 * Write the baseline into @tty's settings.  Caller holds termios_rwsem
 * for writing, or is the tty's last user.  Any context: the
 * administrator's baseline is read under RCU.
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

/* Reset @tty's settings, waiting for the termios lock.  Process context. */
static void portown_reset_wait(struct portown_registry *reg, struct tty_struct *tty)
{
	down_write(&tty->termios_rwsem);
	portown_reset_termios(reg, tty);
	up_write(&tty->termios_rwsem);
}

/**
 * portown_reset_now() - reset a tty's settings, if the termios lock is free
 * @reg: the registry that holds the tty's baseline
 * @tty: the tty, inside its hangup or an open
 *
 * Context: any, including the probe handlers; never sleeps.
 * Return: true if the settings were reset; false if the termios lock was
 * busy.
 */
bool portown_reset_now(struct portown_registry *reg, struct tty_struct *tty)
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
 * @flags: set to PORTOWN_ID_KEPT when the tty keeps its settings
 *
 * For a hangup found by the reconciler: done only if the tty is still
 * open and nobody has opened it again since the hangup (TTY_HUPPED).
 *
 * Context: process context; takes termios_rwsem.
 * Return: true if there was a reinit to record (the settings were reset,
 * or kept as the port's policy says).
 */
bool portown_reinit_locked(struct portown_registry *reg, struct tty_struct *tty, u32 *flags)
{
	if (!tty->count || !test_bit(TTY_HUPPED, &tty->flags))
		return false;
	portown_reset_take(tty);
	if (portown_reset_mode(reg, tty) == PORTOWN_HUP_KEEP)
		*flags |= PORTOWN_ID_KEPT;
	else
		portown_reset_wait(reg, tty);
	return true;
}

struct portown_reinit {
	struct work_struct work;
	struct portown_registry *reg;
	struct tty_struct *tty;		/* referenced */
	bool due;			/* marked by portown_reset_defer() */
};

/*
 * A reset due after a hangup: the tty lock is free once __tty_hangup()
 * (the driver's hangup included) is over.  A tty without descriptors is
 * being released: its release does the reset.
 */
static bool portown_reinit_due(struct portown_reinit *r)
{
	if (!r->tty->count || !portown_reset_take(r->tty))
		return false;
	portown_reset_wait(r->reg, r->tty);
	return true;
}

static void portown_reinit_work(struct work_struct *work)
{
	struct portown_reinit *r = container_of(work, struct portown_reinit, work);
	struct portown_port *port;
	u32 flags = 0;
	bool done;

	tty_lock(r->tty);
	done = r->due ? portown_reinit_due(r) : portown_reinit_locked(r->reg, r->tty, &flags);
	tty_unlock(r->tty);
	if (done) {
		portown_registry_lock(r->reg);
		port = portown_port_lookup_locked(r->reg, tty_devnum(r->tty));
		if (port)
			portown_port_reinit(port, NULL, flags);
		portown_registry_unlock(r->reg);
	}
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
	struct tty_struct *tty = c->tty ?: portown_tty_lookup(c->devt);
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
 * @due: the hangup marked the reset due (portown_reset_defer()): the work
 *	does it unless an open or the release took it first; else (the
 *	hangup could neither mark it nor reset at once) it is done if
 *	nobody has opened the tty again meanwhile
 *
 * The reinit event names the owner portown_port_reinit_later() gave.
 *
 * Context: process context (applying the tap's events, under the
 * registry's lock); may sleep (allocates).  Never takes a tty lock
 * itself: the work does.
 */
void portown_reinit_later(struct portown_registry *reg, struct tty_struct *tty, bool due)
{
	/* small, and the guarantee depends on it */
	struct portown_reinit *r = kzalloc(sizeof(*r), GFP_KERNEL | __GFP_NOFAIL);

	INIT_WORK(&r->work, portown_reinit_work);
	r->reg = reg;
	r->tty = tty;
	r->due = due;
	queue_work(portown_reinit_wq, &r->work);
}
