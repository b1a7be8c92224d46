// SPDX-License-Identifier: GPL-2.0
/*
 * portown - the port-event tap: probes on the tty core.
 *
 * kprobes see every open, close and hangup of every tty, whether or not
 * the program using it attached the shim:
 *
 *   tty_open		(kretprobe) a descriptor joined a tty
 *   tty_release	(kprobe)    a descriptor's last reference went
 *   tty_ldisc_hangup	(kprobe)    a hangup, whatever triggered it
 *   tty_reopen		(kretprobe) an open refused with EBUSY (a denial);
 *			on entry, a claim whose process is gone lets go of
 *			the exclusive bit
 *   tty_unregister_device (kprobe) a tty device was removed (unplug)
 *   tty_save_termios	(kprobe)    a tty's settings are saved for its next
 *			open, at its release: a reset due is done first
 *   tty_ioctl		(kprobe)    TIOCEXCL and TIOCNXCL: who made the tty
 *			exclusive, for the refusals it causes (any other
 *			command returns at the first comparison)
 *
 * The handlers run with preemption disabled, where a PREEMPT_RT kernel
 * allows no sleeping lock (spinlock_t is one there) and no allocation.
 * So a handler does only this:
 *
 *  - what must be synchronous with the tty core: atomic bit operations
 *    on the tty's TTY_EXCLUSIVE bit, and the settings reset (reinit.c)
 *    at the next open or the release after a hangup, under termios_rwsem
 *    taken with a trylock (safe in atomic context on every kernel, see
 *    rt_mutex_trylock());
 *  - reads of the claim and the administrator's baseline, which the
 *    registry publishes with RCU (portown_port_peek());
 *  - one entry in a preallocated ring under a raw spinlock, holding a
 *    pid and possibly a tty reference (atomic increments).
 *
 * Everything else, the registry, sysfs and the event stream, happens in
 * process context when the ring is drained (portown_tap_pop()): by the
 * user's @drain operation, run from a work item the handler queues (at
 * once for what users act on, else with a batch, PORTOWN_TAP_BATCH_MS), or
 * at once by anyone who reads the registry (track.c drains before each
 * use of the live registry), so that a query made after an open()
 * returned always sees that open.  A full ring, or a probe hit the
 * kprobes core could not serve, is counted (sysfs "tap_missed") and the
 * work item calls the user's @missed operation at once (the reconciler).
 *
 * Owns: the probes, the ring, the opening slots, the debugfs knob
 * drop_events (the number of coming events on tracked ports to drop:
 * fault injection, for the tests of the reconciler).
 * Locks: the ring's raw spinlock; RCU to read the registry.
 * Context: the handlers, any (preemption disabled); the rest, process
 * context.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/cred.h>
#include <linux/debugfs.h>
#include <linux/kprobes.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/tty.h>
#include <linux/tty_driver.h>
#include <linux/workqueue.h>

#include "portown.h"
#include "registry.h"

static bool tap = true;
module_param(tap, bool, 0444);
MODULE_PARM_DESC(tap, "put the port-event tap on the tty core (default: yes); no: reduced mode");

static unsigned int open_probes = 256;
module_param(open_probes, uint, 0444);
MODULE_PARM_DESC(open_probes, "opens in progress at once that the tap follows (default 256); more are counted in tap_missed and found by the reconciler");

static bool portown_tap_on;
static int portown_tap_err;

/* --- the ring between the handlers and process context ----------------- */

#define PORTOWN_TAP_RING	1024

static struct portown_tap_event portown_ring[PORTOWN_TAP_RING];
static unsigned int portown_ring_head, portown_ring_len;
static DEFINE_RAW_SPINLOCK(portown_ring_lock);
static atomic_long_t portown_ring_lost = ATOMIC_LONG_INIT(0);

/* Set at init: the registry to read, where to run, whom to tell. */
static struct portown_registry *portown_tap_reg;
static struct workqueue_struct *portown_tap_wq;
static const struct portown_tap_ops *portown_tap_ops;

static void portown_tap_workfn(struct work_struct *work);
static DECLARE_DELAYED_WORK(portown_tap_work, portown_tap_workfn);

/*
 * Opens, closes and resets are applied in batches: the first event of a
 * batch arms the work item for PORTOWN_TAP_BATCH_MS later, and those
 * that follow find it armed, so a program that opens and closes a port
 * in a loop wakes no worker at each call, and the poll() wake-ups of the
 * port's state file come once per batch.  Anyone who reads the registry
 * drains the ring first, so no query waits for a batch.  What users act
 * on (a hangup, a removal, a refused open, a claim of a process gone)
 * and a ring filling up run the work item at once.
 */
#define PORTOWN_TAP_BATCH_MS	10
#define PORTOWN_TAP_KICK	(PORTOWN_TAP_RING / 4)

/* Any context: run the work item now, or arm it for the batch. */
static void portown_tap_kick(bool now)
{
	if (now)
		mod_delayed_work(portown_tap_wq, &portown_tap_work, 0);
	else
		queue_delayed_work(portown_tap_wq, &portown_tap_work,
				   msecs_to_jiffies(PORTOWN_TAP_BATCH_MS));
}

/* An event users act on, applied at once rather than with a batch. */
static bool portown_tap_urgent(u8 type)
{
	return type != PORTOWN_TAP_OPEN && type != PORTOWN_TAP_CLOSE &&
	       type != PORTOWN_TAP_REINIT && type != PORTOWN_TAP_TIOCEXCL;
}

/* Fault injection: the number of coming events on tracked ports to drop. */
static atomic_t portown_drop_events = ATOMIC_INIT(0);

/* Any context: true while drop_events, decremented here, was above 0. */
static bool portown_drop_event(void)
{
	return atomic_add_unless(&portown_drop_events, -1, 0);
}

/*
 * The calling process, without the task lock get_task_comm() takes: a
 * racing rename can give a mixed name, never an unterminated one.
 */
static void portown_tap_who(struct portown_who *who)
{
	who->pid = get_task_pid(current, PIDTYPE_TGID);
	who->uid = current_uid();
	who->since_ns = portown_now_ns();
	memcpy(who->comm, current->comm, sizeof(who->comm));
	who->comm[sizeof(who->comm) - 1] = '\0';
}

/*
 * Queue an event about the tty @devt (and @tty, referenced by the entry
 * when not NULL) for process context.  Any context; never sleeps.
 * Return false when the ring had no room: the event is counted missed.
 */
static bool portown_tap_push(u8 type, u8 flags, struct tty_struct *tty, const void *file,
			     dev_t devt, unsigned int f_flags)
{
	struct portown_tap_event *ev;
	struct portown_who who;
	unsigned long irqflags;
	bool now;

	portown_tap_who(&who);
	raw_spin_lock_irqsave(&portown_ring_lock, irqflags);
	if (portown_ring_len == PORTOWN_TAP_RING) {
		raw_spin_unlock_irqrestore(&portown_ring_lock, irqflags);
		put_pid(who.pid);
		atomic_long_inc(&portown_ring_lost);
		portown_tap_kick(true);	/* to tell of it */
		return false;
	}
	ev = &portown_ring[(portown_ring_head + portown_ring_len) % PORTOWN_TAP_RING];
	/*
	 * An open hung up before its event is queued: decided under the
	 * ring's lock, so the hangup's own event comes after this one if
	 * the descriptor was still live here.
	 */
	if (type == PORTOWN_TAP_OPEN && tty_hung_up_p((struct file *)file))
		flags |= PORTOWN_TAP_HUNGUP;
	ev->type = type;
	ev->flags = flags;
	ev->tty = tty ? tty_kref_get(tty) : NULL;
	ev->file = file;
	ev->devt = devt;
	ev->f_flags = f_flags;
	ev->who = who;
	portown_ring_len++;
	now = portown_tap_urgent(type) || portown_ring_len >= PORTOWN_TAP_KICK;
	raw_spin_unlock_irqrestore(&portown_ring_lock, irqflags);
	portown_tap_kick(now);
	return true;
}

/*
 * A reset a handler did (at an open or a release): its event, or, when
 * the ring is full, one more in the record's count of reinits to record,
 * which the reconciler (told at once of the full ring) records.
 */
static void portown_tap_reinit(struct tty_struct *tty, u8 flags, bool ref)
{
	struct portown_port *port;

	if (portown_tap_push(PORTOWN_TAP_REINIT, flags, ref ? tty : NULL, NULL,
			     tty_devnum(tty), 0))
		return;
	rcu_read_lock();
	port = portown_port_peek(portown_tap_reg, tty_devnum(tty));
	if (port)
		atomic_inc(&port->lost_reinits);
	rcu_read_unlock();
}

/*
 * The ring's consumer: the user drains it.  A probe hit the kprobes core
 * could not serve leaves no event in the ring: the change in the count
 * of those (and of events the full ring refused) is the only sign, and
 * the user is told at once.
 */
static void portown_tap_workfn(struct work_struct *work)
{
	static unsigned long seen;
	unsigned long missed = portown_tap_missed();

	portown_tap_ops->drain();
	if (missed != seen) {
		seen = missed;
		portown_tap_ops->missed();
	}
}

/**
 * portown_tap_pop() - take the oldest events out of the ring
 * @out: room for @max events; each holds the references the handler took
 * @max: room in @out
 *
 * Context: process context; the caller applies the events in order and
 * keeps others from popping meanwhile (the registry's lock).
 * Return: the number of events taken.
 */
unsigned int portown_tap_pop(struct portown_tap_event *out, unsigned int max)
{
	unsigned int n, i;

	raw_spin_lock_irq(&portown_ring_lock);
	n = min(portown_ring_len, max);
	for (i = 0; i < n; i++)
		out[i] = portown_ring[(portown_ring_head + i) % PORTOWN_TAP_RING];
	portown_ring_head = (portown_ring_head + n) % PORTOWN_TAP_RING;
	portown_ring_len -= n;
	raw_spin_unlock_irq(&portown_ring_lock);
	return n;
}

/* --- the handlers ------------------------------------------------------ */

/*
 * The claim on the tty @devt, if any.  Caller is in an RCU read-side
 * critical section (the handlers are: they run with preemption off).
 */
static struct portown_claim *portown_tap_claim(dev_t devt)
{
	struct portown_port *port = portown_port_peek(portown_tap_reg, devt);

	return port ? rcu_dereference(port->claim) : NULL;
}

struct portown_probe_data {
	void *arg;
	int slot;
};

/*
 * The descriptors whose tty_open() runs now.  The tty lists a descriptor
 * before tty_open() returns, where the open's event is made: the
 * reconciler must not take such a descriptor for one whose open was
 * missed.  An open finding no free slot is not shielded (the reconciler
 * may then walk for it, and find it, in vain).
 */
#define PORTOWN_OPENING_SLOTS	256
static const void *portown_opening[PORTOWN_OPENING_SLOTS];
static atomic_t portown_opening_hint = ATOMIC_INIT(0);

static int portown_open_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct portown_probe_data *d = (void *)ri->data;
	unsigned int i, start = atomic_inc_return(&portown_opening_hint);

	d->arg = (void *)regs_get_kernel_argument(regs, 1);	/* struct file * */
	d->slot = -1;
	for (i = 0; i < PORTOWN_OPENING_SLOTS; i++) {
		unsigned int s = (start + i) % PORTOWN_OPENING_SLOTS;

		if (!cmpxchg(&portown_opening[s], NULL, d->arg)) {
			d->slot = s;
			break;
		}
	}
	return 0;
}

static int portown_open_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct portown_probe_data *d = (void *)ri->data;
	struct file *file = d->arg;
	struct tty_struct *tty;

	if ((int)regs_return_value(regs) != 0)	/* an int: the upper half is not defined */
		goto out;
	tty = portown_file_tty(file);
	if (!tty || !portown_tty_tracked(tty))
		goto out;
	/*
	 * A tty's first descriptor: a reset due on a tty at this address is
	 * a freed one's whose release the tap missed, never this one's.
	 */
	if (READ_ONCE(tty->count) == 1)
		portown_reset_take(tty);
	if (portown_drop_event())
		goto out;
	portown_tap_push(PORTOWN_TAP_OPEN, 0, tty, file, tty_devnum(tty), file->f_flags);
out:
	if (d->slot >= 0)
		/* release: whoever no longer finds the open here finds its event */
		smp_store_release(&portown_opening[d->slot], NULL);
	return 0;
}

/**
 * portown_tap_opening() - is @file's tty_open() still running
 * @file: a descriptor in a tty's list
 *
 * When this says no, the open's event, if any, is in the ring: a drain
 * that follows applies it.
 *
 * Context: any.
 * Return: true while the open of @file has not returned.
 */
bool portown_tap_opening(const void *file)
{
	unsigned int i;

	for (i = 0; i < PORTOWN_OPENING_SLOTS; i++)
		/* acquire: pairs with the release in portown_open_return() */
		if (smp_load_acquire(&portown_opening[i]) == file)
			return true;
	return false;
}

/*
 * A descriptor's last reference went.  If the port is claimed through
 * it, the claim's exclusive bit goes now, before close() returns: the
 * next opener must not find it.
 */
static int portown_release_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct file *file = (void *)regs_get_kernel_argument(regs, 1);
	struct tty_struct *tty = portown_file_tty(file);
	struct portown_claim *claim;
	dev_t devt;

	if (!tty || !portown_tty_tracked(tty) || portown_drop_event())
		return 0;
	devt = tty_devnum(tty);
	rcu_read_lock();
	claim = portown_tap_claim(devt);
	if (claim && claim->file == file && atomic_xchg(&claim->excl, 0))
		clear_bit(TTY_EXCLUSIVE, &tty->flags);
	rcu_read_unlock();
	portown_tap_push(PORTOWN_TAP_CLOSE, 0, tty, file, devt, 0);
	return 0;
}

/*
 * What a hangup does to @tty's settings (reinit.c): usually nothing yet,
 * the reset is marked due and done once the driver's hangup has run
 * with the owner's settings; a console keeps them, or with a baseline is
 * reset now, before the driver hands them to the console.
 */
static u8 portown_hangup_reset(struct tty_struct *tty)
{
	switch (portown_reset_mode(portown_tap_reg, tty)) {
	case PORTOWN_HUP_KEEP:
		return PORTOWN_TAP_KEPT;
	case PORTOWN_HUP_AFTER:
		if (portown_reset_defer(tty))
			return PORTOWN_TAP_DUE;
		fallthrough;		/* no room to mark it: now */
	default:
		return portown_reset_now(portown_tap_reg, tty) ? PORTOWN_TAP_RESET : 0;
	}
}

/*
 * A hangup, inside __tty_hangup() with the tty lock held, before the
 * driver's hangup.  Whoever set it, a hung-up port must not refuse the
 * next opener, and the next user must not inherit the last one's
 * settings.
 */
static int portown_hangup_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct tty_struct *tty = (void *)regs_get_kernel_argument(regs, 0);
	struct portown_claim *claim;
	u8 flags = 0;

	if (!portown_tty_tracked(tty) || portown_drop_event())
		return 0;
	rcu_read_lock();
	claim = portown_tap_claim(tty_devnum(tty));
	if (claim)
		atomic_set(&claim->excl, 0);	/* the bit goes here */
	rcu_read_unlock();
	if (test_and_clear_bit(TTY_EXCLUSIVE, &tty->flags))
		flags |= PORTOWN_TAP_EXCL;
	flags |= portown_hangup_reset(tty);
	/*
	 * A full ring loses the event, and with it the work item that was to
	 * do the reset: it is done now, and the reconciler, which repairs the
	 * missed hangup, records it (an open or the release must not record
	 * a second one).
	 */
	if (!portown_tap_push(PORTOWN_TAP_HANGUP, flags, tty, NULL, tty_devnum(tty), 0) &&
	    (flags & PORTOWN_TAP_DUE) && portown_reset_take(tty))
		portown_reset_now(portown_tap_reg, tty);
	return 0;
}

/*
 * A tty's last descriptor is gone, and its settings are about to be saved
 * for its next open: a reset still due after a hangup is done now, and a
 * port with the reset policy "close" goes back to its baseline at every
 * last close.  Nobody else uses the tty any more.
 */
static int portown_save_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct tty_struct *tty = (void *)regs_get_kernel_argument(regs, 0);
	u8 flags = PORTOWN_TAP_RESET;

	if (!portown_tty_tracked(tty))
		return 0;
	if (!portown_reset_take(tty)) {
		if (!portown_reset_at_close(portown_tap_reg, tty))
			return 0;
		flags |= PORTOWN_TAP_AT_CLOSE;
	}
	if (portown_reset_now(portown_tap_reg, tty))
		portown_tap_reinit(tty, flags, false);
	return 0;
}

/*
 * A tty device is removed.  An unplug runs in the USB hub's worker, a
 * kernel thread; a removal in a process's own context is that process
 * unbinding the driver (a write to "unbind", usbfs's USBDEVFS_DISCONNECT,
 * rmmod), which the event names.
 */
static int portown_unregister_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct tty_driver *driver = (void *)regs_get_kernel_argument(regs, 0);
	unsigned int index = regs_get_kernel_argument(regs, 1);
	dev_t devt = MKDEV(driver->major, driver->minor_start) + index;
	u8 flags = current->flags & PF_KTHREAD ? 0 : PORTOWN_TAP_UNBOUND;
	bool known;

	rcu_read_lock();
	known = portown_port_peek(portown_tap_reg, devt);
	rcu_read_unlock();
	if (known && !portown_drop_event())
		portown_tap_push(PORTOWN_TAP_GONE, flags, NULL, NULL, devt, 0);
	return 0;
}

/*
 * A tty ioctl: only TIOCEXCL and TIOCNXCL matter, whose effect the tty
 * core keeps in a bit without saying who set it.  Seen before the
 * command runs; the command cannot fail on a descriptor of a tty.
 */
static int portown_ioctl_pre(struct kprobe *p, struct pt_regs *regs)
{
	unsigned int cmd = regs_get_kernel_argument(regs, 1);
	struct tty_struct *tty;
	struct file *file;

	if (cmd != TIOCEXCL && cmd != TIOCNXCL)
		return 0;
	file = (void *)regs_get_kernel_argument(regs, 0);
	tty = portown_file_tty(file);
	if (tty && portown_tty_tracked(tty))
		portown_tap_push(PORTOWN_TAP_TIOCEXCL, cmd == TIOCEXCL ? PORTOWN_TAP_SET : 0,
				 NULL, file, tty_devnum(tty), file->f_flags);
	return 0;
}

/*
 * An open of a tty already open, under the tty lock, before the tty core
 * checks TTY_EXCLUSIVE: a claim whose process has exited lets go of the
 * bit it set, so that its leftover descriptor (kept by a child) does not
 * refuse the open.  A reset still due after a hangup is done now, before
 * the driver's open reads the settings.
 */
static int portown_reopen_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct portown_probe_data *d = (void *)ri->data;
	struct tty_struct *tty = (void *)regs_get_kernel_argument(regs, 0);
	struct portown_claim *claim;
	bool dead = false;

	d->arg = tty;
	if (!portown_tty_tracked(tty))
		return 0;
	rcu_read_lock();
	claim = portown_tap_claim(tty_devnum(tty));
	if (claim && portown_pid_gone(claim->who.pid)) {
		dead = true;
		if (atomic_xchg(&claim->excl, 0))
			clear_bit(TTY_EXCLUSIVE, &tty->flags);
	}
	rcu_read_unlock();
	if (dead)
		portown_tap_push(PORTOWN_TAP_DEAD_CLAIM, 0, NULL, NULL, tty_devnum(tty), 0);
	if (portown_reset_take(tty)) {
		if (portown_reset_now(portown_tap_reg, tty))
			portown_tap_reinit(tty, PORTOWN_TAP_RESET, true);
		else
			portown_reset_defer(tty);	/* the hangup's work item does it */
	}
	return 0;
}

static int portown_reopen_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct portown_probe_data *d = (void *)ri->data;
	struct tty_struct *tty = d->arg;

	if ((int)regs_return_value(regs) == -EBUSY && portown_tty_tracked(tty) &&
	    !portown_drop_event())
		portown_tap_push(PORTOWN_TAP_DENY, 0, tty, NULL, tty_devnum(tty), 0);
	return 0;
}

/* --- the probes -------------------------------------------------------- */

static struct kretprobe portown_open_probe = {
	.kp.symbol_name	= "tty_open",
	.kp.flags	= KPROBE_FLAG_DISABLED,
	.entry_handler	= portown_open_entry,
	.handler	= portown_open_return,
	.data_size	= sizeof(struct portown_probe_data),
};

static struct kretprobe portown_reopen_probe = {
	.kp.symbol_name	= "tty_reopen",
	.kp.flags	= KPROBE_FLAG_DISABLED,
	.entry_handler	= portown_reopen_entry,
	.handler	= portown_reopen_return,
	.data_size	= sizeof(struct portown_probe_data),
};

static struct kprobe portown_release_probe = {
	.symbol_name	= "tty_release",
	.flags		= KPROBE_FLAG_DISABLED,
	.pre_handler	= portown_release_pre,
};

static struct kprobe portown_hangup_probe = {
	.symbol_name	= "tty_ldisc_hangup",
	.flags		= KPROBE_FLAG_DISABLED,
	.pre_handler	= portown_hangup_pre,
};

static struct kprobe portown_unregister_probe = {
	.symbol_name	= "tty_unregister_device",
	.flags		= KPROBE_FLAG_DISABLED,
	.pre_handler	= portown_unregister_pre,
};

static struct kprobe portown_save_probe = {
	.symbol_name	= "tty_save_termios",
	.flags		= KPROBE_FLAG_DISABLED,
	.pre_handler	= portown_save_pre,
};

static struct kprobe portown_ioctl_probe = {
	.symbol_name	= "tty_ioctl",
	.flags		= KPROBE_FLAG_DISABLED,
	.pre_handler	= portown_ioctl_pre,
};

static struct kprobe *portown_kprobes[] = {
	&portown_release_probe,
	&portown_hangup_probe,
	&portown_unregister_probe,
	&portown_save_probe,
	&portown_ioctl_probe,
};

static struct kretprobe *portown_kretprobes[] = {
	&portown_open_probe,
	&portown_reopen_probe,
};

static void portown_tap_unregister(void)
{
	unregister_kretprobes(portown_kretprobes, ARRAY_SIZE(portown_kretprobes));
	unregister_kprobes(portown_kprobes, ARRAY_SIZE(portown_kprobes));
}

/*
 * Every probe must be ftrace-based: a breakpoint-based kprobe runs its
 * handler in int3 context, which the kernel treats as NMI, where not even
 * a raw spinlock may be taken.
 */
static bool portown_tap_ftrace(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(portown_kprobes); i++)
		if (!kprobe_ftrace(portown_kprobes[i]))
			return false;
	for (i = 0; i < ARRAY_SIZE(portown_kretprobes); i++)
		if (!kprobe_ftrace(&portown_kretprobes[i]->kp))
			return false;
	return true;
}

static int portown_tap_enable(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(portown_kprobes); i++) {
		ret = enable_kprobe(portown_kprobes[i]);
		if (ret)
			return ret;
	}
	for (i = 0; i < ARRAY_SIZE(portown_kretprobes); i++) {
		ret = enable_kretprobe(portown_kretprobes[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * portown_tap_init() - register the probes
 * @reg: the registry whose claims and baselines the handlers read
 * @wq: where the tap's work item runs the user's operations
 * @debugfs: the module's debugfs directory, for drop_events
 * @ops: the user's operations, called from the work item
 *
 * The probes are registered disabled, checked to be ftrace-based, and
 * only then enabled.  Without kprobes, or with kprobes that are not
 * ftrace-based (CONFIG_KPROBES_ON_FTRACE), portown still loads, in a
 * reduced mode that only sees what passes through the shim and
 * /dev/portown; it says so in the kernel log and in /sys/class/portown/tap.
 *
 * Context: process context, module init.
 * Return: 0.
 */
int portown_tap_init(struct portown_registry *reg, struct workqueue_struct *wq,
		     struct dentry *debugfs, const struct portown_tap_ops *ops)
{
	int ret;

	portown_tap_reg = reg;
	portown_tap_wq = wq;
	portown_tap_ops = ops;
	debugfs_create_atomic_t("drop_events", 0600, debugfs, &portown_drop_events);
	if (!tap) {
		pr_info("tap off (tap=0): reduced mode, only ports using the shim or /dev/portown are seen\n");
		return 0;
	}

	/*
	 * An open blocked waiting for carrier holds its instance throughout;
	 * tty_reopen() runs under the tty lock and never waits.
	 */
	portown_open_probe.maxactive = max(open_probes, 1U);
	portown_reopen_probe.maxactive = max(64U, 2 * num_possible_cpus());
	ret = register_kprobes(portown_kprobes, ARRAY_SIZE(portown_kprobes));
	if (ret)
		goto err;
	ret = register_kretprobes(portown_kretprobes, ARRAY_SIZE(portown_kretprobes));
	if (ret) {
		unregister_kprobes(portown_kprobes, ARRAY_SIZE(portown_kprobes));
		goto err;
	}
	ret = portown_tap_ftrace() ? portown_tap_enable() : -EOPNOTSUPP;
	if (ret) {
		portown_tap_unregister();
		goto err;
	}
	portown_tap_on = true;
	return 0;

err:
	portown_tap_err = ret;
	pr_warn("kprobes on the tty core unavailable (%d): reduced mode, only ports using the shim or /dev/portown are seen\n",
		ret);
	return 0;
}

/**
 * portown_tap_active() - is the tap on the tty core
 *
 * Return: true when the probes are registered and enabled.
 */
bool portown_tap_active(void)
{
	return portown_tap_on;
}

/**
 * portown_tap_exit() - unregister the probes
 *
 * Context: process context, module exit.  Returns when no handler runs
 * and the work item is idle; the events still in the ring are left for
 * the caller to drain.
 */
void portown_tap_exit(void)
{
	if (portown_tap_on) {
		portown_tap_unregister();
		portown_tap_on = false;
	}
	cancel_delayed_work_sync(&portown_tap_work);
}

/**
 * portown_tap_status() - describe the tap for sysfs
 * @buf: a sysfs page
 *
 * Return: the length written.
 */
ssize_t portown_tap_status(char *buf)
{
	if (portown_tap_on)
		return sysfs_emit(buf, "active\n");
	if (!tap)
		return sysfs_emit(buf, "off\n");
	return sysfs_emit(buf, "unavailable %d\n", portown_tap_err);
}

/**
 * portown_tap_missed() - tty events the tap could not record
 *
 * Probe hits the kprobes core could not serve (more opens in progress
 * than open_probes, a probe hit inside another probe's handler) and
 * events that found the ring full.  The reconciler repairs what they
 * leave wrong.
 *
 * Return: the count since the module was loaded.
 */
unsigned long portown_tap_missed(void)
{
	unsigned long n = atomic_long_read(&portown_ring_lost);
	unsigned int i;

	if (!portown_tap_on)
		return n;
	for (i = 0; i < ARRAY_SIZE(portown_kprobes); i++)
		n += portown_kprobes[i]->nmissed;
	for (i = 0; i < ARRAY_SIZE(portown_kretprobes); i++)
		n += portown_kretprobes[i]->nmissed + portown_kretprobes[i]->kp.nmissed;
	return n;
}
