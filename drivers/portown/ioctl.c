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
 * Locks: a tty lock, then portown_lock (portown_sync_lock()); never
 * copy_to_user() under portown_lock.  Through the shim the ioctl runs
 * under the line discipline's semaphore, which ranks below the tty lock,
 * so no tty lock is taken there.
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

/*
 * The port a request is about, named by the shim's tty, by a descriptor
 * or by device number.  @file is a live descriptor of the port that the
 * caller holds (needed to claim); @tty is set when the port is open.
 */
struct portown_target {
	struct file *file;		/* referenced, or NULL */
	struct tty_struct *tty;		/* referenced, or NULL */
	dev_t devt;
	char name[PORTOWN_NAME_LEN];
	struct portown_port *port;	/* referenced, or NULL: untracked */
	bool shim;
};

static void portown_target_put(struct portown_target *t)
{
	if (t->file)
		fput(t->file);
	tty_kref_put(t->tty);
	portown_port_put(t->port);
}

/* The referenced record of @devt; caller holds portown_lock. */
static struct portown_port *portown_port_get_locked(dev_t devt)
{
	struct portown_port *port = portown_port_lookup_locked(devt);

	if (port)
		kref_get(&port->kref);
	return port;
}

/* Through the shim: the tty is the shim's, the descriptor @fd or the caller's. */
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
	tty = tty_kopen_shared(t->devt);
	none = IS_ERR(tty);
	if (none)
		tty = NULL;
	t->tty = tty;
	if (tty)
		t->devt = tty_devnum(tty);
	portown_sync_lock();
	t->port = portown_port_get_locked(t->devt);
	portown_sync_unlock();
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
		portown_sync_lock();
		t->port = portown_port_get_locked(t->devt);
		portown_sync_unlock();
	}
	strscpy(t->name, t->port ? t->port->name : tty->name, sizeof(t->name));
	return 0;
}

static int portown_target_get(struct tty_struct *shim_tty, s32 fd, u32 major, u32 minor,
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
	portown_sync_lock();
	/* a descriptor the caller holds that portown has no record of */
	if (t->file && !tty_hung_up_p(t->file))
		portown_track_adopt(t->tty, t->file);
	t->port = portown_port_get_locked(t->devt);
	portown_sync_unlock();
	return 0;
}

/*
 * Take @t's tty lock, where claims are decided: an open holds it from its
 * check of TTY_EXCLUSIVE until its descriptor is in the tty's list.
 * Through the shim the ioctl holds the line discipline's semaphore, which
 * ranks below the tty lock, so the lock is only tried, for up to about a
 * tenth of a second (a hangup holding it waits for this very ioctl).
 */
static int portown_target_lock(struct portown_target *t)
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

static void portown_target_unlock(struct portown_target *t)
{
	if (t->shim)
		mutex_unlock(&t->tty->legacy_mutex);
	else
		tty_unlock(t->tty);
}

/*
 * A claim whose process has exited, while a descriptor it was made
 * through lives on in another process, ends here; its exclusive bit is
 * cleared under the tty lock and portown_lock, where no new claim can
 * slip in.  Without the tty at hand, the reconciler does it.
 */
static void portown_end_dead_claim(struct portown_target *t)
{
	struct portown_claim *claim;
	bool dead;

	if (!t->port || !t->tty)
		return;
	portown_sync_lock();
	claim = portown_port_claim_of(t->port);
	dead = claim && portown_pid_gone(claim->who.pid);
	portown_sync_unlock();
	if (!dead || portown_target_lock(t))
		return;
	portown_sync_lock();
	if (portown_port_end_dead_claim(t->port))
		clear_bit(TTY_EXCLUSIVE, &t->tty->flags);
	portown_sync_unlock();
	portown_target_unlock(t);
}

/* Fill @info from the record; caller holds portown_lock. */
static void portown_fill_info(const struct portown_port *port, const struct portown_viewer *v,
			      struct portown_info *info)
{
	struct portown_who owner;
	unsigned int f_flags = 0;

	info->state = portown_port_state(port);
	info->nr_holders = port->nr_holders;
	strscpy(info->name, port->name, sizeof(info->name));
	info->counters = port->counters;
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

static long portown_ioc_info(struct tty_struct *shim_tty, void __user *arg)
{
	struct portown_viewer v;
	struct portown_target t;
	struct portown_info info;
	int ret;

	ret = portown_copy_in(&info, sizeof(info), arg, PORTOWN_INFO_SIZE_VER0);
	if (ret)
		return ret;
	ret = portown_target_get(shim_tty, info.fd, info.dev_major, info.dev_minor, &t);
	if (ret)
		goto out;
	portown_end_dead_claim(&t);
	portown_viewer_init_current(&v, t.devt, t.name);
	info.dev_major = MAJOR(t.devt);
	info.dev_minor = MINOR(t.devt);
	portown_sync_lock();
	if (t.port)
		portown_fill_info(t.port, &v, &info);
	else
		portown_fill_empty(t.name, &info);
	portown_sync_unlock();
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

/*
 * Claim @t's port for the caller; caller holds the tty lock and
 * portown_lock.  An unclaimed port is made exclusive, then the tty's
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
	portown_viewer_init_current(&v, t.devt, t.name);
	info.dev_major = MAJOR(t.devt);
	info.dev_minor = MINOR(t.devt);

	ret = portown_target_lock(&t);
	if (ret)
		goto out;
	portown_who_current(&who);
	portown_sync_lock();
	ret = portown_claim_locked(&t, &who);
	portown_fill_info(t.port, &v, &info);
	portown_sync_unlock();
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
	portown_sync_lock();
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
	portown_sync_unlock();
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

static long portown_ioc_holders(struct tty_struct *shim_tty, void __user *arg)
{
	struct portown_ident *ids = NULL;
	struct portown_holders req;
	struct portown_holder *h;
	struct portown_viewer v;
	struct portown_target t;
	struct portown_claim *claim;
	u32 room, n = 0, total = 0;
	int ret;

	ret = portown_copy_in(&req, sizeof(req), arg, PORTOWN_HOLDERS_SIZE_VER0);
	if (ret)
		return ret;
	if (req.__reserved)
		return -EINVAL;
	ret = portown_entry_size(req.count, req.entry_size, sizeof(*ids));
	if (ret)
		return ret;
	ret = portown_target_get(shim_tty, req.fd, req.dev_major, req.dev_minor, &t);
	if (ret)
		goto out;
	portown_viewer_init_current(&v, t.devt, t.name);
	if (t.port) {
		portown_sync_lock();
		total = t.port->nr_holders;
		portown_sync_unlock();
	}
	ids = portown_entries_alloc(req.count, total, sizeof(*ids), &room);
	if (room && !ids) {
		ret = -ENOMEM;
		goto out;
	}
	total = 0;
	if (t.port) {
		portown_sync_lock();
		claim = portown_port_claim_of(t.port);
		list_for_each_entry(h, &t.port->holders, node) {
			total++;
			if (n == room)
				continue;
			portown_viewer_export(&v, &h->who, &ids[n]);
			if (!(ids[n].flags & PORTOWN_ID_HIDDEN))
				ids[n].open_flags = h->f_flags;
			if (h->hungup)
				ids[n].flags |= PORTOWN_ID_HUNGUP;
			if (h->privileged)
				ids[n].flags |= PORTOWN_ID_PRIVILEGED;
			if (claim && claim->who.pid == h->who.pid)
				ids[n].flags |= PORTOWN_ID_CLAIMER;
			n++;
		}
		portown_sync_unlock();
	}
	req.dev_major = MAJOR(t.devt);
	req.dev_minor = MINOR(t.devt);
	req.count = total;
	req.written = n;
	ret = portown_copy_array(req.holders, ids, n, sizeof(*ids), req.entry_size) ?:
	      portown_copy_out(arg, &req, sizeof(req), req.size);
out:
	kvfree(ids);
	portown_target_put(&t);
	return ret;
}

static long portown_ioc_history(struct tty_struct *shim_tty, void __user *arg)
{
	struct portown_event *evs = NULL;
	struct portown_hist *hist = NULL;
	struct portown_history req;
	struct portown_viewer v;
	struct portown_target t;
	u32 room, n = 0, total = 0, i;
	int ret;

	ret = portown_copy_in(&req, sizeof(req), arg, PORTOWN_HISTORY_SIZE_VER0);
	if (ret)
		return ret;
	if (req.__reserved)
		return -EINVAL;
	ret = portown_entry_size(req.count, req.entry_size, sizeof(*evs));
	if (ret)
		return ret;
	ret = portown_target_get(shim_tty, req.fd, req.dev_major, req.dev_minor, &t);
	if (ret)
		goto out;
	portown_viewer_init_current(&v, t.devt, t.name);
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
		portown_sync_lock();
		total = portown_port_history(t.port, hist, room);
		portown_sync_unlock();
		n = min(total, room);
	}
	for (i = 0; i < n; i++) {
		evs[i].time_ns = hist[i].time_ns;
		evs[i].seq = hist[i].seq;
		evs[i].type = hist[i].type;
		evs[i].state = hist[i].state;
		evs[i].dev_major = MAJOR(t.devt);
		evs[i].dev_minor = MINOR(t.devt);
		portown_viewer_export_event(&v, &hist[i].who, &evs[i].who);
		evs[i].who.flags |= hist[i].flags;
		strscpy(evs[i].name, t.name, sizeof(evs[i].name));
		portown_who_put(&hist[i].who);
	}
	req.dev_major = MAJOR(t.devt);
	req.dev_minor = MINOR(t.devt);
	req.count = total;
	req.written = n;
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
	struct portown_port **ports;
	struct portown_list req;
	struct portown_viewer v;
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
	/* referenced, so that each port's viewer is made without portown_lock */
	ports = portown_track_snapshot(&total);
	if (!ports)
		return -ENOMEM;
	buf = portown_entries_alloc(req.count, total, sizeof(*buf), &room);
	if (room && !buf) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < total; i++) {
		struct portown_info info = {};

		if (n == room)
			break;
		portown_viewer_init_current(&v, ports[i]->devt, ports[i]->name);
		portown_sync_lock();
		if (portown_port_listed(ports[i])) {
			portown_fill_info(ports[i], &v, &info);
			buf[n].dev_major = MAJOR(ports[i]->devt);
			buf[n].dev_minor = MINOR(ports[i]->devt);
			buf[n].state = info.state;
			buf[n].nr_holders = info.nr_holders;
			buf[n].owner = info.owner;
			memcpy(buf[n].name, info.name, sizeof(buf[n].name));
			n++;
		}
		portown_sync_unlock();
	}
	req.count = total;
	req.written = n;
	ret = portown_copy_array(req.ports, buf, n, sizeof(*buf), req.entry_size) ?:
	      portown_copy_out(arg, &req, sizeof(req), req.size);
out:
	portown_track_snapshot_put(ports, total);
	kvfree(buf);
	return ret;
}

/* Can the caller claim the port now?  Caller holds portown_lock. */
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
	portown_end_dead_claim(t);
	portown_sync_lock();
	ok = portown_claimable(t->port, me, t->file);
	gone = t->port->gone;
	req->state = portown_port_state(t->port);
	*seen = t->port->seq;
	portown_sync_unlock();
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
 * The record a baseline request is about; a port that is open but has no
 * record yet (never seen through the tap) gets one.
 */
static int portown_baseline_target(struct tty_struct *shim_tty, struct portown_baseline *b,
				   struct portown_target *t)
{
	int ret = portown_target_get(shim_tty, b->fd, b->dev_major, b->dev_minor, t);

	if (ret)
		return ret;
	if (!t->port && t->tty) {
		portown_sync_lock();
		if (portown_track_tty(t->tty))
			t->port = portown_port_get_locked(t->devt);
		portown_sync_unlock();
	}
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
	portown_sync_lock();
	if (portown_port_baseline(t.port, &k))
		b.flags = PORTOWN_BASELINE_ADMIN;
	known = b.flags || t.port->have_driver_termios;
	portown_sync_unlock();
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
	portown_sync_lock();
	ret = portown_port_set_baseline(t.port, reset ? NULL : &k);
	portown_sync_unlock();
	b.flags = reset ? 0 : PORTOWN_BASELINE_ADMIN;
	if (!ret)
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
