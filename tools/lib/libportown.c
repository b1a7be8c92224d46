// SPDX-License-Identifier: LGPL-2.1
/*
 * libportown - claim serial ports and find out who holds them.
 *
 * Every request opens /dev/portown, issues one ioctl and closes it again;
 * queries name the port by device number (fd -1), so that asking about a
 * port never opens it.  See libportown.h for the interface.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "libportown.h"

#define NOBODY_UID	((__u32)-1)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define LDISC_PARAM	"/sys/module/portown/parameters/ldisc"
#define PROC_LOCKS	"/proc/locks"
#define PROC_CONSOLES	"/proc/consoles"
#define SERDEV_BUS	"/sys/bus/serial/devices"
#define TTY_DRIVERS	"/proc/tty/drivers"

/* ctl_ioctl() flags */
#define CTL_BY_DEV	0x1	/* port named by number: ENOTTY means an old module */
#define CTL_ONCE	0x2	/* do not restart after EINTR */

/* Entries asked for by the first try of a list request */
#define FETCH_ROOM	16
#define FETCH_TRIES	8

static int ctl_open(void)
{
	int fd;

	do
		fd = open(PORTOWN_CTL_PATH, O_RDONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	/* a node left behind by an unloaded module */
	if (fd < 0 && (errno == ENXIO || errno == ENODEV))
		errno = ENOENT;
	return fd;
}

static int ctl_ioctl(unsigned long req, void *arg, unsigned int how)
{
	int fd, ret, err;

	fd = ctl_open();
	if (fd < 0)
		return -1;
	do
		ret = ioctl(fd, req, arg);
	while (ret < 0 && errno == EINTR && !(how & CTL_ONCE));
	err = errno;
	close(fd);
	if (ret < 0) {
		errno = (err == ENOTTY && (how & CTL_BY_DEV)) ? EOPNOTSUPP : err;
		return -1;
	}
	return 0;
}

static const char *ctl_missing_text(void)
{
	if (access("/sys/module/portown", F_OK) == 0)
		return "/dev/portown is missing, although the portown module is loaded";
	return "portown module not loaded (/dev/portown is missing)";
}

/* Read a small text file, NUL-terminated; return its length or -1. */
static ssize_t read_text(const char *path, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;
	int fd, err;

	do
		fd = open(path, O_RDONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return -1;
	while (got + 1 < len) {
		n = read(fd, buf + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			close(fd);
			errno = err;
			return -1;
		}
		if (n == 0)
			break;
		got += n;
	}
	close(fd);
	buf[got] = '\0';
	return got;
}

/* Copy a name into a PORTOWN_NAME_LEN buffer, truncating it. */
static void set_name(char *dst, const char *src)
{
	size_t n = strnlen(src, PORTOWN_NAME_LEN - 1);

	memmove(dst, src, n);
	dst[n] = '\0';
}

/* The tty name of a device number, from the /sys/dev/char link. */
static int sysfs_name(unsigned int major, unsigned int minor, char *name)
{
	char path[64], target[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u", major, minor);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return -1;
	target[n] = '\0';
	base = strrchr(target, '/');
	set_name(name, base ? base + 1 : target);
	return 0;
}

/* "ttyS1" is /dev/ttyS1; paths are taken as they are. */
static const char *port_path(const char *port, char *buf, size_t len)
{
	if (port[0] == '/' || port[0] == '.')
		return port;
	snprintf(buf, len, "/dev/%s", port);
	return buf;
}

static const char *short_name(const char *path)
{
	return strncmp(path, "/dev/", 5) ? path : path + 5;
}

/*
 * A port by the name portown knows it by: one whose device was removed
 * ("gone") has no node in /dev and no entry in /sys/class/tty any more.
 */
static int resolve_listed(const char *name, unsigned int *major, unsigned int *minor)
{
	struct portown_list_entry *ports;
	size_t count, i;
	int found = -1;

	if (portown_list(&ports, &count))
		return -1;
	for (i = 0; i < count; i++) {
		if (!strncmp(ports[i].name, name, PORTOWN_NAME_LEN)) {
			*major = ports[i].dev_major;
			*minor = ports[i].dev_minor;
			found = 0;
			break;
		}
	}
	free(ports);
	return found;
}

/* Find the device number and a name of a port given as a path or name. */
static int resolve(const char *port, unsigned int *major, unsigned int *minor,
		   char *name)
{
	char path[PATH_MAX], text[32];
	unsigned int a, b;
	struct stat st;

	if (!port || !*port) {
		errno = EINVAL;
		return -1;
	}
	if (stat(port_path(port, path, sizeof(path)), &st) == 0) {
		if (!S_ISCHR(st.st_mode)) {
			errno = ENOTTY;
			return -1;
		}
		a = major(st.st_rdev);
		b = minor(st.st_rdev);
	} else {
		if (errno != ENOENT)
			return -1;
		/* a gone port named by its old path */
		if (strchr(port, '/')) {
			if (!strncmp(port, "/dev/", 5) && !strchr(port + 5, '/') &&
			    !resolve_listed(port + 5, &a, &b))
				goto found;
			errno = ENOENT;
			return -1;
		}
		/* no node in /dev: a name sysfs knows will do */
		snprintf(path, sizeof(path), "/sys/class/tty/%s/dev", port);
		if ((read_text(path, text, sizeof(text)) < 0 ||
		     sscanf(text, "%u:%u", &a, &b) != 2) &&
		    resolve_listed(port, &a, &b)) {
			errno = ENOENT;
			return -1;
		}
	}
found:
	*major = a;
	*minor = b;
	if (sysfs_name(a, b, name))
		set_name(name, short_name(port));
	return 0;
}

static bool nobody(const struct portown_ident *id)
{
	return !id || (id->pid == 0 && id->uid == NOBODY_UID &&
		       !(id->flags & PORTOWN_ID_HIDDEN));
}

static void why_init(struct portown_conflict *why, const char *name)
{
	memset(why, 0, sizeof(*why));
	why->owner.uid = NOBODY_UID;
	set_name(why->name, name);
}

/* Record a failure and phrase it; @text replaces strerror(@err). */
static void why_fail(struct portown_conflict *why, int err, const char *text)
{
	why->error = err;
	if (err == EBUSY && !nobody(&why->owner))
		portown_format_owner(why->message, sizeof(why->message),
				     why->name, &why->owner);
	else
		snprintf(why->message, sizeof(why->message), "%s: %s",
			 why->name, text ? text : strerror(err));
}

static void why_info(struct portown_conflict *why,
		     const struct portown_info *info)
{
	why->state = info->state;
	if (info->dev_major || info->dev_minor) {
		why->dev_major = info->dev_major;
		why->dev_minor = info->dev_minor;
	}
	why->owner = info->owner;
	if (info->name[0])
		set_name(why->name, info->name);
}

int portown_available(void)
{
	int fd = ctl_open();

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

int portown_open(const char *path, int flags, struct portown_conflict *why)
{
	struct portown_conflict scratch;
	struct portown_info info;
	char buf[PATH_MAX];
	const char *p;
	struct stat st;
	int fd, err;

	if (!why)
		why = &scratch;
	if (!path || !*path) {
		why_init(why, "");
		why_fail(why, EINVAL, NULL);
		errno = EINVAL;
		return -1;
	}
	p = port_path(path, buf, sizeof(buf));
	why_init(why, short_name(p));
	fd = open(p, O_RDWR | O_NOCTTY | flags);
	if (fd >= 0)
		return fd;
	err = errno;
	/* claimed, or TIOCEXCL: name the holder all the same */
	if (err == EBUSY && stat(p, &st) == 0 && S_ISCHR(st.st_mode) &&
	    portown_info_dev(major(st.st_rdev), minor(st.st_rdev), &info) == 0)
		why_info(why, &info);
	why_fail(why, err, NULL);
	errno = err;
	return -1;
}

int portown_claim(int fd, struct portown_conflict *why)
{
	struct portown_conflict scratch;
	struct portown_info info;
	struct stat st;
	int err;

	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	info.fd = fd;
	info.owner.uid = NOBODY_UID;
	if (ctl_ioctl(PORTOWN_IOC_CLAIM, &info, 0) == 0)
		return 0;
	err = errno;
	if (!why)
		why = &scratch;
	why_init(why, "port");
	if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode)) {
		why->dev_major = major(st.st_rdev);
		why->dev_minor = minor(st.st_rdev);
		sysfs_name(why->dev_major, why->dev_minor, why->name);
	}
	if (err == EBUSY)
		why_info(why, &info);
	else if (info.name[0])
		set_name(why->name, info.name);
	why_fail(why, err, err == ENOENT ? ctl_missing_text() : NULL);
	errno = err;
	return -1;
}

int portown_open_claim(const char *path, int flags,
		       struct portown_conflict *why)
{
	struct portown_conflict scratch;
	char text[96];
	int fd, err;

	if (!why)
		why = &scratch;
	fd = ctl_open();
	if (fd < 0) {
		err = errno;
		why_init(why, path ? short_name(path) : "");
		snprintf(text, sizeof(text), "%s: %s", PORTOWN_CTL_PATH,
			 strerror(err));
		why_fail(why, err, err == ENOENT ? ctl_missing_text() : text);
		errno = err;
		return -1;
	}
	close(fd);

	fd = portown_open(path, flags, why);
	if (fd < 0)
		return -1;
	if (portown_claim(fd, why)) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

int portown_release(int fd)
{
	struct portown_info info;

	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	info.fd = fd;
	return ctl_ioctl(PORTOWN_IOC_RELEASE, &info, 0);
}

int portown_info_dev(unsigned int major, unsigned int minor,
		     struct portown_info *info)
{
	if (!info) {
		errno = EINVAL;
		return -1;
	}
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	info->fd = -1;
	info->dev_major = major;
	info->dev_minor = minor;
	if (ctl_ioctl(PORTOWN_IOC_INFO, info, CTL_BY_DEV))
		return -1;
	info->name[PORTOWN_NAME_LEN - 1] = '\0';
	if (!info->name[0])
		sysfs_name(major, minor, info->name);
	return 0;
}

int portown_info(const char *port, struct portown_info *info)
{
	char name[PORTOWN_NAME_LEN];
	unsigned int major, minor;

	if (resolve(port, &major, &minor, name) ||
	    portown_info_dev(major, minor, info))
		return -1;
	if (!info->name[0])
		set_name(info->name, name);
	return 0;
}

int portown_wait(const char *port, int timeout_ms)
{
	char name[PORTOWN_NAME_LEN];
	struct portown_wait w;
	unsigned int major, minor;

	if (timeout_ms < -1) {
		errno = EINVAL;
		return -1;
	}
	if (resolve(port, &major, &minor, name))
		return -1;
	memset(&w, 0, sizeof(w));
	w.size = sizeof(w);
	w.fd = -1;
	w.dev_major = major;
	w.dev_minor = minor;
	w.timeout_ms = timeout_ms;
	return ctl_ioctl(PORTOWN_IOC_WAIT, &w, CTL_BY_DEV | CTL_ONCE);
}

/*
 * Run a list request whose @count and @ptr members live in @arg, growing
 * the buffer until everything the kernel has fits.
 */
static int fetch(unsigned long req, void *arg, __u32 *count, __u64 *ptr,
		 __u32 *written, size_t size, void **out, size_t *nr)
{
	size_t room = FETCH_ROOM;
	void *buf;
	int tries, err;

	for (tries = 0; tries < FETCH_TRIES; tries++) {
		buf = calloc(room, size);
		if (!buf)
			return -1;
		*count = room;
		*ptr = (uintptr_t)buf;
		if (ctl_ioctl(req, arg, CTL_BY_DEV)) {
			err = errno;
			free(buf);
			errno = err;
			return -1;
		}
		if (*count <= room) {
			*out = buf;
			/* a module before "written" left it 0: all were written */
			*nr = *written ? *written : *count;
			return 0;
		}
		/* it grew: ask again, with some slack for more growth */
		free(buf);
		room = *count + *count / 8 + 8;
		if (room > UINT32_MAX)
			room = UINT32_MAX;
	}
	errno = EAGAIN;
	return -1;
}

/* A baseline request about @port, or about descriptor @fd when >= 0. */
static int baseline_req(unsigned long req, const char *port, int fd,
			struct portown_baseline *b)
{
	char name[PORTOWN_NAME_LEN];
	unsigned int major = 0, minor = 0;

	if (!b) {
		errno = EINVAL;
		return -1;
	}
	if (fd < 0 && resolve(port, &major, &minor, name))
		return -1;
	b->size = sizeof(*b);
	b->fd = fd < 0 ? -1 : fd;
	b->dev_major = major;
	b->dev_minor = minor;
	return ctl_ioctl(req, b, CTL_BY_DEV);
}

int portown_get_baseline(const char *port, struct portown_baseline *b)
{
	if (b)
		memset(b, 0, sizeof(*b));
	return baseline_req(PORTOWN_IOC_GET_BASELINE, port, -1, b);
}

int portown_set_baseline(const char *port, int fd, struct portown_baseline *b)
{
	return baseline_req(PORTOWN_IOC_SET_BASELINE, port, fd, b);
}

int portown_set_reset(const char *port, unsigned int reset)
{
	struct portown_reset r = { .size = sizeof(r), .fd = -1, .reset = reset };
	char name[PORTOWN_NAME_LEN];

	if (resolve(port, &r.dev_major, &r.dev_minor, name))
		return -1;
	return ctl_ioctl(PORTOWN_IOC_SET_RESET, &r, CTL_BY_DEV);
}

static const char * const reset_names[] = {
	[PORTOWN_RESET_HANGUP] = "hangup",
	[PORTOWN_RESET_CLOSE] = "close",
	[PORTOWN_RESET_NEVER] = "never",
};

const char *portown_reset_name(unsigned int reset)
{
	return reset < ARRAY_SIZE(reset_names) ? reset_names[reset] : "?";
}

int portown_reset_parse(const char *word)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(reset_names); i++)
		if (!strcmp(word, reset_names[i]))
			return i;
	errno = EINVAL;
	return -1;
}

/*
 * The history request is laid out as the holders request, so that one
 * helper, port_list(), makes either.
 */
#define SAME_OFFSET(a, b) \
	(offsetof(struct portown_history, a) == offsetof(struct portown_holders, b))
static_assert(sizeof(struct portown_history) == sizeof(struct portown_holders) &&
	      SAME_OFFSET(count, count) && SAME_OFFSET(entry_size, entry_size) &&
	      SAME_OFFSET(events, holders) && SAME_OFFSET(written, written),
	      "struct portown_history must match struct portown_holders");

/* A list about the port @major:@minor whose entries are @size bytes. */
static int dev_list(unsigned long req, unsigned int major, unsigned int minor,
		    size_t size, void **out, size_t *nr)
{
	struct portown_holders h;

	memset(&h, 0, sizeof(h));
	h.size = sizeof(h);
	h.fd = -1;
	h.dev_major = major;
	h.dev_minor = minor;
	h.entry_size = size;
	return fetch(req, &h, &h.count, &h.holders, &h.written, size, out, nr);
}

/*
 * A list about @port whose entries are @size bytes: its holders
 * (PORTOWN_IOC_HOLDERS) or its history (PORTOWN_IOC_HISTORY).
 */
static int port_list(unsigned long req, const char *port, size_t size,
		     void **out, size_t *nr)
{
	char name[PORTOWN_NAME_LEN];
	unsigned int major, minor;

	if (!out || !nr) {
		errno = EINVAL;
		return -1;
	}
	if (resolve(port, &major, &minor, name))
		return -1;
	return dev_list(req, major, minor, size, out, nr);
}

int portown_holders(const char *port, struct portown_ident **holders,
		    size_t *count)
{
	return port_list(PORTOWN_IOC_HOLDERS, port, sizeof(**holders),
			 (void **)holders, count);
}

int portown_history(const char *port, struct portown_event **events,
		    size_t *count)
{
	return port_list(PORTOWN_IOC_HISTORY, port, sizeof(**events),
			 (void **)events, count);
}

int portown_list(struct portown_list_entry **ports, size_t *count)
{
	struct portown_list l;

	if (!ports || !count) {
		errno = EINVAL;
		return -1;
	}
	memset(&l, 0, sizeof(l));
	l.size = sizeof(l);
	l.entry_size = sizeof(**ports);
	return fetch(PORTOWN_IOC_LIST, &l, &l.count, &l.ports, &l.written,
		     sizeof(**ports), (void **)ports, count);
}

int portown_ldisc_number(void)
{
	char text[16], *end;
	long num;

	if (read_text(LDISC_PARAM, text, sizeof(text)) < 0)
		return -1;
	errno = 0;
	num = strtol(text, &end, 10);
	if (errno || end == text || (*end && *end != '\n') || num < 0 ||
	    num > INT_MAX) {
		errno = EINVAL;
		return -1;
	}
	return num;
}

const char *portown_state_name(unsigned int state)
{
	static const char * const names[] = {
		[PORTOWN_STATE_CLOSED] = "closed",
		[PORTOWN_STATE_OPEN] = "open",
		[PORTOWN_STATE_CLAIMED] = "claimed",
		[PORTOWN_STATE_HUNGUP] = "hungup",
		[PORTOWN_STATE_GONE] = "gone",
	};

	if (state < ARRAY_SIZE(names) && names[state])
		return names[state];
	return "unknown";
}

const char *portown_event_name(unsigned int type)
{
	static const char * const names[] = {
		[PORTOWN_EV_OPEN] = "open",
		[PORTOWN_EV_CLOSE] = "close",
		[PORTOWN_EV_CLAIM] = "claim",
		[PORTOWN_EV_RELEASE] = "release",
		[PORTOWN_EV_DENY] = "deny",
		[PORTOWN_EV_HANGUP] = "hangup",
		[PORTOWN_EV_REINIT] = "reinit",
		[PORTOWN_EV_REPAIR] = "repair",
		[PORTOWN_EV_GONE] = "gone",
		[PORTOWN_EV_OVERFLOW] = "overflow",
	};

	if (type < ARRAY_SIZE(names) && names[type])
		return names[type];
	return "unknown";
}

int portown_format_time(char *buf, size_t len, unsigned long long ns)
{
	time_t t = ns / 1000000000ULL, now = time(NULL);
	struct tm tm, today;
	char text[32];

	if (!ns)
		return snprintf(buf, len, "-");
	if (!localtime_r(&t, &tm) || !localtime_r(&now, &today))
		return snprintf(buf, len, "%llu", ns / 1000000000ULL);
	if (tm.tm_year == today.tm_year && tm.tm_yday == today.tm_yday)
		strftime(text, sizeof(text), "%H:%M:%S", &tm);
	else
		strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S", &tm);
	return snprintf(buf, len, "%s", text);
}

int portown_format_ident(char *buf, size_t len,
			 const struct portown_ident *id)
{
	char comm[PORTOWN_COMM_LEN + 1], when[32], since[48] = "";
	unsigned char c;
	size_t i;

	if (nobody(id))
		return snprintf(buf, len, "nobody");
	if (id->flags & PORTOWN_ID_HIDDEN)
		return snprintf(buf, len,
				"a process of another user (not shown: you may not use the port)");
	/* no control characters in a message meant for a terminal */
	for (i = 0; i < PORTOWN_COMM_LEN && id->comm[i]; i++) {
		c = id->comm[i];
		comm[i] = c < 0x20 || c == 0x7f ? '?' : c;
	}
	comm[i] = '\0';
	if (id->since_ns) {
		portown_format_time(when, sizeof(when), id->since_ns);
		snprintf(since, sizeof(since), " since %s", when);
	}
	if (id->pid > 0)
		return snprintf(buf, len, "%s (pid %d, uid %u)%s",
				comm[0] ? comm : "?", id->pid, id->uid, since);
	return snprintf(buf, len, "%s (pid not visible, uid %u)%s",
			comm[0] ? comm : "a process", id->uid, since);
}

int portown_format_owner(char *buf, size_t len, const char *name,
			 const struct portown_ident *owner)
{
	char who[PORTOWN_MSG_LEN];

	if (!name || !*name)
		name = "the port";
	if (nobody(owner))
		return snprintf(buf, len, "%s is not in use", name);
	portown_format_ident(who, sizeof(who), owner);
	return snprintf(buf, len, "%s is in use by %s", name, who);
}

/* why */

static_assert(sizeof(struct portown_flock) == 32 && sizeof(struct portown_uucp) == 156 &&
	      sizeof(struct portown_why_report) == 2136,
	      "struct portown_why_report is part of the ABI of libportown.so.0");

static const char * const uucp_dirs[] = {
	"/run/lock", "/var/lock", "/var/spool/lock", "/var/spool/uucp",
};

const char *portown_uucp_dir(unsigned int i)
{
	return i < ARRAY_SIZE(uucp_dirs) ? uucp_dirs[i] : NULL;
}

int portown_uucp_name(char *buf, size_t len, const char *tty)
{
	int n = snprintf(buf, len, "LCK..%s", tty);
	char *p;

	for (p = buf && len > 5 ? buf + 5 : NULL; p && *p; p++)
		if (*p == '/')
			*p = '_';
	return n;
}

int portown_parse_proc_lock(const char *line, struct portown_proc_lock *l)
{
	char kind[16], mode[16], rw[16], dev[64], *end;
	unsigned long a, b;
	unsigned long long ino;
	const char *p;
	int pid;

	if (!line || !l)
		goto bad;
	/* "1: " and, for a waiter, "-> " (indented by its depth) */
	strtoll(line, &end, 10);
	if (end == line || *end != ':')
		goto bad;
	p = end + 1;
	p += strspn(p, " \t");
	if (!strncmp(p, "->", 2))
		return 1;
	if (sscanf(p, "%15s %15s %15s %d %63s", kind, mode, rw, &pid, dev) != 5)
		goto bad;
	if (!strncmp(dev, "<none>", 6)) {
		/* no inode: matches no device node */
		a = 0;
		b = 0;
		ino = 0;
	} else {
		errno = 0;
		a = strtoul(dev, &end, 16);
		if (*end != ':')
			goto bad;
		b = strtoul(end + 1, &end, 16);
		if (*end != ':')
			goto bad;
		ino = strtoull(end + 1, &end, 10);
		if (*end || errno || a > UINT_MAX || b > UINT_MAX)
			goto bad;
	}
	memset(l, 0, sizeof(*l));
	l->pid = pid;
	l->write = !strcmp(rw, "WRITE");
	snprintf(l->kind, sizeof(l->kind), "%.7s", kind);
	l->fs_major = a;
	l->fs_minor = b;
	l->ino = ino;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

int portown_parse_uucp_pid(const void *buf, size_t len)
{
	const unsigned char *p = buf, *end = p + len;
	long long v = 0;
	bool text = len > 0, digits = false;
	int bin;
	size_t i;

	if (!buf)
		goto bad;
	/* HDB: printable text, the pid in decimal after optional blanks */
	for (i = 0; i < len && text; i++)
		text = (p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\n' ||
		       p[i] == '\r' || p[i] == '\t';
	if (text) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		for (; p < end && *p >= '0' && *p <= '9' && v <= INT_MAX; p++) {
			v = v * 10 + (*p - '0');
			digits = true;
		}
		if (digits && v > 0 && v <= INT_MAX &&
		    (p == end || *p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
			return v;
		goto bad;
	}
	/* the old binary form: a native int; a pid's top byte is 0 */
	if (len == sizeof(bin)) {
		memcpy(&bin, buf, sizeof(bin));
		if (bin > 0)
			return bin;
	}
bad:
	errno = EINVAL;
	return -1;
}

const char *portown_uucp_verdict_name(int verdict)
{
	static const char * const names[] = {
		[PORTOWN_UUCP_UNKNOWN] = "unknown",
		[PORTOWN_UUCP_STALE] = "stale",
		[PORTOWN_UUCP_FOREIGN] = "foreign",
		[PORTOWN_UUCP_CONSISTENT] = "consistent",
	};

	if (verdict >= 0 && (size_t)verdict < ARRAY_SIZE(names))
		return names[verdict];
	return "?";
}

/* The name of process @pid from /proc, or "" when it cannot be read. */
static void proc_comm(int pid, char comm[PORTOWN_COMM_LEN])
{
	char path[32], text[64];
	ssize_t n;

	comm[0] = '\0';
	if (pid <= 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	n = read_text(path, text, sizeof(text));
	if (n <= 0)
		return;
	text[strcspn(text, "\n")] = '\0';
	snprintf(comm, PORTOWN_COMM_LEN, "%.*s", PORTOWN_COMM_LEN - 1, text);
}

int portown_why_dev(unsigned int major, unsigned int minor, struct portown_why *w)
{
	if (!w) {
		errno = EINVAL;
		return -1;
	}
	memset(w, 0, sizeof(*w));
	w->size = sizeof(*w);
	w->fd = -1;
	w->dev_major = major;
	w->dev_minor = minor;
	if (ctl_ioctl(PORTOWN_IOC_WHY, w, CTL_BY_DEV)) {
		memset(w, 0, sizeof(*w));
		w->dev_major = major;
		w->dev_minor = minor;
		w->ldisc = -1;
		return -1;
	}
	w->name[PORTOWN_NAME_LEN - 1] = '\0';
	w->ldisc_name[PORTOWN_COMM_LEN - 1] = '\0';
	return 0;
}

/* Ask portown; the report keeps its answer or the reason it has none. */
static void why_kernel(struct portown_why_report *r)
{
	if (portown_why_dev(r->dev_major, r->dev_minor, &r->why)) {
		r->kernel_error = errno;
		return;
	}
	r->kernel = 1;
	if (r->why.name[0])
		set_name(r->name, r->why.name);
}

/*
 * The port's device node: @port itself, else /dev/NAME; it must be a
 * character device of the port's number.
 */
static bool why_node(const char *port, const struct portown_why_report *r,
		     struct stat *st)
{
	char path[PATH_MAX];
	dev_t rdev = makedev(r->dev_major, r->dev_minor);

	if (stat(port_path(port, path, sizeof(path)), st) == 0 &&
	    S_ISCHR(st->st_mode) && st->st_rdev == rdev)
		return true;
	snprintf(path, sizeof(path), "/dev/%s", r->name);
	return stat(path, st) == 0 && S_ISCHR(st->st_mode) && st->st_rdev == rdev;
}

/*
 * Whether @l is in the report already.  The kernel holds its lock lists
 * for one read(2) of /proc/locks only, a page or so; the next read goes
 * on by position, and shows a lock again when one was added before it in
 * between.  (Two read locks of one process, or two OFD read locks, on the
 * port are one entry too.)
 */
static bool flock_seen(const struct portown_why_report *r, const struct portown_proc_lock *l)
{
	const struct portown_flock *f;
	unsigned int i;

	for (i = 0; i < r->nr_flocks; i++) {
		f = &r->flocks[i];
		if (f->pid == l->pid && f->write == l->write && !strcmp(f->kind, l->kind))
			return true;
	}
	return false;
}

/* The locks of /proc/locks on the inode of @node. */
static void why_flocks(struct portown_why_report *r, const struct stat *node)
{
	struct portown_proc_lock l;
	struct portown_flock *f;
	char *line = NULL;
	size_t len = 0;
	FILE *in;

	in = fopen(PROC_LOCKS, "re");
	if (!in)
		return;
	while (getline(&line, &len, in) > 0) {
		if (portown_parse_proc_lock(line, &l) ||
		    makedev(l.fs_major, l.fs_minor) != node->st_dev ||
		    l.ino != (unsigned long long)node->st_ino || flock_seen(r, &l))
			continue;
		if (r->nr_flocks >= PORTOWN_WHY_FLOCKS) {
			r->flocks_lost++;
			continue;
		}
		f = &r->flocks[r->nr_flocks++];
		f->pid = l.pid;
		f->write = l.write;
		memcpy(f->kind, l.kind, sizeof(f->kind));
		proc_comm(l.pid, f->comm);
	}
	free(line);
	fclose(in);
}

/* 1 when process @pid holds a descriptor of device @rdev, 0 when not, -1 unknown. */
static int pid_holds(int pid, dev_t rdev)
{
	char path[32];
	struct dirent *de;
	struct stat st;
	int found = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d)
		return -1;
	while (!found && (de = readdir(d)))
		found = de->d_name[0] != '.' &&
			fstatat(dirfd(d), de->d_name, &st, 0) == 0 &&
			S_ISCHR(st.st_mode) && st.st_rdev == rdev;
	closedir(d);
	return found;
}

/* The kernel's holders of the port, fetched on first use. */
struct why_holders {
	bool asked;
	struct portown_ident *h;
	size_t nr;
};

static bool kernel_holds(const struct portown_why_report *r, struct why_holders *kh, int pid)
{
	size_t i;

	if (!r->kernel)
		return false;
	if (!kh->asked) {
		kh->asked = true;
		if (dev_list(PORTOWN_IOC_HOLDERS, r->dev_major, r->dev_minor,
			     sizeof(*kh->h), (void **)&kh->h, &kh->nr)) {
			kh->h = NULL;
			kh->nr = 0;
		}
	}
	for (i = 0; i < kh->nr; i++)
		if (kh->h[i].pid == pid)
			return true;
	return false;
}

/* The verdict on a lock file naming @u->pid. */
static void uucp_verdict(const struct portown_why_report *r, struct why_holders *kh,
			 struct portown_uucp *u)
{
	int holds;

	if (u->pid <= 0) {
		u->verdict = PORTOWN_UUCP_STALE;
		return;
	}
	u->alive = kill(u->pid, 0) == 0 || errno == EPERM;
	if (!u->alive) {
		u->verdict = PORTOWN_UUCP_STALE;
		return;
	}
	proc_comm(u->pid, u->comm);
	if (kernel_holds(r, kh, u->pid)) {
		u->verdict = PORTOWN_UUCP_CONSISTENT;
		return;
	}
	holds = pid_holds(u->pid, makedev(r->dev_major, r->dev_minor));
	u->verdict = holds > 0 ? PORTOWN_UUCP_CONSISTENT :
		     holds == 0 ? PORTOWN_UUCP_FOREIGN : PORTOWN_UUCP_UNKNOWN;
}

/* Read the lock file @path; its pid, 0 when it names none, -1 when it is not there. */
static int uucp_read(const char *path)
{
	char buf[64];
	struct stat st;
	ssize_t n;
	int fd, pid;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -1 : 0;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return 0;
	}
	do
		n = read(fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0)
		return 0;
	pid = portown_parse_uucp_pid(buf, n);
	return pid > 0 ? pid : 0;
}

/* The port's UUCP lock files, each directory once. */
static void why_uucp(struct portown_why_report *r)
{
	struct why_holders kh = { 0 };
	struct stat seen[ARRAY_SIZE(uucp_dirs)], st;
	char file[64], path[PATH_MAX];
	struct portown_uucp *u;
	size_t nseen = 0, i, j;
	int pid;

	portown_uucp_name(file, sizeof(file), r->name);
	for (i = 0; i < ARRAY_SIZE(uucp_dirs); i++) {
		if (stat(uucp_dirs[i], &st) || !S_ISDIR(st.st_mode))
			continue;
		for (j = 0; j < nseen; j++)
			if (seen[j].st_dev == st.st_dev && seen[j].st_ino == st.st_ino)
				break;
		if (j < nseen)
			continue;
		seen[nseen++] = st;
		snprintf(path, sizeof(path), "%s/%s", uucp_dirs[i], file);
		pid = uucp_read(path);
		if (pid < 0)
			continue;
		if (r->nr_uucp >= PORTOWN_WHY_UUCPS) {
			r->uucp_lost++;
			continue;
		}
		u = &r->uucp[r->nr_uucp++];
		snprintf(u->path, sizeof(u->path), "%.*s", (int)sizeof(u->path) - 1, path);
		u->pid = pid;
		uucp_verdict(r, &kh, u);
	}
	free(kh.h);
}

/* Whether /proc/consoles names the tty @name. */
static bool proc_console(const char *name)
{
	char *line = NULL;
	size_t len = 0;
	bool found = false;
	FILE *in;

	in = fopen(PROC_CONSOLES, "re");
	if (!in)
		return false;
	while (!found && getline(&line, &len, in) > 0) {
		line[strcspn(line, " \t\n")] = '\0';
		found = !strcmp(line, name);
	}
	free(line);
	fclose(in);
	return found;
}

/* The devices on the serdev bus: a port bound to serdev has no tty. */
static int serdev_count(void)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	d = opendir(SERDEV_BUS);
	if (!d)
		return 0;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/*
 * Whether a tty driver of /proc/tty/drivers has the number @major:@minor;
 * true when that cannot be read.  A line: driver name, /dev prefix, major,
 * minors ("a-b" or "a"), type; read from the end in case a name holds a
 * space.
 */
static bool tty_number(unsigned int major, unsigned int minor)
{
	char *line = NULL, *tok[16], *t, *save, *end;
	unsigned long a, lo, hi;
	size_t len = 0, n;
	bool found = false;
	FILE *in;

	in = fopen(TTY_DRIVERS, "re");
	if (!in)
		return true;
	while (!found && getline(&line, &len, in) > 0) {
		n = 0;
		for (t = strtok_r(line, " \t\n", &save); t && n < ARRAY_SIZE(tok);
		     t = strtok_r(NULL, " \t\n", &save))
			tok[n++] = t;
		if (n < 5)
			continue;
		a = strtoul(tok[n - 3], &end, 10);
		if (*end)
			continue;
		lo = strtoul(tok[n - 2], &end, 10);
		hi = *end == '-' ? strtoul(end + 1, &end, 10) : lo;
		found = !*end && a == major && minor >= lo && minor <= hi;
	}
	free(line);
	fclose(in);
	return found;
}

int portown_why(const char *port, struct portown_why_report *r)
{
	const unsigned int busy_bits = PORTOWN_WHY_CLAIMED | PORTOWN_WHY_EXCL |
		PORTOWN_WHY_LDISC | PORTOWN_WHY_CONSOLE | PORTOWN_WHY_GONE |
		PORTOWN_WHY_HUNGUP | PORTOWN_WHY_OPEN;
	struct stat node;
	unsigned int i;
	int err;

	if (!r) {
		errno = EINVAL;
		return -1;
	}
	memset(r, 0, sizeof(*r));
	if (resolve(port, &r->dev_major, &r->dev_minor, r->name)) {
		err = errno;
		if (err == ENOENT) {
			set_name(r->name, short_name(port));
			r->serdev = serdev_count();
		}
		errno = err;
		return -1;
	}
	why_kernel(r);
	if (!r->kernel && !tty_number(r->dev_major, r->dev_minor)) {
		errno = ENOTTY;
		return -1;
	}
	if (why_node(port, r, &node))
		why_flocks(r, &node);
	why_uucp(r);
	r->console = (r->why.reasons & PORTOWN_WHY_CONSOLE) || proc_console(r->name);

	r->busy = (r->why.reasons & busy_bits) || r->console || r->nr_flocks ||
		  r->flocks_lost || r->uucp_lost;
	for (i = 0; i < r->nr_uucp; i++)
		if (r->uucp[i].verdict != PORTOWN_UUCP_STALE)
			r->busy = 1;
	return 0;
}
