// SPDX-License-Identifier: GPL-2.0
/*
 * portown - why a port is busy: a line in the kernel log for each open or
 * claim refused as busy and for each removal of a port, and the facts
 * the WHY request reports.
 *
 * A program that never heard of portown prints "Device or resource busy"
 * and nothing more; the kernel log names who is in the way, for whoever
 * looks with dmesg or journalctl -k.  The log is the administrator's (root
 * reads it where dmesg_restrict is set), so the identity policy of sysfs
 * and the ioctls (policy.c) does not apply to it; the WHY request's
 * identities go through that policy.  The lines share one rate limit (10
 * per 5 seconds; the next line allowed says how many were not logged),
 * and the module parameter explain=0 silences them.
 *
 * Owns: the parameter explain and the rate limit.
 * Locks: the callers hold the registry's lock.
 * Context: process context.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/moduleparam.h>
#include <linux/pid.h>
#include <linux/ratelimit.h>
#include <linux/string.h>
#include <linux/time64.h>
#include <linux/tty.h>
#include <linux/tty_ldisc.h>
#include <linux/user_namespace.h>

#include "portown.h"
#include "registry.h"

static bool explain = true;
module_param(explain, bool, 0644);
MODULE_PARM_DESC(explain, "log who is in the way of each open or claim refused as busy, and who removed a port (default: yes)");

/*
 * The kernel's own count of what the limit dropped is a warning; the
 * lines are information, and so is their count (portown_explaining()).
 */
static DEFINE_RATELIMIT_STATE(portown_explain_rs, 5 * HZ, 10);
static atomic_t portown_explain_dropped = ATOMIC_INIT(0);

/* "comm (pid N, uid U)", as the initial namespaces number them. */
static void portown_who_str(char *buf, size_t len, const struct portown_who *who)
{
	snprintf(buf, len, "%s (pid %d, uid %u)", who->comm, pid_nr(who->pid),
		 from_kuid(&init_user_ns, who->uid));
}

/* " since HH:MM:SS UTC", or nothing for an unknown time. */
static void portown_since_str(char *buf, size_t len, u64 ns)
{
	struct tm tm;

	if (!ns) {
		buf[0] = '\0';
		return;
	}
	time64_to_tm(div_u64(ns, NSEC_PER_SEC), 0, &tm);
	snprintf(buf, len, " since %02d:%02d:%02d UTC", tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static bool portown_explaining(void)
{
	int dropped;

	if (!READ_ONCE(explain))
		return false;
	if (!__ratelimit(&portown_explain_rs)) {
		atomic_inc(&portown_explain_dropped);
		return false;
	}
	dropped = atomic_xchg(&portown_explain_dropped, 0);
	if (dropped)
		pr_info("%d more lines on refusals and removals not logged (rate limit)\n",
			dropped);
	return true;
}

/**
 * portown_why_init() - set up the kernel log's rate limit
 *
 * Context: module init.
 */
void portown_why_init(void)
{
	ratelimit_set_flags(&portown_explain_rs, RATELIMIT_MSG_ON_RELEASE);
}

/**
 * portown_why_refused() - log who is in the way of a refused open or claim
 * @port: the port's record
 * @who: the refused process
 * @what: "open" or "claim"
 *
 * A claim is in the way of both; else an open was refused for the tty's
 * exclusive bit (TIOCEXCL), named with who set it when portown saw it
 * set, and a claim for the port's other holders.
 *
 * Context: caller holds the registry's lock.
 */
void portown_why_refused(struct portown_port *port, const struct portown_who *who,
			 const char *what)
{
	char me[64], other[64], setter[80], since[24];
	struct portown_claim *claim = portown_port_claim_of(port);
	const struct portown_who *excl;
	struct portown_who owner;

	if (!portown_explaining())
		return;
	portown_who_str(me, sizeof(me), who);
	if (claim) {
		portown_who_str(other, sizeof(other), &claim->who);
		portown_since_str(since, sizeof(since), claim->who.since_ns);
		pr_info("%s: %s by %s refused: claimed by %s%s\n", port->name, what, me, other,
			since);
		return;
	}
	if (portown_port_owner(port, &owner, NULL))
		portown_who_str(other, sizeof(other), &owner);
	else
		strscpy(other, "nobody", sizeof(other));
	if (strcmp(what, "open")) {
		portown_since_str(since, sizeof(since), owner.since_ns);
		pr_info("%s: %s by %s refused: held by %s%s\n", port->name, what, me, other, since);
		portown_who_put(&owner);
		return;
	}
	excl = portown_port_excl_setter(port);
	setter[0] = '\0';
	since[0] = '\0';
	if (excl) {
		portown_since_str(since, sizeof(since), excl->since_ns);
		if (excl->pid != owner.pid) {
			strscpy(setter, ", set by ", sizeof(setter));
			portown_who_str(setter + strlen(setter), sizeof(setter) - strlen(setter),
					excl);
		}
	}
	pr_info("%s: open by %s refused: exclusive (TIOCEXCL%s)%s, held by %s\n", port->name, me,
		setter, since, other);
	portown_who_put(&owner);
}

/**
 * portown_why_gone() - log a port's removal and what it was owed to
 * @port: the port's record, just marked gone
 *
 * An unplug runs in the kernel's hotplug worker; a process that unbound
 * the driver (usbfs, "unbind", rmmod) is named.
 *
 * Context: caller holds the registry's lock.
 */
void portown_why_gone(struct portown_port *port)
{
	const struct portown_who *by;
	char other[64];
	u32 flags;

	if (!portown_explaining())
		return;
	by = portown_port_remover(port, &flags);
	if (by && (flags & PORTOWN_ID_UNBOUND)) {
		portown_who_str(other, sizeof(other), by);
		pr_info("%s gone: driver unbound by %s\n", port->name, other);
	} else {
		pr_info("%s gone: unplugged\n", port->name);
	}
}

/**
 * portown_why_fill() - every reason the kernel knows a port is busy
 * @port: the port's record, or NULL when portown has none
 * @tty: the port's tty (referenced) when it is open, or NULL
 * @v: the caller's view, for the identities
 * @w: the request, filled but for @w->size, @w->fd and the device number
 *
 * Context: caller holds the registry's lock (when @port is set).
 */
void portown_why_fill(struct portown_port *port, struct tty_struct *tty,
		      const struct portown_viewer *v, struct portown_why *w)
{
	struct portown_claim *claim = port ? portown_port_claim_of(port) : NULL;
	const struct portown_who *who;
	struct portown_who owner;
	struct tty_ldisc *ld;
	u32 flags;

	w->reasons = 0;
	w->ldisc = -1;
	w->nr_holders = port ? port->nr_holders : 0;
	w->__reserved = 0;
	memset(&w->owner, 0, sizeof(w->owner));
	memset(&w->claimer, 0, sizeof(w->claimer));
	memset(&w->excl, 0, sizeof(w->excl));
	memset(&w->removed, 0, sizeof(w->removed));
	memset(w->ldisc_name, 0, sizeof(w->ldisc_name));
	if (port) {
		strscpy(w->name, port->name, sizeof(w->name));
		if (portown_port_owner(port, &owner, NULL)) {
			portown_viewer_export(v, &owner, &w->owner);
			portown_who_put(&owner);
		}
		if (port->nr_holders)
			w->reasons |= PORTOWN_WHY_OPEN;
		if (port->console)
			w->reasons |= PORTOWN_WHY_CONSOLE;
		if (portown_port_state(port) == PORTOWN_STATE_HUNGUP)
			w->reasons |= PORTOWN_WHY_HUNGUP;
	}
	if (claim) {
		w->reasons |= PORTOWN_WHY_CLAIMED;
		portown_viewer_export(v, &claim->who, &w->claimer);
		w->claimer.flags |= PORTOWN_ID_CLAIMER;
	}
	if (port && port->gone) {
		w->reasons |= PORTOWN_WHY_GONE;
		who = portown_port_remover(port, &flags);
		if (who) {
			portown_viewer_export(v, who, &w->removed);
			w->removed.flags |= flags;
		}
	}
	if (!tty)
		return;
	if (!port)
		strscpy(w->name, tty->name, sizeof(w->name));
	if (portown_tty_is_console(tty))
		w->reasons |= PORTOWN_WHY_CONSOLE;
	/* the claim's own bit is the claim */
	if (test_bit(TTY_EXCLUSIVE, &tty->flags) && !(claim && atomic_read(&claim->excl))) {
		w->reasons |= PORTOWN_WHY_EXCL;
		who = port ? portown_port_excl_setter(port) : NULL;
		if (who)
			portown_viewer_export(v, who, &w->excl);
	}
	ld = tty_ldisc_ref(tty);
	if (ld) {
		w->ldisc = ld->ops->num;
		strscpy(w->ldisc_name, ld->ops->name, sizeof(w->ldisc_name));
		tty_ldisc_deref(ld);
		if (w->ldisc != N_TTY && !(port && port->shim_attached))
			w->reasons |= PORTOWN_WHY_LDISC;
	}
}
