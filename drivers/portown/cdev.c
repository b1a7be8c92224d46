// SPDX-License-Identifier: GPL-2.0
/*
 * portown - /dev/portown, the control device: the ioctls, and a stream of
 * events.  Each open descriptor is a reader with its own queue of the
 * events recorded since it was opened; read() returns them as
 * struct portown_event records.  A full queue drops new events and counts
 * them; the reader is told with a PORTOWN_EV_OVERFLOW record after the
 * queued ones.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/pid_namespace.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include "portown.h"
#include "registry.h"

#define PORTOWN_QUEUE_LEN	256

struct portown_queued {
	struct portown_hist h;		/* h.who holds a pid reference */
	dev_t devt;
	char name[PORTOWN_NAME_LEN];
};

/**
 * struct portown_reader - an open /dev/portown
 * @node: in portown_readers
 * @wait: woken when an event is queued
 * @head: oldest queued event
 * @len: queued events
 * @lost: events dropped since the last overflow record
 * @pidns: the opener's pid namespace, for the pids it reads
 * @userns: the opener's user namespace, for the uids it reads
 * @q: the queue
 *
 * @node, @head, @len, @lost and @q are protected by portown_lock.
 */
struct portown_reader {
	struct list_head node;
	wait_queue_head_t wait;
	unsigned int head;
	unsigned int len;
	u64 lost;
	struct pid_namespace *pidns;
	struct user_namespace *userns;
	struct portown_queued q[PORTOWN_QUEUE_LEN];
};

static LIST_HEAD(portown_readers);

/**
 * portown_events_post() - queue an event for every reader
 * @port: the port
 * @e: the event, just recorded
 *
 * Context: caller holds portown_lock; does not sleep.
 */
void portown_events_post(const struct portown_port *port, const struct portown_hist *e)
{
	struct portown_reader *r;
	struct portown_queued *slot;

	lockdep_assert_held(&portown_lock);
	list_for_each_entry(r, &portown_readers, node) {
		if (r->len == PORTOWN_QUEUE_LEN) {
			r->lost++;
		} else {
			slot = &r->q[(r->head + r->len) % PORTOWN_QUEUE_LEN];
			slot->h = *e;
			get_pid(slot->h.who.pid);
			slot->devt = port->devt;
			strscpy(slot->name, port->name, sizeof(slot->name));
			r->len++;
		}
		wake_up_interruptible(&r->wait);
	}
}

static int portown_cdev_open(struct inode *inode, struct file *file)
{
	struct portown_reader *r;

	r = kvzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	init_waitqueue_head(&r->wait);
	r->pidns = get_pid_ns(task_active_pid_ns(current));
	r->userns = get_user_ns(current_user_ns());
	file->private_data = r;
	spin_lock(&portown_lock);
	list_add_tail(&r->node, &portown_readers);
	spin_unlock(&portown_lock);
	return nonseekable_open(inode, file);
}

static int portown_cdev_release(struct inode *inode, struct file *file)
{
	struct portown_reader *r = file->private_data;

	spin_lock(&portown_lock);
	list_del(&r->node);
	spin_unlock(&portown_lock);
	for (; r->len; r->len--, r->head = (r->head + 1) % PORTOWN_QUEUE_LEN)
		put_pid(r->q[r->head].h.who.pid);
	put_user_ns(r->userns);
	put_pid_ns(r->pidns);
	kvfree(r);
	return 0;
}

/* Take the next record for @r into @ev; false when there is none. */
static bool portown_reader_next(struct portown_reader *r, struct portown_event *ev)
{
	struct portown_queued item;
	u64 lost = 0;
	bool have;

	memset(ev, 0, sizeof(*ev));
	spin_lock(&portown_lock);
	have = r->len;
	if (have) {
		item = r->q[r->head];		/* takes over the pid reference */
		r->head = (r->head + 1) % PORTOWN_QUEUE_LEN;
		r->len--;
	} else {
		lost = r->lost;
		r->lost = 0;
	}
	spin_unlock(&portown_lock);

	if (!have) {
		if (!lost)
			return false;
		ev->type = PORTOWN_EV_OVERFLOW;
		ev->seq = lost;
		ev->time_ns = ktime_get_real_ns();
		return true;
	}
	ev->time_ns = item.h.time_ns;
	ev->seq = item.h.seq;
	ev->type = item.h.type;
	ev->state = item.h.state;
	ev->dev_major = MAJOR(item.devt);
	ev->dev_minor = MINOR(item.devt);
	portown_who_export_event(&item.h.who, &ev->who, r->pidns, r->userns);
	ev->who.flags |= item.h.flags;
	memcpy(ev->name, item.name, sizeof(ev->name));
	put_pid(item.h.who.pid);
	return true;
}

static bool portown_reader_ready(struct portown_reader *r)
{
	bool ready;

	spin_lock(&portown_lock);
	ready = r->len || r->lost;
	spin_unlock(&portown_lock);
	return ready;
}

static ssize_t portown_cdev_read(struct file *file, char __user *buf, size_t count,
				 loff_t *ppos)
{
	struct portown_reader *r = file->private_data;
	struct portown_event ev;
	size_t done = 0;
	int ret;

	if (count < sizeof(ev))
		return -EINVAL;
	while (!portown_reader_ready(r)) {
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(r->wait, portown_reader_ready(r));
		if (ret)
			return ret;
	}
	while (done + sizeof(ev) <= count && portown_reader_next(r, &ev)) {
		if (copy_to_user(buf + done, &ev, sizeof(ev)))
			return done ? done : -EFAULT;
		done += sizeof(ev);
	}
	return done;
}

static __poll_t portown_cdev_poll(struct file *file, poll_table *pt)
{
	struct portown_reader *r = file->private_data;

	poll_wait(file, &r->wait, pt);
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

/**
 * portown_cdev_init() - create /dev/portown
 *
 * Context: process context, module init.
 * Return: 0 or the errno of misc_register().
 */
int portown_cdev_init(void)
{
	int ret = misc_register(&portown_miscdev);

	if (ret)
		pr_err("cannot register /dev/portown (%d)\n", ret);
	return ret;
}

/**
 * portown_cdev_exit() - remove /dev/portown
 *
 * Context: process context, module exit.
 */
void portown_cdev_exit(void)
{
	misc_deregister(&portown_miscdev);
}
