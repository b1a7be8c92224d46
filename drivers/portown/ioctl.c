// SPDX-License-Identifier: GPL-2.0
/*
 * portown - the ioctls, served on /dev/portown and, through the shim, on
 * a tty descriptor.  See Documentation/userspace-api/portown.rst.
 *
 * Structures are copied in with copy_struct_from_user(): a caller built
 * against an older, smaller structure or a newer, larger one (with a zero
 * tail) is served; no more than the caller's size is written back.
 * Nothing is changed before every check has passed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/tty.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include "portown.h"
#include "registry.h"

/*
 * The port a request is about: named by the shim's tty, by a descriptor
 * or by device number.  @file is a descriptor of the port the caller
 * uses (needed to claim), @tty is set when the port is open.
 */
struct portown_target {
	struct file *file;		/* referenced when @put_file */
	bool put_file;
	struct tty_struct *tty;		/* referenced */
	dev_t devt;
	struct portown_port *port;	/* referenced, or NULL: untracked */
};

static void portown_target_put(struct portown_target *t)
{
	if (t->put_file)
		fput(t->file);
	tty_kref_put(t->tty);
	portown_port_put(t->port);
}

struct portown_find_file {
	struct tty_struct *tty;
	struct file *file;
};

static int portown_match_file(const void *arg, struct file *file, unsigned int fd)
{
	struct portown_find_file *f = (void *)arg;

	if (portown_is_tty_file(file) && portown_file_tty(file) == f->tty &&
	    !tty_hung_up_p(file)) {
		f->file = file;
		return 1;
	}
	return 0;
}

/* A live descriptor of @tty in the caller's table, or NULL.  No reference. */
static struct file *portown_current_file(struct tty_struct *tty)
{
	struct portown_find_file f = { .tty = tty };

	iterate_fd(current->files, 0, portown_match_file, &f);
	return f.file;
}

/*
 * A descriptor of a tracked tty that portown has no record of (opened
 * before the tap existed, or an event was lost): the caller holds it, so
 * it is recorded now, with the caller as its opener.
 */
static struct portown_port *portown_adopt(struct tty_struct *tty, struct file *file)
{
	struct portown_who who;
	struct portown_port *port;

	portown_who_current(&who);
	portown_track_open(tty, file, &who, GFP_KERNEL);
	portown_who_put(&who);
	port = portown_port_lookup(tty_devnum(tty));
	return port;
}

static int portown_target_get(struct tty_struct *shim_tty, s32 fd, u32 major, u32 minor,
			      struct portown_target *t)
{
	bool known;

	memset(t, 0, sizeof(*t));
	if (shim_tty) {
		t->tty = tty_kref_get(shim_tty);
		t->file = portown_current_file(shim_tty);
	} else if (fd >= 0) {
		t->file = fget(fd);
		if (!t->file)
			return -EBADF;
		t->put_file = true;
		if (!portown_is_tty_file(t->file))
			return -ENOTTY;
		t->tty = tty_kref_get(portown_file_tty(t->file));
		if (!t->tty)
			return -ENOTTY;
	} else if (fd == -1) {
		if (major >= (1U << (32 - MINORBITS)) || minor > MINORMASK)
			return -EINVAL;
		t->devt = MKDEV(major, minor);
		t->port = portown_port_lookup(t->devt);
		t->tty = tty_kopen_shared(t->devt);
		if (IS_ERR(t->tty)) {
			t->tty = NULL;
			return t->port ? 0 : -ENODEV;
		}
		if (t->tty && !t->port && !portown_tty_tracked(t->tty))
			return -ENODEV;
		if (t->tty && !t->port) {
			/* open, yet never seen: an event was lost; look now */
			portown_discover();
			t->port = portown_port_lookup(t->devt);
			if (t->port) {
				spin_lock(&portown_lock);
				portown_port_repair(t->port, NULL);
				spin_unlock(&portown_lock);
			}
		}
		return 0;
	} else {
		return -EBADF;
	}

	t->devt = tty_devnum(t->tty);
	if (!portown_tty_tracked(t->tty))
		return -ENODEV;
	t->port = portown_port_lookup(t->devt);
	if (t->file && !tty_hung_up_p(t->file)) {
		spin_lock(&portown_lock);
		known = t->port && portown_port_holder(t->port, t->file);
		spin_unlock(&portown_lock);
		if (!known) {
			portown_port_put(t->port);
			t->port = portown_adopt(t->tty, t->file);
		}
	}
	return 0;
}

static void portown_export(const struct portown_who *who, struct portown_ident *id)
{
	portown_who_export(who, id, task_active_pid_ns(current), current_user_ns());
}

/* Fill @info from the record; caller holds portown_lock. */
static void portown_fill_info(const struct portown_port *port, struct portown_info *info)
{
	struct portown_who owner;
	unsigned int f_flags = 0;

	info->state = portown_port_state(port);
	info->nr_holders = port->nr_holders;
	strscpy(info->name, port->name, sizeof(info->name));
	info->counters = port->counters;
	portown_port_owner(port, &owner, &f_flags);
	portown_export(&owner, &info->owner);
	if (owner.since_ns) {
		info->owner.open_flags = f_flags;
		if (port->claimed)
			info->owner.flags |= PORTOWN_ID_CLAIMER;
	}
	portown_who_put(&owner);
}

static void portown_fill_empty(struct portown_info *info)
{
	struct portown_who nobody = {};

	info->state = PORTOWN_STATE_CLOSED;
	info->nr_holders = 0;
	portown_export(&nobody, &info->owner);
}

static int portown_copy_in(void *dst, size_t size, void __user *arg, size_t min)
{
	u32 usize;
	int ret;

	if (get_user(usize, (u32 __user *)arg))
		return -EFAULT;
	if (usize < min)
		return -EINVAL;
	ret = copy_struct_from_user(dst, size, arg, usize);
	if (ret == -E2BIG)
		return -EINVAL;		/* a newer caller asked for what we lack */
	return ret;
}

static int portown_copy_out(void __user *arg, const void *src, size_t size, u32 usize)
{
	return copy_to_user(arg, src, min_t(size_t, size, usize)) ? -EFAULT : 0;
}

static long portown_ioc_info(struct tty_struct *shim_tty, void __user *arg)
{
	struct portown_target t;
	struct portown_info info;
	bool drop = false;
	int ret;

	ret = portown_copy_in(&info, sizeof(info), arg, PORTOWN_INFO_SIZE_VER0);
	if (ret)
		return ret;
	ret = portown_target_get(shim_tty, info.fd, info.dev_major, info.dev_minor, &t);
	if (ret)
		goto out;
	info.dev_major = MAJOR(t.devt);
	info.dev_minor = MINOR(t.devt);
	if (t.port) {
		spin_lock(&portown_lock);
		drop = portown_port_check_claimer(t.port);
		portown_fill_info(t.port, &info);
		spin_unlock(&portown_lock);
	} else {
		portown_fill_empty(&info);
	}
	if (drop && t.tty)
		clear_bit(TTY_EXCLUSIVE, &t.tty->flags);
	ret = portown_copy_out(arg, &info, sizeof(info), info.size);
out:
	portown_target_put(&t);
	return ret;
}

/*
 * The tty's own list of descriptors is the ground truth: a descriptor
 * whose open the tap has not recorded yet still counts.  Caller holds
 * portown_lock.
 */
static bool portown_tty_shared(struct tty_struct *tty, struct portown_port *port,
			       struct file *mine, struct pid *me)
{
	struct tty_file_private *priv;
	struct portown_holder *h;
	bool shared = false;

	spin_lock(&tty->files_lock);
	list_for_each_entry(priv, &tty->tty_files, list) {
		if (priv->file == mine || tty_hung_up_p(priv->file))
			continue;
		h = portown_port_holder(port, priv->file);
		if (!h || h->who.pid != me) {
			shared = true;
			break;
		}
	}
	spin_unlock(&tty->files_lock);
	return shared;
}

static long portown_ioc_claim(struct tty_struct *shim_tty, void __user *arg)
{
	struct portown_target t;
	struct portown_info info;
	struct portown_who who;
	int ret;

	ret = portown_copy_in(&info, sizeof(info), arg, PORTOWN_INFO_SIZE_VER0);
	if (ret)
		return ret;
	ret = portown_target_get(shim_tty, info.fd, info.dev_major, info.dev_minor, &t);
	if (ret)
		goto out;
	if (!t.file) {
		ret = -EBADF;		/* no claim without a descriptor */
		goto out;
	}
	if (tty_hung_up_p(t.file)) {
		ret = -EIO;
		goto out;
	}
	if (!t.port) {
		ret = -ENOMEM;
		goto out;
	}
	info.dev_major = MAJOR(t.devt);
	info.dev_minor = MINOR(t.devt);

	/*
	 * Through /dev/portown the tty lock keeps new descriptors out while
	 * the tty's list is scanned.  Through the shim the ioctl runs under
	 * the line discipline's semaphore, which ranks below the tty lock, so
	 * the exclusive bit is set first instead: an open that starts after
	 * it is refused, and one already past the check is in the list by the
	 * time tty_open() lets go of the tty lock it holds.
	 */
	portown_who_current(&who);
	if (!shim_tty)
		tty_lock(t.tty);
	spin_lock(&portown_lock);
	if (portown_port_check_claimer(t.port))
		clear_bit(TTY_EXCLUSIVE, &t.tty->flags);
	if (!t.port->claimed) {
		bool excl = !test_and_set_bit(TTY_EXCLUSIVE, &t.tty->flags);

		if (portown_tty_shared(t.tty, t.port, t.file, who.pid)) {
			if (excl)
				clear_bit(TTY_EXCLUSIVE, &t.tty->flags);
			portown_port_deny(t.port, &who);
			ret = -EBUSY;
		} else {
			ret = portown_port_claim(t.port, t.file, &who);
			if (!ret)
				t.port->claim_excl = excl;
			else if (excl)
				clear_bit(TTY_EXCLUSIVE, &t.tty->flags);
		}
	} else {
		ret = portown_port_claim(t.port, t.file, &who);
	}
	portown_fill_info(t.port, &info);
	spin_unlock(&portown_lock);
	if (!shim_tty)
		tty_unlock(t.tty);
	portown_who_put(&who);

	/* on EBUSY the caller learns who is in the way, in the same call */
	if (!ret || ret == -EBUSY) {
		int err = portown_copy_out(arg, &info, sizeof(info), info.size);

		ret = err ?: ret;
	}
out:
	portown_target_put(&t);
	return ret;
}

static long portown_ioc_release(struct tty_struct *shim_tty, void __user *arg)
{
	struct portown_target t;
	struct portown_info info;
	struct portown_who who;
	int ret;

	ret = portown_copy_in(&info, sizeof(info), arg, PORTOWN_INFO_SIZE_VER0);
	if (ret)
		return ret;
	ret = portown_target_get(shim_tty, info.fd, info.dev_major, info.dev_minor, &t);
	if (ret)
		goto out;
	if (!t.port) {
		ret = -ENOENT;
		goto out;
	}
	info.dev_major = MAJOR(t.devt);
	info.dev_minor = MINOR(t.devt);
	portown_who_current(&who);
	spin_lock(&portown_lock);
	ret = portown_port_release(t.port, who.pid, &who);
	portown_fill_info(t.port, &info);
	spin_unlock(&portown_lock);
	portown_who_put(&who);
	if (ret > 0 && t.tty)
		clear_bit(TTY_EXCLUSIVE, &t.tty->flags);
	if (ret >= 0)
		ret = portown_copy_out(arg, &info, sizeof(info), info.size);
out:
	portown_target_put(&t);
	return ret;
}

/* Room for at most this many entries in one call. */
#define PORTOWN_MAX_ENTRIES	4096

/*
 * Copy @n entries of @ksize bytes to a user array of @usize-byte entries:
 * the shorter of the two is copied, a longer user entry is zero-filled.
 */
static int portown_copy_array(u64 uptr, const void *kbuf, u32 n, size_t ksize, u32 usize)
{
	void __user *dst = u64_to_user_ptr(uptr);
	size_t len = min_t(size_t, ksize, usize);
	u32 i;

	for (i = 0; i < n; i++, dst += usize) {
		if (copy_to_user(dst, kbuf + i * ksize, len))
			return -EFAULT;
		if (usize > len && clear_user(dst + len, usize - len))
			return -EFAULT;
	}
	return 0;
}

static long portown_ioc_holders(struct tty_struct *shim_tty, void __user *arg)
{
	struct portown_ident *ids = NULL;
	struct portown_holders req;
	struct portown_holder *h;
	struct portown_target t;
	u32 room, n = 0, total = 0;
	int ret;

	ret = portown_copy_in(&req, sizeof(req), arg, PORTOWN_HOLDERS_SIZE_VER0);
	if (ret)
		return ret;
	if (req.count && req.entry_size < sizeof(struct portown_ident))
		return -EINVAL;
	ret = portown_target_get(shim_tty, req.fd, req.dev_major, req.dev_minor, &t);
	if (ret)
		goto out;
	room = min_t(u32, req.count, PORTOWN_MAX_ENTRIES);
	if (room) {
		ids = kcalloc(room, sizeof(*ids), GFP_KERNEL);
		if (!ids) {
			ret = -ENOMEM;
			goto out;
		}
	}
	if (t.port) {
		spin_lock(&portown_lock);
		list_for_each_entry(h, &t.port->holders, node) {
			total++;
			if (n == room)
				continue;
			portown_export(&h->who, &ids[n]);
			ids[n].open_flags = h->f_flags;
			if (h->hungup)
				ids[n].flags |= PORTOWN_ID_HUNGUP;
			if (h->privileged)
				ids[n].flags |= PORTOWN_ID_PRIVILEGED;
			if (t.port->claimed && t.port->claimer.pid == h->who.pid)
				ids[n].flags |= PORTOWN_ID_CLAIMER;
			n++;
		}
		spin_unlock(&portown_lock);
	}
	req.dev_major = MAJOR(t.devt);
	req.dev_minor = MINOR(t.devt);
	req.count = total;
	ret = portown_copy_array(req.holders, ids, n, sizeof(*ids), req.entry_size) ?:
	      portown_copy_out(arg, &req, sizeof(req), req.size);
out:
	kfree(ids);
	portown_target_put(&t);
	return ret;
}

static long portown_ioc_history(struct tty_struct *shim_tty, void __user *arg)
{
	struct portown_event *evs = NULL;
	struct portown_hist *hist = NULL;
	struct portown_history req;
	struct portown_target t;
	u32 room, n = 0, total = 0, i;
	int ret;

	ret = portown_copy_in(&req, sizeof(req), arg, PORTOWN_HISTORY_SIZE_VER0);
	if (ret)
		return ret;
	if (req.count && req.entry_size < sizeof(struct portown_event))
		return -EINVAL;
	ret = portown_target_get(shim_tty, req.fd, req.dev_major, req.dev_minor, &t);
	if (ret)
		goto out;
	room = min_t(u32, req.count, PORTOWN_HISTORY_LEN);
	if (room) {
		hist = kcalloc(room, sizeof(*hist), GFP_KERNEL);
		evs = kcalloc(room, sizeof(*evs), GFP_KERNEL);
		if (!hist || !evs) {
			ret = -ENOMEM;
			goto out;
		}
	}
	if (t.port) {
		spin_lock(&portown_lock);
		total = portown_port_history(t.port, hist, room);
		spin_unlock(&portown_lock);
		n = min(total, room);
	}
	for (i = 0; i < n; i++) {
		evs[i].time_ns = hist[i].time_ns;
		evs[i].seq = hist[i].seq;
		evs[i].type = hist[i].type;
		evs[i].state = hist[i].state;
		evs[i].dev_major = MAJOR(t.devt);
		evs[i].dev_minor = MINOR(t.devt);
		portown_who_export_event(&hist[i].who, &evs[i].who,
					 task_active_pid_ns(current), current_user_ns());
		evs[i].who.flags |= hist[i].flags;
		strscpy(evs[i].name, t.port->name, sizeof(evs[i].name));
		portown_who_put(&hist[i].who);
	}
	req.dev_major = MAJOR(t.devt);
	req.dev_minor = MINOR(t.devt);
	req.count = total;
	ret = portown_copy_array(req.events, evs, n, sizeof(*evs), req.entry_size) ?:
	      portown_copy_out(arg, &req, sizeof(req), req.size);
out:
	kfree(evs);
	kfree(hist);
	portown_target_put(&t);
	return ret;
}

static long portown_ioc_list(void __user *arg)
{
	struct portown_list_entry *buf = NULL;
	struct portown_list req;
	struct portown_port *port;
	u32 room, n = 0, total = 0;
	int ret;

	ret = portown_copy_in(&req, sizeof(req), arg, PORTOWN_LIST_SIZE_VER0);
	if (ret)
		return ret;
	if (req.__reserved)
		return -EINVAL;
	if (req.count && req.entry_size < sizeof(struct portown_list_entry))
		return -EINVAL;
	room = min_t(u32, req.count, PORTOWN_MAX_ENTRIES);
	if (room) {
		buf = kcalloc(room, sizeof(*buf), GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
	}
	spin_lock(&portown_lock);
	list_for_each_entry(port, portown_registry_ports(), node) {
		struct portown_info info = {};

		if (!portown_port_listed(port))
			continue;
		total++;
		if (n == room)
			continue;
		portown_fill_info(port, &info);
		buf[n].dev_major = MAJOR(port->devt);
		buf[n].dev_minor = MINOR(port->devt);
		buf[n].state = info.state;
		buf[n].nr_holders = info.nr_holders;
		buf[n].owner = info.owner;
		memcpy(buf[n].name, info.name, sizeof(buf[n].name));
		n++;
	}
	spin_unlock(&portown_lock);
	req.count = total;
	ret = portown_copy_array(req.ports, buf, n, sizeof(*buf), req.entry_size) ?:
	      portown_copy_out(arg, &req, sizeof(req), req.size);
	kfree(buf);
	return ret;
}

/* Can the caller claim the port now?  Caller holds portown_lock. */
static bool portown_claimable(struct portown_port *port, struct pid *me, struct file *mine)
{
	if (port->gone)
		return false;
	if (port->claimed && port->claimer.pid != me)
		return false;
	return !portown_port_held_by_other(port, me, mine, NULL, NULL);
}

static long portown_ioc_wait(struct tty_struct *shim_tty, void __user *arg)
{
	struct portown_target t;
	struct portown_wait req;
	unsigned long deadline = 0;
	struct pid *me;
	bool ok, drop, gone;
	long left;
	u64 seen;
	int ret;

	ret = portown_copy_in(&req, sizeof(req), arg, PORTOWN_WAIT_SIZE_VER0);
	if (ret)
		return ret;
	if (req.__reserved || req.timeout_ms < -1)
		return -EINVAL;
	ret = portown_target_get(shim_tty, req.fd, req.dev_major, req.dev_minor, &t);
	if (ret)
		goto out;
	req.dev_major = MAJOR(t.devt);
	req.dev_minor = MINOR(t.devt);
	if (req.timeout_ms > 0)
		deadline = jiffies + msecs_to_jiffies(min_t(s64, req.timeout_ms, INT_MAX));

	me = task_tgid(current);
	for (;;) {
		if (!t.port) {
			req.state = PORTOWN_STATE_CLOSED;
			break;
		}
		spin_lock(&portown_lock);
		drop = portown_port_check_claimer(t.port);
		ok = portown_claimable(t.port, me, t.file);
		gone = t.port->gone;
		req.state = portown_port_state(t.port);
		seen = t.port->seq;
		spin_unlock(&portown_lock);
		if (drop && t.tty)
			clear_bit(TTY_EXCLUSIVE, &t.tty->flags);
		if (ok)
			break;
		/* a removed device never comes back under this record */
		if (gone) {
			ret = -ENODEV;
			break;
		}
		/* through the shim, a hangup waits for this ioctl to return */
		if (shim_tty && t.file && tty_hung_up_p(t.file)) {
			ret = -EIO;
			break;
		}
		if (!req.timeout_ms || (deadline && time_after_eq(jiffies, deadline))) {
			ret = -ETIMEDOUT;
			break;
		}
		/* wake on every change; look again each second for exits */
		left = deadline ? min_t(long, deadline - jiffies, HZ) : HZ;
		left = wait_event_interruptible_timeout(t.port->wait,
							READ_ONCE(t.port->seq) != seen,
							max(left, 1L));
		if (left < 0) {
			ret = -EINTR;
			break;
		}
	}
	if (!ret || ret == -ETIMEDOUT) {
		int err = portown_copy_out(arg, &req, sizeof(req), req.size);

		ret = err ?: ret;
	}
out:
	portown_target_put(&t);
	return ret;
}

/* --- the baseline ------------------------------------------------------ */

static void portown_baseline_out(struct portown_baseline *b, const struct ktermios *k)
{
	b->c_iflag = k->c_iflag;
	b->c_oflag = k->c_oflag;
	b->c_cflag = k->c_cflag;
	b->c_lflag = k->c_lflag;
	b->c_line = N_TTY;
	memset(b->c_cc, 0, sizeof(b->c_cc));
	memcpy(b->c_cc, k->c_cc, min_t(size_t, sizeof(b->c_cc), sizeof(k->c_cc)));
	b->c_ispeed = k->c_ispeed;
	b->c_ospeed = k->c_ospeed;
}

static void portown_baseline_in(struct ktermios *k, const struct portown_baseline *b)
{
	struct ktermios in = {};

	memset(k, 0, sizeof(*k));
	k->c_iflag = b->c_iflag;
	k->c_oflag = b->c_oflag;
	k->c_cflag = b->c_cflag;
	k->c_lflag = b->c_lflag;
	k->c_line = N_TTY;
	memcpy(k->c_cc, b->c_cc, min_t(size_t, sizeof(b->c_cc), sizeof(k->c_cc)));
	k->c_ispeed = b->c_ispeed;
	k->c_ospeed = b->c_ospeed;
	/*
	 * As TCSETS2 leaves them, the speeds are those c_cflag says: the
	 * output speed's code, and the input speed's (CIBAUD), where B0
	 * means the output speed.
	 */
	k->c_ospeed = tty_termios_baud_rate(k);
	in.c_cflag = (k->c_cflag >> IBSHIFT) & CBAUD;
	in.c_ospeed = k->c_ispeed;
	k->c_ispeed = in.c_cflag ? tty_termios_baud_rate(&in) : k->c_ospeed;
}

/*
 * The record a baseline request is about; a port that is open but has no
 * record yet (never seen through the tap) gets one.
 */
static int portown_baseline_target(struct tty_struct *shim_tty, struct portown_baseline *b,
				   struct portown_target *t)
{
	int ret = portown_target_get(shim_tty, b->fd, b->dev_major, b->dev_minor, t);

	if (ret)
		return ret;
	if (!t->port && t->tty)
		t->port = portown_tty_port(t->tty);
	if (!t->port)
		return -ENODEV;
	b->dev_major = MAJOR(t->devt);
	b->dev_minor = MINOR(t->devt);
	return 0;
}

static long portown_ioc_get_baseline(struct tty_struct *shim_tty, void __user *arg)
{
	struct portown_baseline b;
	struct portown_target t;
	int ret;

	ret = portown_copy_in(&b, sizeof(b), arg, PORTOWN_BASELINE_SIZE_VER0);
	if (ret)
		return ret;
	if (b.flags)
		return -EINVAL;
	ret = portown_baseline_target(shim_tty, &b, &t);
	if (ret)
		goto out;
	spin_lock(&portown_lock);
	if (t.port->baseline_set) {
		b.flags = PORTOWN_BASELINE_ADMIN;
		portown_baseline_out(&b, &t.port->baseline);
	} else if (t.port->have_driver_termios) {
		portown_baseline_out(&b, &t.port->driver_termios);
	} else {
		ret = -ENODEV;		/* never tied to a tty: KUnit's */
	}
	spin_unlock(&portown_lock);
	if (!ret)
		ret = portown_copy_out(arg, &b, sizeof(b), b.size);
out:
	portown_target_put(&t);
	return ret;
}

static long portown_ioc_set_baseline(struct tty_struct *shim_tty, void __user *arg)
{
	struct portown_baseline b;
	struct portown_target t;
	struct ktermios k;
	bool reset;
	int ret;

	ret = portown_copy_in(&b, sizeof(b), arg, PORTOWN_BASELINE_SIZE_VER0);
	if (ret)
		return ret;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (b.flags & ~PORTOWN_BASELINE_RESET)
		return -EINVAL;
	reset = b.flags & PORTOWN_BASELINE_RESET;
	/*
	 * Never a discipline that could vanish, and never B0, which would
	 * drop the modem lines on every open.
	 */
	if (!reset && (b.c_line != N_TTY || !(b.c_cflag & CBAUD) ||
		       ((b.c_cflag & CBAUD) == BOTHER && !b.c_ospeed)))
		return -EINVAL;
	portown_baseline_in(&k, &b);
	ret = portown_baseline_target(shim_tty, &b, &t);
	if (ret)
		goto out;
	spin_lock(&portown_lock);
	t.port->baseline_set = !reset;
	if (!reset)
		t.port->baseline = k;
	b.flags = reset ? 0 : PORTOWN_BASELINE_ADMIN;
	spin_unlock(&portown_lock);
	ret = portown_copy_out(arg, &b, sizeof(b), b.size);
out:
	portown_target_put(&t);
	return ret;
}

/**
 * portown_ioctl() - serve a portown ioctl
 * @shim_tty: the tty when the request came through the shim, else NULL
 * @cmd: the command
 * @arg: its user pointer
 *
 * Context: process context; may sleep.
 * Commands are matched on type and number only: the size encoded in @cmd
 * is that of the caller's structure, which may be older or newer than
 * the module's; the structure's own size member says which.
 *
 * Return: 0 or a negative errno; -ENOIOCTLCMD for a command that is not
 * portown's, so the shim can pass it on to N_TTY.
 */
long portown_ioctl(struct tty_struct *shim_tty, unsigned int cmd, void __user *arg)
{
	if (_IOC_TYPE(cmd) != PORTOWN_IOC_MAGIC)
		return -ENOIOCTLCMD;
	switch (_IOC_NR(cmd)) {
	case _IOC_NR(PORTOWN_IOC_INFO):
		return portown_ioc_info(shim_tty, arg);
	case _IOC_NR(PORTOWN_IOC_CLAIM):
		return portown_ioc_claim(shim_tty, arg);
	case _IOC_NR(PORTOWN_IOC_RELEASE):
		return portown_ioc_release(shim_tty, arg);
	case _IOC_NR(PORTOWN_IOC_HOLDERS):
		return portown_ioc_holders(shim_tty, arg);
	case _IOC_NR(PORTOWN_IOC_WAIT):
		return portown_ioc_wait(shim_tty, arg);
	case _IOC_NR(PORTOWN_IOC_LIST):
		return portown_ioc_list(arg);
	case _IOC_NR(PORTOWN_IOC_HISTORY):
		return portown_ioc_history(shim_tty, arg);
	case _IOC_NR(PORTOWN_IOC_GET_BASELINE):
		return portown_ioc_get_baseline(shim_tty, arg);
	case _IOC_NR(PORTOWN_IOC_SET_BASELINE):
		return portown_ioc_set_baseline(shim_tty, arg);
	default:
		return -ENOTTY;
	}
}
