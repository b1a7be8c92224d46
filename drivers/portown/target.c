// SPDX-License-Identifier: GPL-2.0
/*
 * portown - the port a request names: through the shim (the shim's tty),
 * by a descriptor the caller holds, or by device number without opening
 * it; and the tty lock under which a claim is decided.
 *
 * Owns: nothing that outlives a request (struct portown_target holds its
 * references until portown_target_put()).
 * Locks: the tty lock (tried only, through the shim), then the live
 * registry's lock.
 * Context: process context, in an ioctl.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/mutex.h>
#include <linux/tty.h>

#include "portown.h"
#include "registry.h"

/**
 * portown_target_put() - drop what portown_target_get() took
 * @t: the target
 *
 * Context: process context.
 */
void portown_target_put(struct portown_target *t)
{
	if (t->file)
		fput(t->file);
	tty_kref_put(t->tty);
	portown_port_put(t->port);
}

/* The referenced record of @devt; caller holds the live registry's lock. */
static struct portown_port *portown_port_get_locked(dev_t devt)
{
	struct portown_port *port = portown_port_lookup_locked(&portown_live, devt);

	if (port)
		kref_get(&port->kref);
	return port;
}

/*
 * Through the shim: the tty is the shim's; the descriptor is @fd when that
 * is one of this tty's, else the caller's lowest-numbered live one (the
 * line discipline is not told which descriptor the ioctl came through).
 */
static void portown_target_shim(struct tty_struct *shim_tty, s32 fd, struct portown_target *t)
{
	t->shim = true;
	t->tty = tty_kref_get(shim_tty);
	if (fd >= 0) {
		t->file = fget(fd);
		if (t->file && portown_is_tty_file(t->file) &&
		    portown_file_tty(t->file) == shim_tty && !tty_hung_up_p(t->file))
			return;
		if (t->file)
			fput(t->file);
	}
	t->file = portown_current_file(shim_tty);
}

/* By descriptor: any tty descriptor the caller holds. */
static int portown_target_fd(s32 fd, struct portown_target *t)
{
	t->file = fget(fd);
	if (!t->file)
		return -EBADF;
	if (!portown_is_tty_file(t->file))
		return -ENOTTY;
	t->tty = tty_kref_get(portown_file_tty(t->file));
	return t->tty ? 0 : -ENOTTY;
}

/*
 * By device number, without opening the port.  A number that stands for
 * another tty (4:0, the foreground console) is taken as that tty's.  An
 * open port that has no record yet is looked at now, within the bounds
 * the reconciler keeps.
 */
static int portown_target_dev(u32 major, u32 minor, struct portown_target *t)
{
	struct tty_struct *tty;
	bool none;

	if (major >= (1U << (32 - MINORBITS)) || minor > MINORMASK)
		return -EINVAL;
	t->devt = MKDEV(major, minor);
	/* NULL: a tty the driver has, not open; an error: no such tty */
	tty = portown_tty_lookup(t->devt);
	none = IS_ERR(tty);
	if (none)
		tty = NULL;
	t->tty = tty;
	if (tty)
		t->devt = tty_devnum(tty);
	portown_registry_lock(&portown_live);
	t->port = portown_port_get_locked(t->devt);
	portown_registry_unlock(&portown_live);
	if (!t->port && (none || (tty && !portown_tty_tracked(tty))))
		return -ENODEV;
	/* a pty slave cannot be looked up without a descriptor: the caller's */
	if (!tty && t->port) {
		tty = portown_current_tty(t->devt);
		t->tty = tty;
	}
	if (!tty)
		return 0;
	if (!t->port) {
		/* open, yet never seen: an event was missed */
		portown_reconcile_tty(tty);
		portown_registry_lock(&portown_live);
		t->port = portown_port_get_locked(t->devt);
		portown_registry_unlock(&portown_live);
	}
	strscpy(t->name, t->port ? t->port->name : tty->name, sizeof(t->name));
	return 0;
}

/**
 * portown_target_get() - find the port a request names
 * @shim_tty: the shim's tty when the request came through it, else NULL
 * @fd: a descriptor of the port the caller holds, or -1
 * @major: with @minor, the port's device number, when @shim_tty is NULL
 *	and @fd is -1
 * @minor: see @major
 * @t: filled in; dropped with portown_target_put() whatever the result
 *
 * A descriptor the caller holds that the registry lacks is recorded
 * (portown_track_adopt()); an open port named by number that has no
 * record is checked at once (portown_reconcile_tty()).
 *
 * Context: process context; takes the live registry's lock.
 * Return: 0; -EBADF, -ENOTTY for a descriptor that is none or not a
 * tty's; -EINVAL for a number out of range; -ENODEV for a port that is
 * not tracked or does not exist.
 */
int portown_target_get(struct tty_struct *shim_tty, s32 fd, u32 major, u32 minor,
		       struct portown_target *t)
{
	int ret = 0;

	memset(t, 0, sizeof(*t));
	if (!shim_tty && fd == -1)
		return portown_target_dev(major, minor, t);
	if (shim_tty)
		portown_target_shim(shim_tty, fd, t);
	else if (fd >= 0)
		ret = portown_target_fd(fd, t);
	else
		ret = -EBADF;
	if (ret)
		return ret;

	t->devt = tty_devnum(t->tty);
	strscpy(t->name, t->tty->name, sizeof(t->name));
	if (!portown_tty_tracked(t->tty))
		return -ENODEV;
	portown_registry_lock(&portown_live);
	/* a descriptor the caller holds that portown has no record of */
	if (t->file && !tty_hung_up_p(t->file))
		portown_track_adopt(t->tty, t->file);
	t->port = portown_port_get_locked(t->devt);
	portown_registry_unlock(&portown_live);
	return 0;
}

/**
 * portown_target_lock() - take the tty lock of an open target
 * @t: the target, with its tty
 *
 * The tty lock is where claims are decided: an open holds it from its
 * check of TTY_EXCLUSIVE until its descriptor is in the tty's list.
 * Through the shim the ioctl holds the line discipline's semaphore, which
 * ranks below the tty lock, so the lock is only tried, for up to about a
 * tenth of a second (a hangup holding it waits for this very ioctl).
 *
 * Context: process context; may sleep.
 * Return: 0, or -EAGAIN when the lock could not be had through the shim.
 */
int portown_target_lock(struct portown_target *t)
{
	int i;

	if (!t->shim) {
		tty_lock(t->tty);
		return 0;
	}
	for (i = 0; !mutex_trylock(&t->tty->legacy_mutex); i++) {
		if (i == 50)
			return -EAGAIN;
		usleep_range(1000, 2000);
	}
	return 0;
}

/**
 * portown_target_unlock() - release what portown_target_lock() took
 * @t: the target
 */
void portown_target_unlock(struct portown_target *t)
{
	if (t->shim)
		mutex_unlock(&t->tty->legacy_mutex);
	else
		tty_unlock(t->tty);
}

/**
 * portown_target_end_dead_claim() - end the claim of an exited process
 * @t: the target
 *
 * A claim whose process has exited, while a descriptor it was made
 * through lives on in another process, ends here; its exclusive bit is
 * cleared under the tty lock and the registry's lock, where no new claim
 * can slip in.  Without the tty at hand, the reconciler does it.
 *
 * Context: process context; takes the tty lock, then the registry's.
 */
void portown_target_end_dead_claim(struct portown_target *t)
{
	struct portown_claim *claim;
	bool dead;

	if (!t->port || !t->tty)
		return;
	portown_registry_lock(&portown_live);
	claim = portown_port_claim_of(t->port);
	dead = claim && portown_pid_gone(claim->who.pid);
	portown_registry_unlock(&portown_live);
	if (!dead || portown_target_lock(t))
		return;
	portown_registry_lock(&portown_live);
	if (portown_port_end_dead_claim(t->port))
		clear_bit(TTY_EXCLUSIVE, &t->tty->flags);
	portown_registry_unlock(&portown_live);
	portown_target_unlock(t);
}
