// SPDX-License-Identifier: GPL-2.0
/*
 * portown - /dev/portown, the control device: the ioctls, and a stream of
 * events.
 *
 * Every event recorded goes once into one shared log of the last
 * PORTOWN_LOG_LEN events; each open descriptor is a reader with its own
 * position in it, so an event costs the same whether one reader or a
 * hundred are open, and a reader costs a few dozen bytes (charged to its
 * memory cgroup) until it reads.  read() returns struct portown_event
 * records from the reader's position on; a reader that fell more than
 * PORTOWN_LOG_LEN events behind first gets a PORTOWN_EV_OVERFLOW record
 * with the number it lost.  A record is taken only once it was copied
 * out, so a fault loses nothing.  Identities are shown as policy.c allows
 * the reader, in the namespaces it opened the device in.
 *
 * Each user may have max_readers descriptors of /dev/portown open at once
 * (CAP_SYS_ADMIN is not limited).
 *
 * Owns: the misc device, the log, the readers and their per-user counts.
 * The log is filled by a listener on the live registry.
 *
 * Locks: the live registry's lock protects the log and the readers'
 * positions (the listener runs under it); a reader's own mutex keeps its
 * read() calls apart, and ranks above the registry's lock;
 * portown_users_lock the per-user counts.
 * Context: process context.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pid_namespace.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include "portown.h"
#include "registry.h"

#define PORTOWN_LOG_LEN		256
#define PORTOWN_READ_BATCH	8

static unsigned int max_readers = 64;
module_param(max_readers, uint, 0644);
MODULE_PARM_DESC(max_readers, "descriptors of /dev/portown one user may have open (default 64; root is not limited)");

struct portown_logged {
	struct portown_hist h;		/* h.who holds a pid reference */
	dev_t devt;
	char name[PORTOWN_NAME_LEN];
};

/* The log: the event numbered n (from 0) is in portown_log[n % LEN]. */
static struct portown_logged *portown_log;
static u64 portown_log_next;		/* events logged so far */
static unsigned int portown_nr_readers;
static DECLARE_WAIT_QUEUE_HEAD(portown_log_wait);

/**
 * struct portown_user - how many descriptors of /dev/portown a user has
 * @node: in portown_users
 * @uid: the user
 * @count: open descriptors
 */
struct portown_user {
	struct list_head node;
	kuid_t uid;
	unsigned int count;
};

static LIST_HEAD(portown_users);
static DEFINE_MUTEX(portown_users_lock);

/**
 * struct portown_reader - an open /dev/portown
 * @pos: the number of the next event to read (under the registry's lock)
 * @lock: keeps the reader's read() calls apart
 * @user: the opener's count, or NULL when not limited
 * @pidns: the opener's pid namespace, for the pids it reads
 * @userns: the opener's user namespace, for the uids it reads
 */
struct portown_reader {
	u64 pos;
	struct mutex lock;		/* keeps read() calls apart */
	struct portown_user *user;
	struct pid_namespace *pidns;
	struct user_namespace *userns;
};

/*
 * The registry's listener: log an event for the readers.  Called under
 * the registry's lock.  Costs one copy, whatever the number of readers;
 * nothing while there is none.
 */
static void portown_events_post(struct portown_listener *l, struct portown_port *port,
				const struct portown_hist *e)
{
	struct portown_logged *slot;

	lockdep_assert_held(&portown_live.lock);
	if (!portown_nr_readers)
		return;
	slot = &portown_log[portown_log_next % PORTOWN_LOG_LEN];
	put_pid(slot->h.who.pid);
	slot->h = *e;
	get_pid(slot->h.who.pid);
	slot->devt = port->devt;
	strscpy(slot->name, port->name, sizeof(slot->name));
	WRITE_ONCE(portown_log_next, portown_log_next + 1);
	wake_up_interruptible(&portown_log_wait);
}

/* Count a new descriptor of the calling user; -EMFILE past the limit. */
static int portown_user_get(struct portown_reader *r)
{
	struct portown_user *u;
	kuid_t uid = current_uid();
	int ret = 0;

	if (ns_capable_noaudit(&init_user_ns, CAP_SYS_ADMIN))
		return 0;
	mutex_lock(&portown_users_lock);
	list_for_each_entry(u, &portown_users, node)
		if (uid_eq(u->uid, uid))
			goto found;
	u = kzalloc(sizeof(*u), GFP_KERNEL_ACCOUNT);
	if (!u) {
		ret = -ENOMEM;
		goto out;
	}
	u->uid = uid;
	list_add(&u->node, &portown_users);
found:
	if (u->count >= READ_ONCE(max_readers)) {
		ret = -EMFILE;
		if (!u->count) {
			list_del(&u->node);
			kfree(u);
		}
		goto out;
	}
	u->count++;
	r->user = u;
out:
	mutex_unlock(&portown_users_lock);
	return ret;
}

static void portown_user_put(struct portown_reader *r)
{
	struct portown_user *u = r->user;

	if (!u)
		return;
	mutex_lock(&portown_users_lock);
	if (!--u->count) {
		list_del(&u->node);
		kfree(u);
	}
	mutex_unlock(&portown_users_lock);
}

static int portown_cdev_open(struct inode *inode, struct file *file)
{
	struct portown_reader *r;
	int ret;

	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return -ENOMEM;
	ret = portown_user_get(r);
	if (ret) {
		kfree(r);
		return ret;
	}
	mutex_init(&r->lock);
	r->pidns = get_pid_ns(task_active_pid_ns(current));
	r->userns = get_user_ns(current_user_ns());
	file->private_data = r;
	portown_registry_lock(&portown_live);
	r->pos = portown_log_next;
	portown_nr_readers++;
	portown_registry_unlock(&portown_live);
	return nonseekable_open(inode, file);
}

static int portown_cdev_release(struct inode *inode, struct file *file)
{
	struct portown_reader *r = file->private_data;

	portown_registry_lock(&portown_live);
	portown_nr_readers--;
	portown_registry_unlock(&portown_live);
	portown_user_put(r);
	put_user_ns(r->userns);
	put_pid_ns(r->pidns);
	mutex_destroy(&r->lock);
	kfree(r);
	return 0;
}

/* Events that were overwritten before @r read them; caller holds the registry's lock. */
static u64 portown_reader_lost(const struct portown_reader *r)
{
	u64 behind = portown_log_next - r->pos;

	return behind > PORTOWN_LOG_LEN ? behind - PORTOWN_LOG_LEN : 0;
}

/*
 * Without the registry's lock, for wait_event(): an event still in the tap's
 * ring is logged by the work item that applies it, which wakes the waiter.
 */
static bool portown_reader_ready_nolock(struct portown_reader *r)
{
	return READ_ONCE(r->pos) != READ_ONCE(portown_log_next);
}

static bool portown_reader_ready(struct portown_reader *r)
{
	bool ready;

	portown_registry_lock(&portown_live);
	ready = r->pos != portown_log_next;
	portown_registry_unlock(&portown_live);
	return ready;
}

/*
 * Take up to @max events from @r's position into @out (each with a pid
 * reference), or an overflow record when @r fell behind.  Returns the
 * number taken, with the position they start at in *@from; an overflow
 * record is one with @out[0].h.type PORTOWN_EV_OVERFLOW and seq the loss.
 */
static unsigned int portown_reader_peek(struct portown_reader *r, struct portown_logged *out,
					unsigned int max, u64 *from)
{
	unsigned int n = 0;
	u64 lost;

	portown_registry_lock(&portown_live);
	lost = portown_reader_lost(r);
	*from = r->pos;
	if (lost) {
		memset(out, 0, sizeof(*out));
		out->h.type = PORTOWN_EV_OVERFLOW;
		out->h.seq = lost;
		out->h.time_ns = portown_now_ns();
		n = 1;
	} else {
		for (; n < max && *from + n != portown_log_next; n++) {
			out[n] = portown_log[(*from + n) % PORTOWN_LOG_LEN];
			get_pid(out[n].h.who.pid);
		}
	}
	portown_registry_unlock(&portown_live);
	return n;
}

/* Advance @r past @n records taken at @from, unless the log moved past them. */
static void portown_reader_advance(struct portown_reader *r, const struct portown_logged *first,
				   u64 from, unsigned int n)
{
	portown_registry_lock(&portown_live);
	if (r->pos == from)
		WRITE_ONCE(r->pos, first->h.type == PORTOWN_EV_OVERFLOW ?
			   from + first->h.seq : from + n);
	portown_registry_unlock(&portown_live);
}

/*
 * The viewer for events of the port @devt, @name: the last one made in
 * this read() call when it is about the same port.
 */
static const struct portown_viewer *portown_reader_viewer(struct portown_reader *r,
							  struct portown_viewer *v,
							  dev_t *vdevt, dev_t devt,
							  const char *name)
{
	if (*vdevt != devt) {
		portown_viewer_init(v, devt, name, r->pidns, r->userns);
		*vdevt = devt;
	}
	return v;
}

static void portown_event_out(struct portown_event *ev, const struct portown_logged *item,
			      const struct portown_viewer *v)
{
	memset(ev, 0, sizeof(*ev));
	ev->time_ns = item->h.time_ns;
	ev->seq = item->h.seq;
	ev->type = item->h.type;
	if (ev->type == PORTOWN_EV_OVERFLOW)
		return;
	ev->state = item->h.state;
	ev->dev_major = MAJOR(item->devt);
	ev->dev_minor = MINOR(item->devt);
	portown_viewer_export_event(v, &item->h.who, &ev->who);
	ev->who.flags |= item->h.flags;
	memcpy(ev->name, item->name, sizeof(ev->name));
}

/* One batch of records to @buf; the number of bytes copied, or -EFAULT. */
static ssize_t portown_read_batch(struct portown_reader *r, char __user *buf, size_t room)
{
	struct portown_logged *items;
	struct portown_event ev;
	struct portown_viewer v;
	unsigned int n, i, done = 0;
	dev_t vdevt = 0;
	u64 from;

	items = kmalloc_array(PORTOWN_READ_BATCH, sizeof(*items), GFP_KERNEL);
	if (!items)
		return -ENOMEM;
	n = portown_reader_peek(r, items, min_t(size_t, PORTOWN_READ_BATCH,
						room / sizeof(ev)), &from);
	for (i = 0; i < n; i++) {
		portown_event_out(&ev, &items[i],
				  portown_reader_viewer(r, &v, &vdevt, items[i].devt,
							items[i].name));
		if (copy_to_user(buf + i * sizeof(ev), &ev, sizeof(ev)))
			break;
		done++;
	}
	if (done)
		portown_reader_advance(r, items, from, done);
	for (i = 0; i < n; i++)
		put_pid(items[i].h.who.pid);
	kfree(items);
	if (n && !done)
		return -EFAULT;
	return done * sizeof(ev);
}

static ssize_t portown_cdev_read(struct file *file, char __user *buf, size_t count,
				 loff_t *ppos)
{
	struct portown_reader *r = file->private_data;
	ssize_t done = 0, n;
	int ret;

	if (count < sizeof(struct portown_event))
		return -EINVAL;
	do {
		while (!portown_reader_ready(r)) {
			if (file->f_flags & O_NONBLOCK)
				return -EAGAIN;
			ret = wait_event_interruptible(portown_log_wait,
						       portown_reader_ready_nolock(r));
			if (ret)
				return ret;
		}
		if (mutex_lock_interruptible(&r->lock))
			return -ERESTARTSYS;
		while (done + sizeof(struct portown_event) <= count) {
			n = portown_read_batch(r, buf + done, count - done);
			if (n <= 0) {
				if (!done)
					done = n;
				break;
			}
			done += n;
		}
		mutex_unlock(&r->lock);
		/* another read() of the same descriptor took them first: wait again */
	} while (!done);
	return done;
}

static __poll_t portown_cdev_poll(struct file *file, poll_table *pt)
{
	struct portown_reader *r = file->private_data;

	poll_wait(file, &portown_log_wait, pt);
	return portown_reader_ready(r) ? EPOLLIN | EPOLLRDNORM : 0;
}

static long portown_cdev_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
{
	long ret = portown_ioctl(NULL, cmd, (void __user *)arg);

	return ret == -ENOIOCTLCMD ? -ENOTTY : ret;
}

static const struct file_operations portown_cdev_fops = {
	.owner		= THIS_MODULE,
	.open		= portown_cdev_open,
	.release	= portown_cdev_release,
	.read		= portown_cdev_read,
	.poll		= portown_cdev_poll,
	.unlocked_ioctl	= portown_cdev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice portown_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "portown",
	.fops	= &portown_cdev_fops,
	.mode	= 0666,
};

static struct portown_listener portown_events_listener = {
	.event = portown_events_post,
};

/**
 * portown_cdev_init() - create /dev/portown
 *
 * Context: process context, module init.
 * Return: 0, -ENOMEM, or the errno of misc_register().
 */
int portown_cdev_init(void)
{
	int ret;

	portown_log = kvcalloc(PORTOWN_LOG_LEN, sizeof(*portown_log), GFP_KERNEL);
	if (!portown_log)
		return -ENOMEM;
	portown_registry_listen(&portown_live, &portown_events_listener);
	ret = misc_register(&portown_miscdev);
	if (ret) {
		pr_err("cannot register /dev/portown (%d)\n", ret);
		portown_registry_unlisten(&portown_live, &portown_events_listener);
		kvfree(portown_log);
	}
	return ret;
}

/**
 * portown_cdev_exit() - remove /dev/portown
 *
 * Context: process context, module exit: no descriptor is open (each
 * holds a reference on the module).
 */
void portown_cdev_exit(void)
{
	unsigned int i;

	misc_deregister(&portown_miscdev);
	portown_registry_unlisten(&portown_live, &portown_events_listener);
	for (i = 0; i < PORTOWN_LOG_LEN; i++)
		put_pid(portown_log[i].h.who.pid);
	kvfree(portown_log);
}
