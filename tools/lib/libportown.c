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
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

/*
 * A list about @port whose entries are @size bytes: its holders
 * (PORTOWN_IOC_HOLDERS) or its history (PORTOWN_IOC_HISTORY).
 */
static int port_list(unsigned long req, const char *port, size_t size,
		     void **out, size_t *nr)
{
	char name[PORTOWN_NAME_LEN];
	struct portown_holders h;
	unsigned int major, minor;

	if (!out || !nr) {
		errno = EINVAL;
		return -1;
	}
	if (resolve(port, &major, &minor, name))
		return -1;
	memset(&h, 0, sizeof(h));
	h.size = sizeof(h);
	h.fd = -1;
	h.dev_major = major;
	h.dev_minor = minor;
	h.entry_size = size;
	return fetch(req, &h, &h.count, &h.holders, &h.written, size, out, nr);
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
