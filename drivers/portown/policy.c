// SPDX-License-Identifier: GPL-2.0
/*
 * portown - who may see whom.
 *
 * The identity of a process holding a port (its pid, uid, name, times
 * and open flags) is what /proc/PID/fd refuses to show to just anyone.
 * portown shows it, through its ioctls and its event stream, to:
 *
 *  - privileged callers (CAP_SYS_ADMIN in the initial user namespace);
 *  - the holder's own user (the caller's real or effective uid is the
 *    uid the holder had);
 *  - callers entitled to the port: who hold a descriptor of it, or may
 *    open it for reading and writing (the device node's permissions in
 *    the caller's own view of /dev, e.g. group dialout).
 *
 * Everyone else sees the port's state and counts, with each identity
 * replaced by PORTOWN_ID_HIDDEN.  The module parameter "identities"
 * widens ("all": everyone sees everyone) or narrows ("own": privileged
 * callers and the holder's own user only) this policy.  sysfs cannot tell
 * its readers apart, so its identity files are root's only (sysfs.c).
 *
 * Owns: the "identities" parameter; a viewer belongs to its caller.
 * Locks: none of its own.
 * Context: process context; a viewer is made without the registry's lock
 * held (finding the device node may sleep) and used under it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/ctype.h>
#include <linux/fs.h>
#include <linux/moduleparam.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/path.h>
#include <linux/pid_namespace.h>
#include <linux/string.h>

#include "portown.h"
#include "registry.h"

static char *identities = "port";
module_param(identities, charp, 0444);
MODULE_PARM_DESC(identities, "who sees the processes holding a port: \"port\" (default: root, their own user, and users who may use the port), \"all\" or \"own\" (root and their own user)");

enum portown_identities {
	PORTOWN_IDS_PORT,
	PORTOWN_IDS_ALL,
	PORTOWN_IDS_OWN,
};

static enum portown_identities portown_ids;

/**
 * portown_policy_param() - check the "identities" module parameter
 *
 * Context: module init.
 * Return: 0, or -EINVAL for a value other than "port", "all" and "own".
 */
int portown_policy_param(void)
{
	if (!strcmp(identities, "port"))
		portown_ids = PORTOWN_IDS_PORT;
	else if (!strcmp(identities, "all"))
		portown_ids = PORTOWN_IDS_ALL;
	else if (!strcmp(identities, "own"))
		portown_ids = PORTOWN_IDS_OWN;
	else
		return -EINVAL;
	return 0;
}

/*
 * May the caller open the port's device node for reading and writing?
 * The node is looked up in the caller's own view of /dev, so a container
 * without the node is not entitled, whatever the host's permissions.  A
 * node on a filesystem where device nodes do not open (nodev, or mounted
 * in a user namespace, as a FUSE filesystem a user mounts there is) does
 * not count: anyone can make one with any number and mode.  Nor do pty
 * slaves' nodes (another devpts instance has the same numbers): their
 * users are their owner, who sees its own processes anyway.
 */
static bool portown_may_open_node(dev_t devt, const char *name)
{
	char node[PORTOWN_NAME_LEN + 8];
	struct inode *inode;
	struct path path;
	bool ok;

	if (!strncmp(name, "pts", 3) && isdigit(name[3]))
		return false;
	snprintf(node, sizeof(node), "/dev/%s", name);
	if (kern_path(node, LOOKUP_FOLLOW, &path))
		return false;
	inode = d_inode(path.dentry);
	ok = S_ISCHR(inode->i_mode) && inode->i_rdev == devt &&
	     !(path.mnt->mnt_flags & MNT_NODEV) &&
	     !(path.mnt->mnt_sb->s_iflags & SB_I_NODEV) &&
	     !path_permission(&path, MAY_READ | MAY_WRITE);
	path_put(&path);
	return ok;
}

/**
 * portown_viewer_init() - who asks, about which port
 * @v: the viewer, filled in
 * @devt: the port's device number
 * @name: the port's tty name
 * @pidns: the pid namespace the caller reads pids in
 * @userns: the user namespace the caller reads uids in
 *
 * Context: process context, in the caller's task; may sleep; without
 * the registry's lock.
 */
void portown_viewer_init(struct portown_viewer *v, dev_t devt, const char *name,
			 struct pid_namespace *pidns, struct user_namespace *userns)
{
	v->pidns = pidns;
	v->userns = userns;
	v->uid = current_uid();
	v->euid = current_euid();
	switch (portown_ids) {
	case PORTOWN_IDS_ALL:
		v->all = true;
		break;
	case PORTOWN_IDS_OWN:
		v->all = ns_capable_noaudit(&init_user_ns, CAP_SYS_ADMIN);
		break;
	default:
		v->all = ns_capable_noaudit(&init_user_ns, CAP_SYS_ADMIN) ||
			 portown_current_has_port(devt) ||
			 portown_may_open_node(devt, name);
		break;
	}
}

/**
 * portown_viewer_init_current() - as portown_viewer_init(), in the caller's
 *	own namespaces
 * @v: the viewer, filled in
 * @devt: the port's device number
 * @name: the port's tty name
 *
 * Context: as portown_viewer_init().
 */
void portown_viewer_init_current(struct portown_viewer *v, dev_t devt, const char *name)
{
	portown_viewer_init(v, devt, name, task_active_pid_ns(current), current_user_ns());
}

/**
 * portown_viewer_sees() - may a viewer see an identity
 * @v: the viewer
 * @who: the identity
 *
 * Return: true when the identity may be shown; always for "nobody".
 */
bool portown_viewer_sees(const struct portown_viewer *v, const struct portown_who *who)
{
	return v->all || !who->since_ns || uid_eq(who->uid, v->uid) ||
	       uid_eq(who->uid, v->euid);
}

static void portown_hidden(struct portown_ident *id)
{
	memset(id, 0, sizeof(*id));
	id->uid = (u32)-1;
	id->flags = PORTOWN_ID_HIDDEN;
}

/**
 * portown_viewer_export() - an identity as a viewer may see it
 * @v: the viewer
 * @who: the identity
 * @id: the UAPI form, filled in: as portown_who_export(), or hidden
 *
 * Context: any.
 */
void portown_viewer_export(const struct portown_viewer *v, const struct portown_who *who,
			   struct portown_ident *id)
{
	if (portown_viewer_sees(v, who))
		portown_who_export(who, id, v->pidns, v->userns);
	else
		portown_hidden(id);
}

/**
 * portown_viewer_export_event() - an identity in an event, as a viewer may
 *	see it
 * @v: the viewer
 * @who: the identity
 * @id: the UAPI form, filled in: as portown_who_export_event(), or hidden
 *
 * Context: any.
 */
void portown_viewer_export_event(const struct portown_viewer *v,
				 const struct portown_who *who, struct portown_ident *id)
{
	if (portown_viewer_sees(v, who))
		portown_who_export_event(who, id, v->pidns, v->userns);
	else
		portown_hidden(id);
}
