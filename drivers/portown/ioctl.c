// SPDX-License-Identifier: GPL-2.0
/*
 * portown - the ioctls, served on /dev/portown and, through the shim, on
 * a tty descriptor.  See Documentation/userspace-api/portown.rst.
 *
 * Structures are copied in with copy_struct_from_user(): a caller built
 * against an older, smaller structure or a newer, larger one (with a zero
 * tail, and no larger than a page, as openat2() and clone3() bound theirs)
 * is served; no more than the caller's size is written back.  Nothing is
 * changed before every check has passed.  Identities are shown as
 * policy.c allows the caller.
 *
 * Owns: nothing beyond a request; the port a request names is found by
 * target.c.
 * Locks: a tty lock, then the live registry's lock (taken with
 * portown_registry_lock()); never copy_to_user() under the registry's
 * lock.  Through the shim the ioctl runs under the line discipline's
 * semaphore, which ranks below the tty lock, so the tty lock is only
 * tried there (portown_target_lock()).
 * Context: process context.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/tty.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include "portown.h"
#include "registry.h"

/* Fill @info from the record; caller holds the registry's lock. */
static void portown_fill_info(const struct portown_port *port, const struct portown_viewer *v,
			      struct portown_info *info)
{
	struct portown_who owner;
	unsigned int f_flags = 0;

	info->state = portown_port_state(port);
	info->nr_holders = port->nr_holders;
	strscpy(info->name, port->name, sizeof(info->name));
	info->counters = port->counters;
	info->reset = port->reset;
	info->__reserved = 0;
	portown_port_owner(port, &owner, &f_flags);
	portown_viewer_export(v, &owner, &info->owner);
	if (owner.since_ns) {
		if (!(info->owner.flags & PORTOWN_ID_HIDDEN))
			info->owner.open_flags = f_flags;
		if (portown_port_claim_of(port))
			info->owner.flags |= PORTOWN_ID_CLAIMER;
	}
	portown_who_put(&owner);
}

static void portown_fill_empty(const char *name, struct portown_info *info)
{
	memset(&info->owner, 0, sizeof(info->owner));
	info->owner.uid = (u32)-1;
	info->state = PORTOWN_STATE_CLOSED;
	info->nr_holders = 0;
	strscpy(info->name, name, sizeof(info->name));
	info->reset = PORTOWN_RESET_HANGUP;
	info->__reserved = 0;
}

static int portown_copy_in(void *dst, size_t size, void __user *arg, size_t min)
{
	u32 usize;
	int ret;

	if (get_user(usize, (u32 __user *)arg))
		return -EFAULT;
	if (usize < min)
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	ret = copy_struct_from_user(dst, size, arg, usize);
	if (ret == -E2BIG)
		return -EINVAL;		/* a newer caller asked for what we lack */
	return ret;
}

static int portown_copy_out(void __user *arg, const void *src, size_t size, u32 usize)
{
	return copy_to_user(arg, src, min_t(size_t, size, usize)) ? -EFAULT : 0;
}

/* An array request's entry size: at least @min (with room), at most a page. */
static int portown_entry_size(u32 count, u32 entry_size, size_t min)
{
	if (entry_size > PAGE_SIZE)
		return -E2BIG;
	if (count && entry_size < min)
		return -EINVAL;
	return 0;
}

/*
 * INFO and CLAIM: the request copied in, its port found, the caller's view
 * of it made.  @t is ready for portown_target_put() whatever the result.
 */
static int portown_info_start(struct tty_struct *shim_tty, void __user *arg,
			      struct portown_info *info, struct portown_target *t,
			      struct portown_viewer *v)
{
	int ret;

	memset(t, 0, sizeof(*t));
	ret = portown_copy_in(info, sizeof(*info), arg, PORTOWN_INFO_SIZE_VER0) ?:
	      portown_target_get(shim_tty, info->fd, info->dev_major, info->dev_minor, t);
	if (ret)
		return ret;
	portown_viewer_init_current(v, t->devt, t->name);
	info->dev_major = MAJOR(t->devt);
	info->dev_minor = MINOR(t->devt);
	return 0;
}

static long portown_ioc_info(struct tty_struct *shim_tty, void __user *arg)
{
	struct portown_viewer v;
	struct portown_target t;
	struct portown_info info;
	int ret;

	ret = portown_info_start(shim_tty, arg, &info, &t, &v);
	if (ret)
		goto out;
	portown_target_end_dead_claim(&t);
	portown_registry_lock(&portown_live);
	if (t.port)
		portown_fill_info(t.port, &v, &info);
	else
		portown_fill_empty(t.name, &info);
	portown_registry_unlock(&portown_live);
	ret = portown_copy_out(arg, &info, sizeof(info), info.size);
out:
	portown_target_put(&t);
	return ret;
}

/*
 * The tty's own list of descriptors is the ground truth: a descriptor
 * whose open the tap has not recorded yet still counts.  Caller holds
 * the registry's lock.
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

/*
 * Claim @t's port for the caller; caller holds the tty lock and
 * the registry's lock.  An unclaimed port is made exclusive, then the tty's
 * descriptors are scanned: under the tty lock, no open is between its
 * check of the bit and its entry in the list.
 */
static int portown_claim_locked(struct portown_target *t, const struct portown_who *who)
{
	struct portown_port *port = t->port;
	bool excl;
	int ret;

	if (portown_port_end_dead_claim(port))
		clear_bit(TTY_EXCLUSIVE, &t->tty->flags);
	if (tty_hung_up_p(t->file))
		return -EIO;		/* hung up since the caller looked */
	if (portown_port_claim_of(port))
		return portown_port_claim(port, t->file, who, false);
	excl = !test_and_set_bit(TTY_EXCLUSIVE, &t->tty->flags);
	if (portown_tty_shared(t->tty, port, t->file, who->pid)) {
		if (excl)
			clear_bit(TTY_EXCLUSIVE, &t->tty->flags);
		portown_port_deny(port, who);
		return -EBUSY;
	}
	ret = portown_port_claim(port, t->file, who, excl);
	if (ret && excl)
		clear_bit(TTY_EXCLUSIVE, &t->tty->flags);
	return ret;
}

static long portown_ioc_claim(struct tty_struct *shim_tty, void __user *arg)
{
	struct portown_viewer v;
	struct portown_target t;
	struct portown_info info;
	struct portown_who who;
	int ret;

	ret = portown_info_start(shim_tty, arg, &info, &t, &v);
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

	ret = portown_target_lock(&t);
	if (ret)
		goto out;
	portown_who_current(&who);
	portown_registry_lock(&portown_live);
	ret = portown_claim_locked(&t, &who);
	if (ret == -EBUSY)
		portown_why_refused(t.port, &who, "claim");
	portown_fill_info(t.port, &v, &info);
	portown_registry_unlock(&portown_live);
	portown_target_unlock(&t);
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
	struct portown_claim *claim;
	struct portown_viewer v;
	struct portown_target t;
	struct portown_info info;
	struct portown_who who;
	const void *file;
	int ret;

	ret = portown_copy_in(&info, sizeof(info), arg, PORTOWN_INFO_SIZE_VER0);
	if (ret)
		return ret;
	ret = portown_target_get(shim_tty, info.fd, info.dev_major, info.dev_minor, &t);
	if (ret)
		goto out;
	if (!t.port || !t.tty) {
		ret = -ENOENT;		/* a port that is not open has no claim */
		goto out;
	}
	portown_viewer_init_current(&v, t.devt, t.name);
	info.dev_major = MAJOR(t.devt);
	info.dev_minor = MINOR(t.devt);
	portown_who_current(&who);
	portown_registry_lock(&portown_live);
	/* whoever holds the descriptor a claim was made through may end it */
	claim = portown_port_claim_of(t.port);
	file = t.file;
	if (!file && claim && portown_current_holds(claim->file))
		file = claim->file;
	ret = portown_port_release(t.port, who.pid, file, &who);
	/* before the lock goes: a claim that follows must find the bit clear */
	if (ret > 0)
		clear_bit(TTY_EXCLUSIVE, &t.tty->flags);
	portown_fill_info(t.port, &v, &info);
	portown_registry_unlock(&portown_live);
	portown_who_put(&who);
	if (ret >= 0)
		ret = portown_copy_out(arg, &info, sizeof(info), info.size);
out:
	portown_target_put(&t);
	return ret;
}

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

/*
 * Room for the entries of an array request: no more than the caller
 * asked for and no more than exist (@total, as counted a moment ago;
 * the fill stops at the room).
 */
static void *portown_entries_alloc(u32 count, u32 total, size_t size, u32 *room)
{
	*room = min(count, total);
	if (!*room)
		return NULL;
	return kvcalloc(*room, size, GFP_KERNEL_ACCOUNT);
}

/*
 * Fill @ids with the first @room holders of @port as @v sees them, and
 * @n with how many that is.  Return the number of holders.  Caller holds
 * the registry's lock.
 */
static u32 portown_fill_holders(const struct portown_port *port, const struct portown_viewer *v,
				struct portown_ident *ids, u32 room, u32 *n)
{
	struct portown_claim *claim = portown_port_claim_of(port);
	struct portown_holder *h;
	u32 total = 0;

	for (h = port->holders; h; h = h->next) {
		struct portown_ident *id;

		total++;
		if (*n == room)
			continue;
		id = &ids[*n];
		portown_viewer_export(v, &h->who, id);
		if (!(id->flags & PORTOWN_ID_HIDDEN))
			id->open_flags = h->f_flags;
		if (h->hungup)
			id->flags |= PORTOWN_ID_HUNGUP;
		if (h->privileged)
			id->flags |= PORTOWN_ID_PRIVILEGED;
		if (claim && claim->who.pid == h->who.pid)
			id->flags |= PORTOWN_ID_CLAIMER;
		(*n)++;
	}
	return total;
}

/* HOLDERS: every holder of the port, as the caller sees it. */
static int portown_holders_fill(const struct portown_target *t, const struct portown_viewer *v,
				u32 count, void **buf, u32 *n, u32 *total)
{
	struct portown_ident *ids;
	u32 room;

	if (!t->port)
		return 0;
	portown_registry_lock(&portown_live);
	*total = t->port->nr_holders;
	portown_registry_unlock(&portown_live);
	ids = portown_entries_alloc(count, *total, sizeof(*ids), &room);
	if (room && !ids)
		return -ENOMEM;
	*buf = ids;
	portown_registry_lock(&portown_live);
	*total = portown_fill_holders(t->port, v, ids, room, n);
	portown_registry_unlock(&portown_live);
	return 0;
}

/* @n events of @t's history as @v sees them; drops @hist's references. */
static void portown_fill_events(const struct portown_target *t, const struct portown_viewer *v,
				struct portown_hist *hist, struct portown_event *evs, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++) {
		evs[i].time_ns = hist[i].time_ns;
		evs[i].seq = hist[i].seq;
		evs[i].type = hist[i].type;
		evs[i].state = hist[i].state;
		evs[i].dev_major = MAJOR(t->devt);
		evs[i].dev_minor = MINOR(t->devt);
		portown_viewer_export_event(v, &hist[i].who, &evs[i].who);
		evs[i].who.flags |= hist[i].flags;
		strscpy(evs[i].name, t->name, sizeof(evs[i].name));
		portown_who_put(&hist[i].who);
	}
}

/* HISTORY: the port's last events, as the caller sees them. */
static int portown_history_fill(const struct portown_target *t, const struct portown_viewer *v,
				u32 count, void **buf, u32 *n, u32 *total)
{
	u32 room = min_t(u32, count, PORTOWN_HISTORY_LEN);
	struct portown_event *evs = NULL;
	struct portown_hist *hist = NULL;

	if (room) {
		hist = kcalloc(room, sizeof(*hist), GFP_KERNEL);
		evs = kcalloc(room, sizeof(*evs), GFP_KERNEL);
		if (!hist || !evs) {
			kfree(hist);
			kfree(evs);
			return -ENOMEM;
		}
	}
	*buf = evs;
	if (t->port) {
		portown_registry_lock(&portown_live);
		*total = portown_port_history(t->port, hist, room);
		portown_registry_unlock(&portown_live);
		*n = min(*total, room);
	}
	portown_fill_events(t, v, hist, evs, *n);
	kfree(hist);
	return 0;
}

/**
 * struct portown_array_kind - a request for entries about one port
 * @ver0: the size of the request's first version
 * @entry_size: the size of an entry, as this kernel knows it
 * @fill: sets *@buf (for kvfree()) to up to @count entries of @t as @v
 *	sees them, *@n to how many, *@total to how many exist; returns 0 or
 *	an errno
 */
struct portown_array_kind {
	size_t ver0;
	size_t entry_size;
	int (*fill)(const struct portown_target *t, const struct portown_viewer *v,
		    u32 count, void **buf, u32 *n, u32 *total);
};

static const struct portown_array_kind portown_holders_kind = {
	.ver0 = PORTOWN_HOLDERS_SIZE_VER0,
	.entry_size = sizeof(struct portown_ident),
	.fill = portown_holders_fill,
};

static const struct portown_array_kind portown_history_kind = {
	.ver0 = PORTOWN_HISTORY_SIZE_VER0,
	.entry_size = sizeof(struct portown_event),
	.fill = portown_history_fill,
};

/* HOLDERS and HISTORY take requests of one layout: a port, and an array for it. */
static_assert(sizeof(struct portown_holders) == sizeof(struct portown_history));
static_assert(offsetof(struct portown_holders, count) == offsetof(struct portown_history, count));
static_assert(offsetof(struct portown_holders, holders) ==
	      offsetof(struct portown_history, events));
static_assert(offsetof(struct portown_holders, __reserved) ==
	      offsetof(struct portown_history, __reserved));

static long portown_ioc_port_array(struct tty_struct *shim_tty, void __user *arg,
				   const struct portown_array_kind *kind)
{
	struct portown_holders req;	/* or a struct portown_history */
	struct portown_viewer v;
	struct portown_target t = {};
	u32 n = 0, total = 0;
	void *buf = NULL;
	int ret;

	ret = portown_copy_in(&req, sizeof(req), arg, kind->ver0);
	if (ret)
		return ret;
	if (req.__reserved)
		return -EINVAL;
	ret = portown_entry_size(req.count, req.entry_size, kind->entry_size) ?:
	      portown_target_get(shim_tty, req.fd, req.dev_major, req.dev_minor, &t);
	if (ret)
		goto out;
	portown_viewer_init_current(&v, t.devt, t.name);
	ret = kind->fill(&t, &v, req.count, &buf, &n, &total);
	if (ret)
		goto out;
	req.dev_major = MAJOR(t.devt);
	req.dev_minor = MINOR(t.devt);
	req.count = total;
	req.written = n;
	ret = portown_copy_array(req.holders, buf, n, kind->entry_size, req.entry_size) ?:
	      portown_copy_out(arg, &req, sizeof(req), req.size);
out:
	kvfree(buf);
	portown_target_put(&t);
	return ret;
}

/*
 * Fill @e with @port as the caller sees it.  The viewer is made without
 * the registry's lock (finding the device node may sleep).  Return false
 * for a record that has left the registry since the snapshot.
 */
static bool portown_list_entry(struct portown_port *port, struct portown_list_entry *e)
{
	struct portown_info info = {};
	struct portown_viewer v;
	bool listed;

	portown_viewer_init_current(&v, port->devt, port->name);
	portown_registry_lock(&portown_live);
	listed = portown_port_listed(port);
	if (listed)
		portown_fill_info(port, &v, &info);
	portown_registry_unlock(&portown_live);
	if (!listed)
		return false;
	e->dev_major = MAJOR(port->devt);
	e->dev_minor = MINOR(port->devt);
	e->state = info.state;
	e->nr_holders = info.nr_holders;
	e->owner = info.owner;
	memcpy(e->name, info.name, sizeof(e->name));
	return true;
}

static long portown_ioc_list(void __user *arg)
{
	struct portown_list_entry *buf = NULL;
	struct portown_port **ports;
	struct portown_list req;
	u32 room, n = 0, total = 0, i;
	int ret;

	ret = portown_copy_in(&req, sizeof(req), arg, PORTOWN_LIST_SIZE_VER0);
	if (ret)
		return ret;
	if (req.__reserved || req.__reserved2)
		return -EINVAL;
	ret = portown_entry_size(req.count, req.entry_size, sizeof(*buf));
	if (ret)
		return ret;
	ports = portown_track_snapshot(&total);
	if (!ports)
		return -ENOMEM;
	buf = portown_entries_alloc(req.count, total, sizeof(*buf), &room);
	if (room && !buf) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < total && n < room; i++)
		n += portown_list_entry(ports[i], &buf[n]);
	req.count = total;
	req.written = n;
	ret = portown_copy_array(req.ports, buf, n, sizeof(*buf), req.entry_size) ?:
	      portown_copy_out(arg, &req, sizeof(req), req.size);
out:
	portown_track_snapshot_put(ports, total);
	kvfree(buf);
	return ret;
}

/* Can the caller claim the port now?  Caller holds the registry's lock. */
static bool portown_claimable(struct portown_port *port, struct pid *me, struct file *mine)
{
	struct portown_claim *claim = portown_port_claim_of(port);

	if (port->gone)
		return false;
	if (claim && claim->who.pid != me)
		return false;
	return !portown_port_held_by_other(port, me, mine, NULL, NULL);
}

/*
 * One look at a waited-for port: 0 when it can be claimed, -EAGAIN to
 * wait for the next change (whose sequence number is in @seen), or the
 * error that ends the wait.
 */
static int portown_wait_check(struct portown_target *t, struct portown_wait *req, u64 *seen)
{
	struct pid *me = task_tgid(current);
	bool ok, gone;

	if (!t->port) {
		req->state = PORTOWN_STATE_CLOSED;
		return 0;
	}
	/* through the shim, a hangup waits for this ioctl to return */
	if (t->shim && t->file && tty_hung_up_p(t->file))
		return -EIO;
	portown_target_end_dead_claim(t);
	portown_registry_lock(&portown_live);
	ok = portown_claimable(t->port, me, t->file);
	gone = t->port->gone;
	req->state = portown_port_state(t->port);
	*seen = t->port->seq;
	portown_registry_unlock(&portown_live);
	if (ok)
		return 0;
	/* a removed device never comes back under this record */
	if (gone)
		return -ENODEV;
	return -EAGAIN;
}

static long portown_ioc_wait(struct tty_struct *shim_tty, void __user *arg)
{
	struct portown_target t;
	struct portown_wait req;
	unsigned long deadline = 0;
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

	while ((ret = portown_wait_check(&t, &req, &seen)) == -EAGAIN) {
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
 * The record a request to configure a port is about; a port that is open
 * but has no record yet (never seen through the tap) gets one.
 */
static int portown_record_target(struct tty_struct *shim_tty, s32 fd, u32 major, u32 minor,
				 struct portown_target *t)
{
	int ret = portown_target_get(shim_tty, fd, major, minor, t);

	if (ret)
		return ret;
	if (!t->port && t->tty) {
		portown_registry_lock(&portown_live);
		t->port = portown_track_tty(t->tty);
		if (t->port)
			kref_get(&t->port->kref);
		portown_registry_unlock(&portown_live);
	}
	return t->port ? 0 : -ENODEV;
}

/* The record of a baseline request, with its number written back. */
static int portown_baseline_target(struct tty_struct *shim_tty, struct portown_baseline *b,
				   struct portown_target *t)
{
	int ret = portown_record_target(shim_tty, b->fd, b->dev_major, b->dev_minor, t);

	if (ret)
		return ret;
	b->dev_major = MAJOR(t->devt);
	b->dev_minor = MINOR(t->devt);
	return 0;
}

static long portown_ioc_get_baseline(struct tty_struct *shim_tty, void __user *arg)
{
	struct portown_baseline b;
	struct portown_target t;
	struct ktermios k;
	bool known;
	int ret;

	ret = portown_copy_in(&b, sizeof(b), arg, PORTOWN_BASELINE_SIZE_VER0);
	if (ret)
		return ret;
	if (b.flags)
		return -EINVAL;
	ret = portown_baseline_target(shim_tty, &b, &t);
	if (ret)
		goto out;
	portown_registry_lock(&portown_live);
	if (portown_port_baseline(t.port, &k))
		b.flags = PORTOWN_BASELINE_ADMIN;
	known = b.flags || t.port->have_driver_termios;
	portown_registry_unlock(&portown_live);
	if (known) {
		portown_baseline_out(&b, &k);
		ret = portown_copy_out(arg, &b, sizeof(b), b.size);
	} else {
		ret = -ENODEV;		/* never tied to a tty: KUnit's */
	}
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
	portown_registry_lock(&portown_live);
	ret = portown_port_set_baseline(t.port, reset ? NULL : &k);
	portown_registry_unlock(&portown_live);
	b.flags = reset ? 0 : PORTOWN_BASELINE_ADMIN;
	if (!ret)
		ret = portown_copy_out(arg, &b, sizeof(b), b.size);
out:
	portown_target_put(&t);
	return ret;
}

static long portown_ioc_set_reset(struct tty_struct *shim_tty, void __user *arg)
{
	struct portown_target t = {};
	struct portown_reset r;
	int ret;

	ret = portown_copy_in(&r, sizeof(r), arg, PORTOWN_RESET_SIZE_VER0);
	if (ret)
		return ret;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (r.__reserved || r.reset > PORTOWN_RESET_NEVER)
		return -EINVAL;
	ret = portown_record_target(shim_tty, r.fd, r.dev_major, r.dev_minor, &t);
	if (ret)
		goto out;
	portown_registry_lock(&portown_live);
	ret = portown_port_set_reset(t.port, r.reset);
	portown_registry_unlock(&portown_live);
	r.dev_major = MAJOR(t.devt);
	r.dev_minor = MINOR(t.devt);
	if (!ret)
		ret = portown_copy_out(arg, &r, sizeof(r), r.size);
out:
	portown_target_put(&t);
	return ret;
}

/* WHY: every reason the kernel knows the port is busy (why.c). */
static long portown_ioc_why(struct tty_struct *shim_tty, void __user *arg)
{
	struct portown_viewer v;
	struct portown_target t;
	struct portown_why w;
	int ret;

	memset(&t, 0, sizeof(t));
	ret = portown_copy_in(&w, sizeof(w), arg, PORTOWN_WHY_SIZE_VER0) ?:
	      portown_target_get(shim_tty, w.fd, w.dev_major, w.dev_minor, &t);
	if (ret)
		goto out;
	if (w.__reserved) {
		ret = -EINVAL;
		goto out;
	}
	portown_viewer_init_current(&v, t.devt, t.name);
	w.dev_major = MAJOR(t.devt);
	w.dev_minor = MINOR(t.devt);
	portown_target_end_dead_claim(&t);
	strscpy(w.name, t.name, sizeof(w.name));
	portown_registry_lock(&portown_live);
	portown_why_fill(t.port, t.tty, &v, &w);
	portown_registry_unlock(&portown_live);
	ret = portown_copy_out(arg, &w, sizeof(w), w.size);
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
		return portown_ioc_port_array(shim_tty, arg, &portown_holders_kind);
	case _IOC_NR(PORTOWN_IOC_WAIT):
		return portown_ioc_wait(shim_tty, arg);
	case _IOC_NR(PORTOWN_IOC_LIST):
		return portown_ioc_list(arg);
	case _IOC_NR(PORTOWN_IOC_HISTORY):
		return portown_ioc_port_array(shim_tty, arg, &portown_history_kind);
	case _IOC_NR(PORTOWN_IOC_GET_BASELINE):
		return portown_ioc_get_baseline(shim_tty, arg);
	case _IOC_NR(PORTOWN_IOC_SET_BASELINE):
		return portown_ioc_set_baseline(shim_tty, arg);
	case _IOC_NR(PORTOWN_IOC_SET_RESET):
		return portown_ioc_set_reset(shim_tty, arg);
	case _IOC_NR(PORTOWN_IOC_WHY):
		return portown_ioc_why(shim_tty, arg);
	default:
		return -ENOTTY;
	}
}
