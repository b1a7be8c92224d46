// SPDX-License-Identifier: GPL-2.0
/*
 * portown - recognising tty descriptors, which ttys are tracked, and
 * finding descriptors in processes' descriptor tables.
 *
 * Owns: nothing about ports, only the "track" parameter and a small cache
 * of tty file operations; these are the questions the tap, the ioctls
 * and the reconciler ask about files, ttys and processes.
 * Locks: portown_fops_lock (a spinlock, for the cache); the walks take
 * each task's task_lock and its table's file_lock for a moment, as
 * iterate_fd() does.
 * Context: each function says; portown_tty_tracked() and
 * portown_file_tty() run in the probe handlers too.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/console.h>
#include <linux/dcache.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/magic.h>
#include <linux/moduleparam.h>
#include <linux/mount.h>
#include <linux/mutex.h>
#include <linux/namei.h>
#include <linux/path.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tty.h>
#include <linux/tty_driver.h>
#include <linux/vt_kern.h>

#include "portown.h"
#include "registry.h"

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
 * Context: process context (the descriptor walks); does not sleep.
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
 * @file: a file for which portown_is_tty_file() is true, or one the tty
 *	core passes to tty_open()/tty_release()
 *
 * Context: any.
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

/*
 * With track=all, the pty slaves of one devpts instance: the one mounted
 * on /dev/pts as init (pid 1) sees it.  Pty numbers repeat from instance
 * to instance (each container has its own), and a record is keyed by
 * number, so the others are not tracked.
 */
static struct path portown_devpts;

static void portown_find_devpts(void)
{
	struct task_struct *init;
	struct path root, pts;
	struct pid *pid;

	pid = find_get_pid(1);
	init = get_pid_task(pid, PIDTYPE_PID);
	put_pid(pid);
	if (!init)
		return;
	task_lock(init);
	if (init->fs)
		get_fs_root(init->fs, &root);
	else
		root.mnt = NULL;
	task_unlock(init);
	put_task_struct(init);
	if (!root.mnt)
		return;
	if (!vfs_path_lookup(root.dentry, root.mnt, "dev/pts", LOOKUP_FOLLOW, &pts)) {
		if (pts.dentry->d_sb->s_magic == DEVPTS_SUPER_MAGIC &&
		    pts.dentry == pts.mnt->mnt_root)
			portown_devpts = pts;
		else
			path_put(&pts);
	}
	path_put(&root);
}

/* --- a tty by device number ------------------------------------------- */

#ifdef PORTOWN_HAVE_TTY_KOPEN_SHARED
static void portown_tty_lookup_init(void)
{
}

/**
 * portown_tty_lookup() - the open tty of a device number, without opening it
 * @devt: the device number; 4:0 stands for the foreground console
 *
 * Context: process context; takes the tty core's tty_mutex.
 * Return: the tty, referenced (tty_kref_put()), unlocked; NULL when the
 * driver has the number but the tty is not open; ERR_PTR(-ENODEV) when no
 * driver has it, ERR_PTR(-EIO) for a tty that cannot be looked up without
 * a descriptor (a pty slave).
 */
struct tty_struct *portown_tty_lookup(dev_t devt)
{
	return tty_kopen_shared(devt);
}
#else
/*
 * Before tty_kopen_shared() (5.12) the tty core offers only the exclusive
 * tty_kopen(), which opens a tty that is not open and fails on one that
 * is.  This is tty_kopen_shared() as 5.12 has it: the driver of the number
 * from the list of drivers, its tty from its table, both under tty_mutex.
 * Neither is exported; kallsyms has them (CONFIG_KALLSYMS_ALL), and
 * kallsyms_lookup_name(), unexported since 5.7, is found through a kprobe.
 * Where that fails, portown still loads: a tty that is not its caller's
 * cannot be looked up by number (see the admin guide, "Kernels").
 */
static struct list_head *portown_tty_drivers;
static struct mutex *portown_tty_mutex;

static void portown_tty_lookup_init(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	unsigned long (*lookup)(const char *name);
	struct list_head *drivers = NULL;
	struct mutex *lock = NULL;
	int ret;

	ret = register_kprobe(&kp);
	if (!ret) {
		lookup = (unsigned long (*)(const char *))kp.addr;
		unregister_kprobe(&kp);
		drivers = (struct list_head *)lookup("tty_drivers");
		lock = (struct mutex *)lookup("tty_mutex");
	}
	if (!drivers || !lock) {
		pr_warn("no tty_kopen_shared() and no tty_drivers in kallsyms (%d): ttys other than the caller's are not looked up by number\n",
			ret);
		return;
	}
	portown_tty_drivers = drivers;
	portown_tty_mutex = lock;
}

struct tty_struct *portown_tty_lookup(dev_t devt)
{
	struct tty_struct *tty = ERR_PTR(-ENODEV);
	struct tty_driver *driver;
	int index;

	if (!portown_tty_mutex)
		return ERR_PTR(-EIO);	/* cannot be told */
#ifdef CONFIG_VT
	if (devt == MKDEV(TTY_MAJOR, 0))
		devt = MKDEV(TTY_MAJOR, fg_console + 1);
#endif
	mutex_lock(portown_tty_mutex);
	list_for_each_entry(driver, portown_tty_drivers, tty_drivers) {
		dev_t base = MKDEV(driver->major, driver->minor_start);

		if (devt < base || devt >= base + driver->num)
			continue;
		index = devt - base;
		if (driver->ops->lookup)
			tty = ERR_PTR(-EIO);
		else
			tty = tty_kref_get(driver->ttys[index]);
		break;
	}
	mutex_unlock(portown_tty_mutex);
	return tty;
}
#endif

/**
 * portown_tty_is_console() - is a tty a kernel console
 * @tty: the tty
 *
 * Context: process context; takes the console list's lock.
 * Return: true when a registered console writes to @tty.
 */
bool portown_tty_is_console(struct tty_struct *tty)
{
	struct console *con;
	bool found = false;
	int index;

	portown_consoles_lock();
	for_each_console(con) {
		if (con->device && con->device(con, &index) == tty->driver &&
		    index == tty->index) {
			found = true;
			break;
		}
	}
	portown_consoles_unlock();
	return found;
}

/**
 * portown_ttyfile_init() - check the "track" module parameter
 *
 * With track=all, also finds the devpts instance whose ptys are tracked.
 *
 * Context: module init.
 * Return: 0, or -EINVAL for a value other than "serial" and "all".
 */
int portown_ttyfile_init(void)
{
	portown_tty_lookup_init();
	if (!strcmp(track, "all"))
		portown_track_all = true;
	else if (strcmp(track, "serial"))
		return -EINVAL;
	if (portown_track_all)
		portown_find_devpts();
	return 0;
}

/**
 * portown_ttyfile_exit() - let go of what portown_ttyfile_init() holds
 *
 * Context: module exit, once nothing asks portown_tty_tracked() any more.
 */
void portown_ttyfile_exit(void)
{
	if (portown_devpts.mnt)
		path_put(&portown_devpts);
	portown_devpts.mnt = NULL;
}

/*
 * Is @tty a pty slave of the tracked devpts instance?  Its driver_data is
 * its node's dentry (set when the master was opened), alive while the
 * tty has descriptors: every caller has one in hand.
 */
static bool portown_pty_tracked(const struct tty_struct *tty)
{
	const struct dentry *node = tty->driver_data;

	return (tty->driver->flags & TTY_DRIVER_DEVPTS_MEM) && node &&
	       portown_devpts.mnt && node->d_sb == portown_devpts.mnt->mnt_sb;
}

/**
 * portown_tty_tracked() - does portown keep a record for this tty
 * @tty: the tty, with a descriptor or an open in progress
 *
 * Serial ttys always; with track=all every other tty too, except pty
 * masters (their slave is the port a program opens) and the pty slaves
 * of other devpts instances than init's.
 *
 * Context: any, including the probe handlers.
 * Return: true when the tty has a record.
 */
bool portown_tty_tracked(const struct tty_struct *tty)
{
	const struct tty_driver *drv = tty->driver;

	if (drv->type == TTY_DRIVER_TYPE_SERIAL)
		return true;
	if (!READ_ONCE(portown_track_all))
		return false;
	if (drv->type != TTY_DRIVER_TYPE_PTY)
		return true;
	return drv->subtype == PTY_TYPE_SLAVE && portown_pty_tracked(tty);
}

/* --- the caller's own descriptors -------------------------------------- */

struct portown_find_file {
	const struct tty_struct *tty;
	const void *want;
	struct file *file;
};

static int portown_match_tty(const void *arg, struct file *file, unsigned int fd)
{
	struct portown_find_file *f = (void *)arg;

	if (!portown_is_tty_file(file) || portown_file_tty(file) != f->tty ||
	    tty_hung_up_p(file))
		return 0;
	f->file = get_file(file);	/* in the table: its count is not 0 */
	return 1;
}

/**
 * portown_current_file() - a live descriptor of a tty that the caller holds
 * @tty: the tty
 *
 * Context: process context.
 * Return: the lowest-numbered such descriptor in the caller's table, with
 * a reference the caller drops with fput(), or NULL.
 */
struct file *portown_current_file(const struct tty_struct *tty)
{
	struct portown_find_file f = { .tty = tty };

	iterate_fd(current->files, 0, portown_match_tty, &f);
	return f.file;
}

static int portown_match_ptr(const void *arg, struct file *file, unsigned int fd)
{
	const struct portown_find_file *f = arg;

	return file == f->want;
}

/**
 * portown_current_holds() - does the caller's table hold a given file
 * @file: the file, compared by address only, never dereferenced
 *
 * Context: process context.
 * Return: true if one of the caller's descriptors is @file.
 */
bool portown_current_holds(const void *file)
{
	struct portown_find_file f = { .want = file };

	return file && iterate_fd(current->files, 0, portown_match_ptr, &f);
}

struct portown_find_devt {
	dev_t devt;
	struct tty_struct *tty;
};

static int portown_match_devt_tty(const void *arg, struct file *file, unsigned int fd)
{
	struct portown_find_devt *f = (void *)arg;
	struct tty_struct *tty;

	if (!portown_is_tty_file(file) || tty_hung_up_p(file))
		return 0;
	tty = portown_file_tty(file);
	if (!tty || tty_devnum(tty) != f->devt || !portown_tty_tracked(tty))
		return 0;
	f->tty = tty_kref_get(tty);	/* the descriptor holds it */
	return 1;
}

/**
 * portown_current_tty() - the tty of a port, through the caller's descriptor
 * @devt: the port's device number
 *
 * For a tty that cannot be looked up by number (a pty slave needs a
 * descriptor): the tty of one of the caller's live descriptors of it.
 *
 * Context: process context.
 * Return: the tty, referenced, or NULL.
 */
struct tty_struct *portown_current_tty(dev_t devt)
{
	struct portown_find_devt f = { .devt = devt };

	iterate_fd(current->files, 0, portown_match_devt_tty, &f);
	return f.tty;
}

static int portown_match_devt(const void *arg, struct file *file, unsigned int fd)
{
	const dev_t *devt = arg;
	struct tty_struct *tty;

	if (!portown_is_tty_file(file) || tty_hung_up_p(file))
		return 0;
	tty = portown_file_tty(file);
	return tty && tty_devnum(tty) == *devt && portown_tty_tracked(tty);
}

/**
 * portown_current_has_port() - does the caller hold a descriptor of a port
 * @devt: the port's device number
 *
 * A hung-up descriptor does not count: a hangup is how access is taken
 * back (vhangup() at a logout).
 *
 * Context: process context.
 * Return: true if one of the caller's live descriptors is of that tty.
 */
bool portown_current_has_port(dev_t devt)
{
	return iterate_fd(current->files, 0, portown_match_devt, &devt);
}

/* --- discovery: every process's descriptors ----------------------------- */

#define PORTOWN_FOUND_BATCH	32

struct portown_found_batch {
	struct portown_found found[PORTOWN_FOUND_BATCH];
	unsigned int n;
	unsigned int next_fd;
};

static int portown_collect_fd(const void *arg, struct file *file, unsigned int fd)
{
	struct portown_found_batch *b = (void *)arg;
	struct tty_struct *tty;

	if (b->n == PORTOWN_FOUND_BATCH) {
		b->next_fd = fd;
		return 1;
	}
	if (!portown_is_tty_file(file))
		return 0;
	tty = portown_file_tty(file);
	if (!tty || !portown_tty_tracked(tty))
		return 0;
	b->found[b->n].file = get_file(file);
	b->found[b->n].hungup = tty_hung_up_p(file);
	b->n++;
	return 0;
}

/* Identify @p in @who; caller holds its task lock (so not get_task_comm()). */
static void portown_task_who(struct task_struct *p, struct portown_who *who)
{
	who->pid = get_task_pid(p, PIDTYPE_TGID);
	who->uid = task_uid(p);
	who->since_ns = portown_now_ns();
	strscpy(who->comm, p->comm, sizeof(who->comm));
}

/* The tracked tty descriptors of one process, handed to @fn in batches. */
static void portown_walk_task(struct task_struct *p,
			      void (*fn)(const struct portown_found *found, unsigned int n,
					 const struct portown_who *who),
			      unsigned int *count)
{
	struct portown_found_batch *b;
	struct portown_who who = {};
	unsigned int i, from = 0;
	bool more;

	b = kmalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return;
	do {
		b->n = 0;
		b->next_fd = 0;
		task_lock(p);
		if (p->files) {
			if (!who.pid)
				portown_task_who(p, &who);
			iterate_fd(p->files, from, portown_collect_fd, b);
		}
		task_unlock(p);
		more = b->next_fd;
		from = b->next_fd;
		if (b->n)
			fn(b->found, b->n, &who);
		*count += b->n;
		for (i = 0; i < b->n; i++)
			fput(b->found[i].file);
	} while (more);
	portown_who_put(&who);
	kfree(b);
}

/**
 * portown_walk_descriptors() - find every open descriptor of a tracked tty
 * @fn: called in process context, without locks, with a batch of the
 *	descriptors one process holds (each referenced for the call) and
 *	that process's identity
 *
 * Walks every process's descriptor table, the way lsof does.  A
 * descriptor shared by several processes is found once per process.
 *
 * Context: process context; may sleep.
 * Return: the number of descriptors found.
 */
unsigned int portown_walk_descriptors(void (*fn)(const struct portown_found *found,
						 unsigned int n,
						 const struct portown_who *who))
{
	struct task_struct *p, **tasks;
	unsigned int n = 0, room, i, count = 0;

	rcu_read_lock();
	for_each_process(p)
		n++;
	rcu_read_unlock();
	room = n + 64;
	n = 0;
	tasks = kvmalloc_array(room, sizeof(*tasks), GFP_KERNEL);
	if (!tasks)
		return 0;
	rcu_read_lock();
	for_each_process(p) {
		if (n == room)
			break;		/* born since: the tap saw their opens */
		tasks[n++] = get_task_struct(p);
	}
	rcu_read_unlock();
	for (i = 0; i < n; i++) {
		portown_walk_task(tasks[i], fn, &count);
		put_task_struct(tasks[i]);
		cond_resched();
	}
	kvfree(tasks);
	return count;
}
