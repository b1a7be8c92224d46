// SPDX-License-Identifier: GPL-2.0
/*
 * portown - the port-event tap and the glue between ttys and the registry.
 *
 * kprobes on the tty core see every open, close and hangup of every tty,
 * whether or not the program using it attached the shim:
 *
 *   tty_open		(kretprobe) a descriptor joined a tty
 *   tty_release	(kprobe)    a descriptor's last reference went
 *   tty_ldisc_hangup	(kprobe)    a hangup, whatever triggered it
 *   tty_reopen		(kretprobe) an open refused with EBUSY (a denial);
 *			on entry, a claim whose process is gone is dropped
 *   tty_unregister_device (kprobe) a tty device was removed (unplug)
 *
 * Probe handlers run with preemption disabled: they only touch the
 * registry (a spinlock, GFP_ATOMIC) and atomic tty flag bits, and leave
 * anything that sleeps (sysfs) to a work item.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tty.h>
#include <linux/tty_driver.h>

#include "portown.h"
#include "registry.h"

static bool portown_tap_on;
static int portown_tap_err;

static bool tap = true;
module_param(tap, bool, 0444);
MODULE_PARM_DESC(tap, "put the port-event tap on the tty core (default: yes); no: reduced mode");

/* --- recognising tty descriptors --------------------------------------- */

/*
 * A tty descriptor's file operations release through tty_release(): the
 * normal, console, pty-multiplexer and hung-up operations alike, and
 * their private_data is a struct tty_file_private.  tty_release() is not
 * exported, so the check goes by symbol name once per file_operations and
 * is remembered.
 */
#define PORTOWN_TTY_FOPS_MAX	8
static const struct file_operations *portown_tty_fops[PORTOWN_TTY_FOPS_MAX];
static DEFINE_SPINLOCK(portown_fops_lock);

static bool portown_fops_known(const struct file_operations *fops)
{
	unsigned int i;

	for (i = 0; i < PORTOWN_TTY_FOPS_MAX; i++)
		if (READ_ONCE(portown_tty_fops[i]) == fops)
			return true;
	return false;
}

/**
 * portown_is_tty_file() - is a file a tty descriptor
 * @file: any open file
 *
 * Context: any; does not sleep.
 * Return: true for a tty descriptor, hung up or not.
 */
bool portown_is_tty_file(const struct file *file)
{
	const struct file_operations *fops = file->f_op;
	char sym[KSYM_SYMBOL_LEN];
	unsigned int i;

	if (!fops || !fops->release)
		return false;
	if (portown_fops_known(fops))
		return true;
	sprint_symbol(sym, (unsigned long)fops->release);
	if (strncmp(sym, "tty_release+0x0/", 16))
		return false;

	spin_lock(&portown_fops_lock);
	for (i = 0; i < PORTOWN_TTY_FOPS_MAX; i++) {
		if (!portown_tty_fops[i]) {
			WRITE_ONCE(portown_tty_fops[i], fops);
			break;
		}
	}
	spin_unlock(&portown_fops_lock);
	return true;
}

/**
 * portown_file_tty() - the tty of a tty descriptor
 * @file: a file for which portown_is_tty_file() is true
 *
 * Return: the tty, not referenced; NULL before the open set it.
 */
struct tty_struct *portown_file_tty(const struct file *file)
{
	const struct tty_file_private *priv = file->private_data;

	return priv ? priv->tty : NULL;
}

/* --- what is tracked --------------------------------------------------- */

static char *track = "serial";
module_param(track, charp, 0444);
MODULE_PARM_DESC(track, "which ttys to track: \"serial\" (default) or \"all\"");

static bool portown_track_all;

/**
 * portown_tty_tracked() - does portown keep a record for this tty
 * @tty: the tty
 *
 * Serial ttys always; with track=all every other tty too, except pty
 * masters (their slave is the port a program opens).
 *
 * Return: true when the tty has a record.
 */
bool portown_tty_tracked(const struct tty_struct *tty)
{
	const struct tty_driver *drv = tty->driver;

	if (drv->type == TTY_DRIVER_TYPE_SERIAL)
		return true;
	if (!portown_track_all)
		return false;
	return !(drv->type == TTY_DRIVER_TYPE_PTY && drv->subtype == PTY_TYPE_MASTER);
}

/* --- events ------------------------------------------------------------ */

/*
 * The port's record, created on first sight.  The first time a record has
 * a tty device to link to, the sysfs work is told.
 */
static struct portown_port *portown_port_of(struct tty_struct *tty, gfp_t gfp)
{
	struct portown_port *port;

	port = portown_port_find_or_add(tty_devnum(tty), tty->name, gfp);
	if (!port)
		return NULL;
	if (!READ_ONCE(port->have_driver_termios)) {
		spin_lock(&portown_lock);
		port->driver_termios = tty->driver->init_termios;
		port->driver_termios.c_line = N_TTY;
		WRITE_ONCE(port->have_driver_termios, true);
		spin_unlock(&portown_lock);
	}
	if (!port->dev)
		portown_sysfs_update(port, tty->dev);
	return port;
}

/**
 * portown_tty_port() - the record of a tty, created on first sight
 * @tty: the tty
 *
 * Context: process context.
 * Return: the record (referenced), or NULL when out of memory.
 */
struct portown_port *portown_tty_port(struct tty_struct *tty)
{
	return portown_port_of(tty, GFP_KERNEL);
}

static void portown_drop_exclusive(struct tty_struct *tty, bool drop)
{
	if (drop)
		clear_bit(TTY_EXCLUSIVE, &tty->flags);
}

/**
 * portown_track_open() - a descriptor of a tty was opened
 * @tty: the tty
 * @file: the new descriptor
 * @who: the opener
 * @gfp: allocation flags for a new record
 *
 * Context: any process context, including probe handlers.
 */
void portown_track_open(struct tty_struct *tty, struct file *file,
			const struct portown_who *who, gfp_t gfp)
{
	struct portown_port *port;

	bool back, retry = true;

	if (!portown_tty_tracked(tty))
		return;
again:
	port = portown_port_of(tty, gfp);
	if (!port)
		return;
	spin_lock(&portown_lock);
	if (port->retired && retry) {
		/* retired since the lookup: the number wants a fresh record */
		spin_unlock(&portown_lock);
		portown_port_put(port);
		retry = false;
		goto again;
	}
	/*
	 * A successful open of a port marked gone: its device is back under
	 * the same number (a UART unbound and bound again while an old
	 * descriptor was held).  The old "device" link goes.
	 */
	back = port->gone;
	if (back) {
		port->gone = false;
		port->unlink = true;
	}
	if (portown_port_open(port, file, who, file->f_flags, GFP_ATOMIC))
		pr_warn_ratelimited("%s: out of memory recording an open\n", tty->name);
	spin_unlock(&portown_lock);
	if (back)
		portown_sysfs_tidy();
	portown_port_put(port);
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
	port = attached ? portown_port_of(tty, GFP_KERNEL) :
			  portown_port_lookup(tty_devnum(tty));
	if (!port)
		return;
	if (attached)
		portown_who_current(&who);
	spin_lock(&portown_lock);
	portown_who_put(&port->shim);
	port->shim = who;		/* takes over the reference */
	port->shim_attached = attached;
	spin_unlock(&portown_lock);
	portown_port_put(port);
}

/*
 * The record a tap event on the tty @devt is about (referenced), or NULL:
 * no record, or the event is dropped on purpose (the reconciler's tests).
 */
static struct portown_port *portown_event_port(dev_t devt)
{
	struct portown_port *port = portown_port_lookup(devt);

	if (port && portown_drop_event()) {
		portown_port_put(port);
		return NULL;
	}
	return port;
}

static void portown_track_close(struct tty_struct *tty, struct file *file)
{
	struct portown_port *port;
	struct portown_who who;
	bool drop, retire;

	port = portown_event_port(tty_devnum(tty));
	if (!port)
		return;
	portown_who_current(&who);
	spin_lock(&portown_lock);
	drop = portown_port_close(port, file, &who);
	retire = portown_port_retire_if_done(port);
	spin_unlock(&portown_lock);
	if (retire)
		portown_sysfs_tidy();
	portown_drop_exclusive(tty, drop);
	portown_who_put(&who);
	portown_port_put(port);
}

/*
 * Reinitialisation after a hangup.  The hangup handler runs inside
 * __tty_hangup(), which holds the tty lock, and may not sleep: it clears
 * the exclusive bit and resets the settings if the termios lock is free,
 * else leaves them to a work item.
 */
struct portown_reinit {
	struct work_struct work;
	struct tty_struct *tty;		/* referenced */
	struct portown_who owner;	/* before the hangup */
	bool excl;			/* it was exclusive then */
};

static struct workqueue_struct *portown_wq;

/*
 * The baseline: an administrator's (PORTOWN_IOC_SET_BASELINE), else the
 * driver's initial settings; N_TTY either way.  Written while the port is
 * hung up: the dead descriptors can no longer change settings, the next
 * open programs the hardware from them, and a tty freed at its last close
 * saves them for the next one.  The driver is not called.  Caller holds
 * the termios lock for writing; portown_lock nests inside it.
 */
static void portown_reset_termios(struct tty_struct *tty)
{
	struct portown_port *port = portown_port_lookup(tty_devnum(tty));
	bool admin = false;

	if (port) {
		spin_lock(&portown_lock);
		admin = port->baseline_set;
		if (admin)
			tty->termios = port->baseline;
		spin_unlock(&portown_lock);
		portown_port_put(port);
	}
	if (!admin)
		tty->termios = tty->driver->init_termios;
	tty->termios.c_line = N_TTY;
}

static void portown_record_reinit(struct tty_struct *tty, const struct portown_who *owner,
				  bool excl)
{
	struct portown_port *port = portown_port_lookup(tty_devnum(tty));

	if (!port)
		return;
	spin_lock(&portown_lock);
	portown_port_reinit(port, owner, excl);
	spin_unlock(&portown_lock);
	portown_port_put(port);
}

/**
 * portown_reinit_hung_up() - reset a hung-up tty to the baseline
 * @tty: the tty, referenced by the caller
 * @owner: its owner before the hangup, for the reinit event, or NULL
 * @excl: the tty was exclusive at the hangup (and that was cleared)
 *
 * Done once the hangup is over (the tty lock) and only if the tty is
 * still open and nobody has opened it again since (TTY_HUPPED).
 *
 * Context: process context; takes the tty lock.
 */
void portown_reinit_hung_up(struct tty_struct *tty, const struct portown_who *owner,
			    bool excl)
{
	bool done = false;

	tty_lock(tty);
	if (tty->count && test_bit(TTY_HUPPED, &tty->flags)) {
		down_write(&tty->termios_rwsem);
		portown_reset_termios(tty);
		up_write(&tty->termios_rwsem);
		done = true;
	}
	tty_unlock(tty);
	if (done)
		portown_record_reinit(tty, owner, excl);
}

/* The fallback when the termios lock was busy at the hangup. */
static void portown_reinit_work(struct work_struct *work)
{
	struct portown_reinit *r = container_of(work, struct portown_reinit, work);

	portown_reinit_hung_up(r->tty, &r->owner, r->excl);
	portown_who_put(&r->owner);
	tty_kref_put(r->tty);
	kfree(r);
}

static void portown_track_hangup(struct tty_struct *tty)
{
	struct portown_who who, owner;
	struct portown_reinit *r;
	struct portown_port *port;
	bool excl;

	port = portown_event_port(tty_devnum(tty));
	if (!port)
		return;
	portown_who_current(&who);
	spin_lock(&portown_lock);
	portown_port_owner(port, &owner, NULL);
	portown_port_hangup(port, &who);
	spin_unlock(&portown_lock);
	portown_port_put(port);
	portown_who_put(&who);

	/*
	 * Whoever set it, a hung-up port must not refuse the next opener.
	 * The tty core does not say who set it; the reinit event names the
	 * owner at the hangup, the process that had the port, with the bit.
	 */
	excl = test_and_clear_bit(TTY_EXCLUSIVE, &tty->flags);

	/*
	 * Reset the settings now, before a last close can save the old ones,
	 * unless someone holds the termios lock; then once the hangup is over.
	 */
	if (down_write_trylock(&tty->termios_rwsem)) {
		portown_reset_termios(tty);
		up_write(&tty->termios_rwsem);
		portown_record_reinit(tty, &owner, excl);
		portown_who_put(&owner);
		return;
	}
	r = kzalloc(sizeof(*r), GFP_ATOMIC);
	if (!r) {		/* the allocator has said it */
		portown_who_put(&owner);
		return;
	}
	INIT_WORK(&r->work, portown_reinit_work);
	r->tty = tty_kref_get(tty);
	r->owner = owner;		/* takes over the reference */
	r->excl = excl;
	queue_work(portown_wq, &r->work);
}

/*
 * A tty device was unregistered (USB unplug, a UART's removal): its
 * record goes to "gone" and leaves the registry once nobody holds it.
 * The hangup that removal brings (usb-serial's before this, serial_core's
 * right after) ends the claim and reinitialises what can be.
 */
static void portown_track_gone(struct tty_driver *driver, unsigned int index)
{
	struct portown_port *port;
	struct portown_who who;

	port = portown_event_port(MKDEV(driver->major, driver->minor_start) + index);
	if (!port)
		return;
	portown_who_current(&who);
	spin_lock(&portown_lock);
	if (portown_port_gone(port, &who))
		portown_port_retire_if_done(port);
	spin_unlock(&portown_lock);
	portown_sysfs_tidy();
	portown_who_put(&who);
	portown_port_put(port);
}

/**
 * portown_pid_gone() - has a process exited
 * @pid: its thread-group pid
 *
 * A process is gone when no task has @pid as its thread group any more,
 * or when the whole group is exiting or dead (a zombie keeps its pid
 * until it is reaped, but it holds no descriptor).
 *
 * Context: any; does not sleep.
 * Return: true when the process is gone or going.
 */
bool portown_pid_gone(struct pid *pid)
{
	struct task_struct *task;
	bool gone = true;

	rcu_read_lock();
	task = pid_task(pid, PIDTYPE_TGID);
	if (task)
		gone = (task->signal->flags & SIGNAL_GROUP_EXIT) ||
		       (task->exit_state && thread_group_empty(task));
	rcu_read_unlock();
	return gone;
}

/**
 * portown_port_check_claimer() - end a claim whose process has exited
 * @port: the record
 *
 * A claim normally ends when the claimer's last descriptor closes.  A
 * descriptor the claimer shared with a child outlives the claimer; the
 * claim must not.
 *
 * Context: caller holds portown_lock.
 * Return: as portown_port_end_claim().
 */
bool portown_port_check_claimer(struct portown_port *port)
{
	lockdep_assert_held(&portown_lock);
	if (!port->claimed || !portown_pid_gone(port->claimer.pid))
		return false;
	return portown_port_end_claim(port, NULL);
}

static void portown_track_reopen(struct tty_struct *tty)
{
	struct portown_port *port;
	bool drop;

	port = portown_port_lookup(tty_devnum(tty));
	if (!port)
		return;
	spin_lock(&portown_lock);
	drop = portown_port_check_claimer(port);
	spin_unlock(&portown_lock);
	portown_drop_exclusive(tty, drop);
	portown_port_put(port);
}

static void portown_track_denied(struct tty_struct *tty)
{
	struct portown_port *port;
	struct portown_who who;

	if (!portown_tty_tracked(tty))
		return;
	port = portown_port_of(tty, GFP_ATOMIC);
	if (!port)
		return;
	portown_who_current(&who);
	spin_lock(&portown_lock);
	portown_port_deny(port, &who);
	spin_unlock(&portown_lock);
	portown_who_put(&who);
	portown_port_put(port);
}

/* --- the probes -------------------------------------------------------- */

struct portown_probe_data {
	void *arg;
};

static int portown_open_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct portown_probe_data *d = (void *)ri->data;

	d->arg = (void *)regs_get_kernel_argument(regs, 1);	/* struct file * */
	return 0;
}

static int portown_open_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct portown_probe_data *d = (void *)ri->data;
	struct file *file = d->arg;
	struct portown_who who;
	struct tty_struct *tty;

	if ((int)regs_return_value(regs) != 0)	/* an int: the upper half is not defined */
		return 0;
	tty = portown_file_tty(file);
	if (!tty || !portown_tty_tracked(tty) || portown_drop_event())
		return 0;
	portown_who_current(&who);
	portown_track_open(tty, file, &who, GFP_ATOMIC);
	portown_who_put(&who);
	return 0;
}

static int portown_release_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct file *file = (void *)regs_get_kernel_argument(regs, 1);
	struct tty_struct *tty = portown_file_tty(file);

	if (tty)
		portown_track_close(tty, file);
	return 0;
}

static int portown_hangup_pre(struct kprobe *p, struct pt_regs *regs)
{
	portown_track_hangup((void *)regs_get_kernel_argument(regs, 0));
	return 0;
}

static int portown_unregister_pre(struct kprobe *p, struct pt_regs *regs)
{
	portown_track_gone((void *)regs_get_kernel_argument(regs, 0),
			   regs_get_kernel_argument(regs, 1));
	return 0;
}

static int portown_reopen_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct portown_probe_data *d = (void *)ri->data;

	d->arg = (void *)regs_get_kernel_argument(regs, 0);	/* struct tty_struct * */
	portown_track_reopen(d->arg);
	return 0;
}

static int portown_reopen_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct portown_probe_data *d = (void *)ri->data;

	if ((int)regs_return_value(regs) == -EBUSY)
		portown_track_denied(d->arg);
	return 0;
}

static struct kretprobe portown_open_probe = {
	.kp.symbol_name	= "tty_open",
	.entry_handler	= portown_open_entry,
	.handler	= portown_open_return,
	.data_size	= sizeof(struct portown_probe_data),
	.maxactive	= 64,
};

static struct kretprobe portown_reopen_probe = {
	.kp.symbol_name	= "tty_reopen",
	.entry_handler	= portown_reopen_entry,
	.handler	= portown_reopen_return,
	.data_size	= sizeof(struct portown_probe_data),
	.maxactive	= 64,
};

static struct kprobe portown_release_probe = {
	.symbol_name	= "tty_release",
	.pre_handler	= portown_release_pre,
};

static struct kprobe portown_hangup_probe = {
	.symbol_name	= "tty_ldisc_hangup",
	.pre_handler	= portown_hangup_pre,
};

static struct kprobe portown_unregister_probe = {
	.symbol_name	= "tty_unregister_device",
	.pre_handler	= portown_unregister_pre,
};

/* --- discovery of descriptors open before the module loaded ------------ */

struct portown_discover {
	struct task_struct *task;
	struct portown_who who;
	unsigned int found;
};

static int portown_discover_fd(const void *arg, struct file *file, unsigned int fd)
{
	struct portown_discover *d = (void *)arg;
	struct portown_port *port;
	struct tty_struct *tty;
	bool known;

	if (!portown_is_tty_file(file))
		return 0;
	tty = portown_file_tty(file);
	if (!tty || !portown_tty_tracked(tty))
		return 0;
	/* a descriptor shared by several processes: the first one found keeps it */
	port = portown_port_lookup(tty_devnum(tty));
	if (port) {
		spin_lock(&portown_lock);
		known = portown_port_holder(port, file);
		spin_unlock(&portown_lock);
		portown_port_put(port);
		if (known)
			return 0;
	}
	portown_track_open(tty, file, &d->who, GFP_ATOMIC);
	if (tty_hung_up_p(file)) {
		port = portown_port_lookup(tty_devnum(tty));
		if (port) {
			spin_lock(&portown_lock);
			portown_port_holder_hungup(port, file);
			spin_unlock(&portown_lock);
			portown_port_put(port);
		}
	}
	d->found++;
	return 0;
}

/*
 * Walk every process's descriptor table once, the way lsof does, and
 * record the tty descriptors found with the process that holds them.  The
 * open time is unknown: the load time stands in for it.
 */
unsigned int portown_discover(void)
{
	struct portown_discover d = {};
	struct task_struct *p;

	rcu_read_lock();
	for_each_process(p) {
		task_lock(p);
		if (p->files) {
			d.task = p;
			d.who.pid = get_task_pid(p, PIDTYPE_TGID);
			d.who.uid = task_uid(p);
			d.who.since_ns = ktime_get_real_ns();
			strscpy(d.who.comm, p->comm, sizeof(d.who.comm));
			iterate_fd(p->files, 0, portown_discover_fd, &d);
			portown_who_put(&d.who);
		}
		task_unlock(p);
	}
	rcu_read_unlock();
	return d.found;
}

/**
 * portown_tap_init() - register the probes and discover open ports
 *
 * Without kprobes, or with kprobes that are not ftrace-based
 * (CONFIG_KPROBES_ON_FTRACE), portown still loads, in a reduced mode that
 * only sees what passes through the shim and /dev/portown; it says so in
 * the kernel log and in /sys/class/portown/tap.
 *
 * Context: process context, module init.
 * Return: 0, or -EINVAL for a bad "track" parameter.
 */
int portown_tap_init(void)
{
	int ret;

	if (!strcmp(track, "all"))
		portown_track_all = true;
	else if (strcmp(track, "serial"))
		return -EINVAL;
	portown_wq = alloc_workqueue("portown", 0, 0);
	if (!portown_wq)
		return -ENOMEM;
	if (!tap) {
		pr_info("tap off (tap=0): reduced mode, only ports using the shim or /dev/portown are seen\n");
		return 0;
	}

	ret = register_kretprobe(&portown_open_probe);
	if (ret)
		goto err;
	ret = register_kprobe(&portown_release_probe);
	if (ret)
		goto err_open;
	ret = register_kprobe(&portown_hangup_probe);
	if (ret)
		goto err_release;
	ret = register_kretprobe(&portown_reopen_probe);
	if (ret)
		goto err_hangup;
	ret = register_kprobe(&portown_unregister_probe);
	if (ret)
		goto err_reopen;
	/*
	 * The handlers take a spinlock and allocate: they must run in the
	 * probed function's own context, which ftrace-based kprobes give.
	 * A breakpoint-based kprobe runs its handler in int3 context, which
	 * the kernel treats as NMI; that is no place for either.
	 */
	if (!kprobe_ftrace(&portown_open_probe.kp) || !kprobe_ftrace(&portown_release_probe) ||
	    !kprobe_ftrace(&portown_hangup_probe) || !kprobe_ftrace(&portown_reopen_probe.kp) ||
	    !kprobe_ftrace(&portown_unregister_probe)) {
		ret = -EOPNOTSUPP;
		goto err_unregister;
	}

	portown_tap_on = true;
	pr_info("tap on the tty core active; %u tty descriptors open at load\n",
		portown_discover());
	return 0;

err_unregister:
	unregister_kprobe(&portown_unregister_probe);
err_reopen:
	unregister_kretprobe(&portown_reopen_probe);
err_hangup:
	unregister_kprobe(&portown_hangup_probe);
err_release:
	unregister_kprobe(&portown_release_probe);
err_open:
	unregister_kretprobe(&portown_open_probe);
err:
	portown_tap_err = ret;
	pr_warn("kprobes on the tty core unavailable (%d): reduced mode, only ports using the shim or /dev/portown are seen\n",
		ret);
	return 0;
}

/**
 * portown_tap_exit() - unregister the probes
 *
 * Context: process context, module exit.  Returns when no handler runs.
 */
void portown_tap_exit(void)
{
	if (portown_tap_on) {
		unregister_kprobe(&portown_unregister_probe);
		unregister_kretprobe(&portown_reopen_probe);
		unregister_kprobe(&portown_hangup_probe);
		unregister_kprobe(&portown_release_probe);
		unregister_kretprobe(&portown_open_probe);
		portown_tap_on = false;
	}
	destroy_workqueue(portown_wq);	/* after the last reinitialisation */
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
