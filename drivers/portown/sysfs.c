// SPDX-License-Identifier: GPL-2.0
/*
 * portown - /sys/class/portown, one directory per tracked port.
 *
 * Owns: the class, each port's device (&portown_port.dev) and its
 * "device" link.  A listener on the live registry learns of new records,
 * removed and returning devices, retired records (and has a work item
 * make or remove what they need) and of every event (another work item
 * wakes poll() on "state", and sends a change uevent for the events users
 * act on).  Every attribute is read under the registry's lock, taken with
 * portown_registry_lock() so that it reflects every tty event so far.
 *
 * A sysfs file answers the same whoever reads it: the files that name
 * processes (owner_*, holders, shim) are readable by root only and show
 * pids and uids as the initial namespaces see them.  Other users, and
 * containers, ask through the ioctls, which know who asks (policy.c).
 *
 * Locks: portown_sysfs_mutex keeps the two work items apart; it ranks
 * above the registry's lock.  Context: process context; the listener's
 * callbacks run under the registry's lock and only queue work.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/mutex.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/tty.h>
#include <linux/user_namespace.h>
#include <linux/workqueue.h>

#include "portown.h"
#include "registry.h"

static const char * const portown_state_names[] = {
	[PORTOWN_STATE_CLOSED]	= "closed",
	[PORTOWN_STATE_OPEN]	= "open",
	[PORTOWN_STATE_CLAIMED]	= "claimed",
	[PORTOWN_STATE_HUNGUP]	= "hungup",
	[PORTOWN_STATE_GONE]	= "gone",
};

/**
 * portown_state_name() - the name of a state, as sysfs shows it
 * @state: PORTOWN_STATE_*
 *
 * Return: "closed", "open", "claimed", "hungup", "gone", or "?".
 */
static const char *portown_state_name(u32 state)
{
	return state < ARRAY_SIZE(portown_state_names) ? portown_state_names[state] : "?";
}

static ssize_t tap_show(PORTOWN_CLASS_CONST struct class *class,
			PORTOWN_CLASS_CONST struct class_attribute *attr, char *buf)
{
	return portown_tap_status(buf);
}
static CLASS_ATTR_RO(tap);

static ssize_t tap_missed_show(PORTOWN_CLASS_CONST struct class *class,
			       PORTOWN_CLASS_CONST struct class_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n", portown_tap_missed());
}
static CLASS_ATTR_RO(tap_missed);

static struct attribute *portown_class_attrs[] = {
	&class_attr_tap.attr,
	&class_attr_tap_missed.attr,
	NULL,
};
ATTRIBUTE_GROUPS(portown_class);

static struct class portown_class = {
	.name = "portown",
	.class_groups = portown_class_groups,
};

static struct portown_port *to_port(struct device *dev)
{
	return dev_get_drvdata(dev);
}

/* An identity as the initial namespaces see it, the same for every reader. */
static void portown_export_init(const struct portown_who *who, struct portown_ident *id)
{
	portown_who_export(who, id, &init_pid_ns, &init_user_ns);
}

static void portown_export_owner(struct portown_port *port, struct portown_ident *id)
{
	struct portown_who owner;

	portown_port_owner(port, &owner, NULL);
	portown_export_init(&owner, id);
	portown_who_put(&owner);
}

static ssize_t state_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct portown_port *port = to_port(dev);
	u32 state;

	/*
	 * A claim whose process died is ended where the tty is at hand (the
	 * next open, an ioctl), so that the exclusive bit goes with it.
	 */
	portown_registry_lock(&portown_live);
	state = portown_port_state(port);
	portown_registry_unlock(&portown_live);
	return sysfs_emit(buf, "%s\n", portown_state_name(state));
}
static DEVICE_ATTR_RO(state);

enum portown_owner_field { OWNER_PID, OWNER_UID, OWNER_COMM, OWNER_SINCE };

static ssize_t portown_owner_show(struct device *dev, char *buf, enum portown_owner_field f)
{
	struct portown_port *port = to_port(dev);
	struct portown_ident id;

	portown_registry_lock(&portown_live);
	portown_export_owner(port, &id);
	portown_registry_unlock(&portown_live);

	switch (f) {
	case OWNER_PID:
		return sysfs_emit(buf, "%d\n", id.pid);
	case OWNER_UID:
		return sysfs_emit(buf, "%u\n", id.since_ns ? id.uid : 0);
	case OWNER_COMM:
		return sysfs_emit(buf, "%s\n", id.comm);
	default:
		if (!id.since_ns)
			return sysfs_emit(buf, "0\n");
		return sysfs_emit(buf, "%llu.%09llu\n", id.since_ns / NSEC_PER_SEC,
				  id.since_ns % NSEC_PER_SEC);
	}
}

#define PORTOWN_OWNER_ATTR(_name, _field)					\
static ssize_t _name##_show(struct device *dev, struct device_attribute *attr,	\
			    char *buf)						\
{										\
	return portown_owner_show(dev, buf, _field);				\
}										\
static DEVICE_ATTR_ADMIN_RO(_name)

PORTOWN_OWNER_ATTR(owner_pid, OWNER_PID);
PORTOWN_OWNER_ATTR(owner_uid, OWNER_UID);
PORTOWN_OWNER_ATTR(owner_comm, OWNER_COMM);
PORTOWN_OWNER_ATTR(owner_since, OWNER_SINCE);

static const char *portown_access(unsigned int f_flags)
{
	switch (f_flags & O_ACCMODE) {
	case O_RDONLY:
		return "ro";
	case O_WRONLY:
		return "wo";
	default:
		return "rw";
	}
}

static ssize_t holders_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct portown_port *port = to_port(dev);
	struct portown_claim *claim;
	struct portown_holder *h;
	struct portown_ident id;
	ssize_t len = 0;

	portown_registry_lock(&portown_live);
	claim = portown_port_claim_of(port);
	for (h = port->holders; h; h = h->next) {
		portown_export_init(&h->who, &id);
		len += sysfs_emit_at(buf, len, "%d %u %llu.%09llu %s%s%s%s%s %s\n",
				     id.pid, id.uid, id.since_ns / NSEC_PER_SEC,
				     id.since_ns % NSEC_PER_SEC, portown_access(h->f_flags),
				     h->f_flags & O_NONBLOCK ? ",nonblock" : "",
				     h->hungup ? ",hungup" : ",live",
				     claim && claim->who.pid == h->who.pid ?
				     ",claimer" : "",
				     h->privileged ? ",privileged" : "", id.comm);
	}
	portown_registry_unlock(&portown_live);
	return len;
}
static DEVICE_ATTR_ADMIN_RO(holders);

static ssize_t shim_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct portown_port *port = to_port(dev);
	struct portown_ident id;
	bool attached;

	portown_registry_lock(&portown_live);
	attached = port->shim_attached;
	portown_export_init(&port->shim, &id);
	portown_registry_unlock(&portown_live);
	if (!attached)
		return sysfs_emit(buf, "\n");
	return sysfs_emit(buf, "%d %u %llu.%09llu %s\n", id.pid, id.uid,
			  id.since_ns / NSEC_PER_SEC, id.since_ns % NSEC_PER_SEC, id.comm);
}
static DEVICE_ATTR_ADMIN_RO(shim);

/* "admin 57600" or "driver 9600": whose baseline, and its output speed. */
static ssize_t baseline_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct portown_port *port = to_port(dev);
	struct ktermios k;
	bool admin, known;

	portown_registry_lock(&portown_live);
	admin = portown_port_baseline(port, &k);
	known = admin || port->have_driver_termios;
	portown_registry_unlock(&portown_live);
	if (!known)
		return sysfs_emit(buf, "\n");
	return sysfs_emit(buf, "%s %u\n", admin ? "admin" : "driver", tty_termios_baud_rate(&k));
}
static DEVICE_ATTR_RO(baseline);

/* The counters share one show function; each attribute knows its member. */
struct portown_counter_attr {
	struct device_attribute attr;
	size_t offset;
};

static ssize_t counter_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	const struct portown_counter_attr *ca =
		container_of(attr, struct portown_counter_attr, attr);
	struct portown_port *port = to_port(dev);
	u64 v;

	portown_registry_lock(&portown_live);
	v = *(const u64 *)((const char *)&port->counters + ca->offset);
	portown_registry_unlock(&portown_live);
	return sysfs_emit(buf, "%llu\n", v);
}

static const char * const portown_reset_names[] = {
	[PORTOWN_RESET_HANGUP]	= "hangup",
	[PORTOWN_RESET_CLOSE]	= "close",
	[PORTOWN_RESET_NEVER]	= "never",
};

static ssize_t reset_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	u8 reset = READ_ONCE(to_port(dev)->reset);

	return sysfs_emit(buf, "%s\n", portown_reset_names[reset]);
}

/* Root's (the file's mode): one of the words above, a newline allowed. */
static ssize_t reset_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t len)
{
	struct portown_port *port = to_port(dev);
	int reset = sysfs_match_string(portown_reset_names, buf);

	if (reset < 0)
		return reset;
	portown_registry_lock(&portown_live);
	reset = portown_port_set_reset(port, reset);
	portown_registry_unlock(&portown_live);
	return reset ?: len;
}
static DEVICE_ATTR_RW(reset);

#define PORTOWN_COUNTER_ATTR(_file, _member)					\
static struct portown_counter_attr dev_attr_##_file = {			\
	.attr = __ATTR(_file, 0444, counter_show, NULL),			\
	.offset = offsetof(struct portown_counters, _member),			\
}

PORTOWN_COUNTER_ATTR(opens, opens);
PORTOWN_COUNTER_ATTR(closes, closes);
PORTOWN_COUNTER_ATTR(claims, claims);
PORTOWN_COUNTER_ATTR(denials, denials);
PORTOWN_COUNTER_ATTR(hangups, hangups);
PORTOWN_COUNTER_ATTR(reinits, reinits);
PORTOWN_COUNTER_ATTR(repairs, repairs);

static struct attribute *portown_port_attrs[] = {
	&dev_attr_state.attr,
	&dev_attr_owner_pid.attr,
	&dev_attr_owner_uid.attr,
	&dev_attr_owner_comm.attr,
	&dev_attr_owner_since.attr,
	&dev_attr_holders.attr,
	&dev_attr_shim.attr,
	&dev_attr_baseline.attr,
	&dev_attr_reset.attr,
	&dev_attr_opens.attr.attr,
	&dev_attr_closes.attr.attr,
	&dev_attr_claims.attr.attr,
	&dev_attr_denials.attr.attr,
	&dev_attr_hangups.attr.attr,
	&dev_attr_reinits.attr.attr,
	&dev_attr_repairs.attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(portown_port);

/* --- creating and removing the per-port devices ------------------------- */

static void portown_sysfs_workfn(struct work_struct *work);
static DECLARE_WORK(portown_sysfs_work, portown_sysfs_workfn);

/*
 * Creating, removing and announcing the per-port devices: the two work
 * items may run at once on two CPUs, and a change must never be announced
 * on a device that is being removed.
 */
static DEFINE_MUTEX(portown_sysfs_mutex);

static struct portown_port *portown_next_without_dev(void)
{
	struct portown_port *port, *found = NULL;

	mutex_lock(&portown_live.lock);
	list_for_each_entry(port, &portown_live.ports, node) {
		if (port->tied && !port->dev && !port->dev_failed &&
		    !port->gone && !port->retired) {
			found = port;
			kref_get(&port->kref);
			break;
		}
	}
	mutex_unlock(&portown_live.lock);
	return found;
}

/*
 * What the tidy work is to do about one record: its "device" link goes
 * from @old to @new (either may be NULL), and, once it is retired, its
 * directory and its place in the registry go.
 */
struct portown_tidy {
	bool retired;
	struct device *dev;
	struct device *old;
	struct device *new;
};

static struct portown_port *portown_next_to_tidy(struct portown_tidy *t)
{
	struct portown_port *port, *found = NULL;

	mutex_lock(&portown_live.lock);
	list_for_each_entry(port, &portown_live.ports, node) {
		if (!port->unlink && !port->retired)
			continue;
		found = port;
		kref_get(&port->kref);
		t->retired = port->retired;
		t->dev = port->dev;
		t->old = port->tty_dev;		/* the record's reference, now ours */
		if (t->retired) {
			put_device(port->new_tty_dev);
			port->new_tty_dev = NULL;
		}
		port->tty_dev = port->new_tty_dev;	/* with its reference */
		port->new_tty_dev = NULL;
		t->new = get_device(port->tty_dev);	/* ours, while we link */
		port->unlink = false;
		if (port->retired)
			WRITE_ONCE(port->dev, NULL);
		break;
	}
	mutex_unlock(&portown_live.lock);
	return found;
}

/* A directory named @name went: a record refused that name may try again. */
static void portown_name_freed(const char *name)
{
	struct portown_port *port;

	mutex_lock(&portown_live.lock);
	list_for_each_entry(port, &portown_live.ports, node)
		if (port->dev_failed && !strcmp(port->name, name))
			port->dev_failed = false;
	mutex_unlock(&portown_live.lock);
}

static void portown_tidy(void)
{
	struct portown_port *port;
	struct portown_tidy t;
	struct device *dev;

	while ((port = portown_next_to_tidy(&t))) {
		dev = t.dev;
		if (dev && t.old)
			sysfs_remove_link(&dev->kobj, "device");
		put_device(t.old);
		if (dev && t.new && sysfs_create_link(&dev->kobj, &t.new->kobj, "device"))
			pr_warn("%s: cannot link its sysfs directory to the tty\n", port->name);
		put_device(t.new);
		if (t.retired) {
			if (dev) {
				device_unregister(dev);
				portown_port_put(port);		/* the device's reference */
				portown_name_freed(port->name);
			}
			portown_port_remove(port);		/* the list's reference */
		}
		portown_port_put(port);
	}
}

static void portown_dev_release(struct device *dev)
{
	kfree(dev);
}

/*
 * What device_create_with_groups() does, but for the power-management
 * attributes: a port's directory has no power state, and the "power"
 * group would cost every tracked port more kernel memory than its record.
 */
static struct device *portown_dev_create(struct portown_port *port)
{
	struct device *dev;
	int ret;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	device_initialize(dev);
	dev->class = &portown_class;
	dev->groups = portown_port_groups;
	dev->release = portown_dev_release;
	dev_set_drvdata(dev, port);
	device_set_pm_not_required(dev);
	ret = dev_set_name(dev, "%s", port->name);
	if (!ret)
		ret = device_add(dev);
	if (ret) {
		put_device(dev);
		return ERR_PTR(ret);
	}
	return dev;
}

/*
 * The work item makes the directories of new records, removes the
 * "device" links of ports whose device is gone (making them anew for a
 * device that came back) and the directories of retired records, which
 * then leave the registry.
 */
static void portown_sysfs_workfn(struct work_struct *work)
{
	struct portown_port *port;
	struct device *dev;

	mutex_lock(&portown_sysfs_mutex);
	/* old directories go first, each time: a new port may want the name */
	for (portown_tidy(); (port = portown_next_without_dev()); portown_tidy()) {
		dev = portown_dev_create(port);
		if (IS_ERR(dev)) {
			pr_warn("%s: cannot create its sysfs directory (%ld)\n",
				port->name, PTR_ERR(dev));
			port->dev_failed = true;
			portown_port_put(port);
			continue;
		}
		if (port->tty_dev &&
		    sysfs_create_link(&dev->kobj, &port->tty_dev->kobj, "device"))
			pr_warn("%s: cannot link its sysfs directory to the tty\n", port->name);
		WRITE_ONCE(port->dev, dev);	/* the device keeps the reference */
	}
	mutex_unlock(&portown_sysfs_mutex);
}

/* --- announcing changes ------------------------------------------------ */

static void portown_notify_workfn(struct work_struct *work);
static DECLARE_WORK(portown_notify_work, portown_notify_workfn);

/* Not an event type: a claimed or hung-up port's last descriptor closed. */
#define PORTOWN_UEVENT_FREE	0xff

/*
 * The registry's listener.  Every event wakes poll() on the port's state
 * file; those users act on also send a change uevent, so that udev and
 * its rules are not woken by routine opens and closes: a claim, its end,
 * a hangup, a removal, and the port becoming free (its last descriptor
 * closed) after it was claimed or hung up.  Both are done from a work
 * item: the registry's lock, held here, may be held under a tty lock or a
 * line discipline's semaphore.  The work holds its own reference on the
 * record it announces, and announces nothing on a device being removed
 * (portown_sysfs_mutex).  A change to the record's tie to its device is
 * the other work's.
 */
static void portown_sysfs_event(struct portown_listener *l, struct portown_port *port,
				const struct portown_hist *e)
{
	switch (e->type) {
	case PORTOWN_EV_CLAIM:
	case PORTOWN_EV_HANGUP:
		port->uevent_free = true;
		port->uevent = e->type;
		break;
	case PORTOWN_EV_RELEASE:
	case PORTOWN_EV_GONE:
		port->uevent = e->type;
		break;
	case PORTOWN_EV_CLOSE:
		if (port->uevent_free && !port->nr_holders) {
			port->uevent_free = false;
			port->uevent = PORTOWN_UEVENT_FREE;
		}
		break;
	}
	if (!READ_ONCE(port->dev)) {
		port->uevent = 0;	/* its directory's add event says it */
		return;
	}
	port->notify = true;
	schedule_work(&portown_notify_work);
}

static void portown_sysfs_changed(struct portown_listener *l, struct portown_port *port)
{
	schedule_work(&portown_sysfs_work);
}

static struct portown_listener portown_sysfs_listener = {
	.event = portown_sysfs_event,
	.changed = portown_sysfs_changed,
};

static const char * const portown_uevent_names[] = {
	[PORTOWN_EV_CLAIM]	= "claim",
	[PORTOWN_EV_RELEASE]	= "release",
	[PORTOWN_EV_HANGUP]	= "hangup",
	[PORTOWN_EV_GONE]	= "gone",
};

static const char *portown_uevent_name(u8 uevent)
{
	if (uevent == PORTOWN_UEVENT_FREE)
		return "free";
	return uevent < ARRAY_SIZE(portown_uevent_names) ? portown_uevent_names[uevent] : NULL;
}

/* The next record with a change to announce: its state and its uevent. */
static struct portown_port *portown_next_to_notify(u32 *state, u8 *uevent)
{
	struct portown_port *port, *found = NULL;

	mutex_lock(&portown_live.lock);
	list_for_each_entry(port, &portown_live.ports, node) {
		if (port->notify) {
			port->notify = false;
			*state = portown_port_state(port);
			*uevent = port->uevent;
			port->uevent = 0;
			found = port;
			kref_get(&port->kref);
			break;
		}
	}
	mutex_unlock(&portown_live.lock);
	return found;
}

static void portown_notify_workfn(struct work_struct *work)
{
	char state_env[32], event_env[32], *envp[3];
	struct portown_port *port;
	const char *name;
	u32 state;
	u8 uevent;

	envp[0] = state_env;
	envp[1] = event_env;
	envp[2] = NULL;
	mutex_lock(&portown_sysfs_mutex);
	while ((port = portown_next_to_notify(&state, &uevent))) {
		struct device *dev = READ_ONCE(port->dev);

		name = portown_uevent_name(uevent);
		if (dev) {
			sysfs_notify(&dev->kobj, NULL, "state");
			if (name) {
				snprintf(state_env, sizeof(state_env), "PORTOWN_STATE=%s",
					 portown_state_name(state));
				snprintf(event_env, sizeof(event_env), "PORTOWN_EVENT=%s", name);
				kobject_uevent_env(&dev->kobj, KOBJ_CHANGE, envp);
			}
		}
		portown_port_put(port);
	}
	mutex_unlock(&portown_sysfs_mutex);
}

/**
 * portown_sysfs_init() - create /sys/class/portown
 *
 * Context: process context, module init.
 * Return: 0 or the errno of class_register().
 */
int portown_sysfs_init(void)
{
	int ret = class_register(&portown_class);

	if (ret)
		pr_err("cannot register class portown (%d)\n", ret);
	else
		portown_registry_listen(&portown_live, &portown_sysfs_listener);
	return ret;
}

/**
 * portown_sysfs_start() - create the directories of ports recorded so far
 *
 * Context: process context, module init, after discovery.
 */
void portown_sysfs_start(void)
{
	schedule_work(&portown_sysfs_work);
}

static struct portown_port *portown_next_with_sysfs(void)
{
	struct portown_port *port, *found = NULL;

	mutex_lock(&portown_live.lock);
	list_for_each_entry(port, &portown_live.ports, node) {
		if (port->dev || port->tty_dev || port->new_tty_dev) {
			found = port;
			kref_get(&port->kref);
			break;
		}
	}
	mutex_unlock(&portown_live.lock);
	return found;
}

/**
 * portown_sysfs_exit() - remove every port's directory and the class
 *
 * Context: process context, module exit, after the tap and the shim are
 * gone, so no new record can appear.
 */
void portown_sysfs_exit(void)
{
	struct portown_port *port;
	struct device *tty_dev;

	portown_registry_unlisten(&portown_live, &portown_sysfs_listener);
	cancel_work_sync(&portown_sysfs_work);
	cancel_work_sync(&portown_notify_work);
	while ((port = portown_next_with_sysfs())) {
		if (port->dev) {
			sysfs_remove_link(&port->dev->kobj, "device");
			device_unregister(port->dev);
			WRITE_ONCE(port->dev, NULL);
			portown_port_put(port);		/* the device's reference */
		}
		mutex_lock(&portown_live.lock);
		tty_dev = port->tty_dev;
		port->tty_dev = NULL;
		put_device(port->new_tty_dev);
		port->new_tty_dev = NULL;
		mutex_unlock(&portown_live.lock);
		put_device(tty_dev);
		portown_port_put(port);
	}
	class_unregister(&portown_class);
}
