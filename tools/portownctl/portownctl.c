// SPDX-License-Identifier: GPL-2.0
/*
 * portownctl - see and claim serial ports through portown.
 *
 * A front end to libportown: list the serial ports with their owners,
 * tell who holds one, claim one for the length of a command, wait for one
 * to become free, attach the line discipline, show a port's history.  Every
 * command can answer in JSON.  See portownctl(8).
 */
#define _GNU_SOURCE
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <asm/termbits.h>	/* struct termios2, TCGETS2: not glibc's termios */
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libportown.h"

#ifndef N_TTY
#define N_TTY		0
#endif

#ifndef PORTOWN_VERSION
#define PORTOWN_VERSION	"unknown"	/* the build sets it from VERSION */
#endif

#define EXIT_USAGE	1	/* also internal errors */
#define EXIT_BUSY	2
#define EXIT_TIMEOUT	3
#define EXIT_NOMOD	4
#define EXIT_NOPORT	5

#define NOBODY_UID	((__u32)-1)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define TTY_DRIVERS	"/proc/tty/drivers"
#define TTY_CLASS	"/sys/class/tty"

/* Options, and the commands that take them */
#define OPT_TIMEOUT	0x1
#define OPT_WAIT	0x2
#define OPT_EXEC	0x4
#define OPT_HOLD	0x8
#define OPT_SET		0x10
#define OPT_RESET	0x20

struct opts {
	unsigned int seen;
	int timeout_ms;
	int wait_ms;
};

/* The order of the members of struct portown_counters */
static const char * const counter_names[] = {
	"opens", "closes", "claims", "denials", "hangups", "reinits", "repairs",
};

static bool json;
/*
 * The command claim runs, for forward(); set before the signals it
 * handles are unblocked, and only read there.
 */
static sig_atomic_t child;

static void msg(const char *port, const char *fmt, ...)
{
	va_list ap;

	fputs("portownctl: ", stderr);
	if (port)
		fprintf(stderr, "%s: ", port);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int exit_for(int err)
{
	switch (err) {
	case EBUSY:
		return EXIT_BUSY;
	case ETIMEDOUT:
		return EXIT_TIMEOUT;
	case ENOENT:
	case ENODEV:
	case ENXIO:
	case ENOTTY:
		return EXIT_NOPORT;
	default:
		return EXIT_USAGE;
	}
}

static const char *describe(int err)
{
	switch (err) {
	case ENOENT:
		return "no such port";
	case ENOTTY:
		return "not a tty";
	case EOPNOTSUPP:
		return "the loaded portown module does not support this request (too old?)";
	default:
		return strerror(err);
	}
}

/* Report a failed request about @port; return the exit code. */
static int fail(const char *port, int err)
{
	msg(port, "%s", describe(err));
	return exit_for(err);
}

static const char *not_loaded_text(void)
{
	if (access("/sys/module/portown", F_OK) == 0)
		return PORTOWN_CTL_PATH " is missing, although the portown module is loaded";
	return "portown module not loaded (" PORTOWN_CTL_PATH " is missing)";
}

/* Check that /dev/portown answers; return 0 or the exit code. */
static int need_portown(const char *port)
{
	if (portown_available() == 0)
		return 0;
	if (errno == ENOENT) {
		msg(port, "%s", not_loaded_text());
		return EXIT_NOMOD;
	}
	msg(port, "%s: %s", PORTOWN_CTL_PATH, strerror(errno));
	return EXIT_USAGE;
}

/* Check that /dev/portown answers and read @port's state; 0 or the exit code. */
static int need_info(const char *port, struct portown_info *info)
{
	int rc;

	rc = need_portown(port);
	if (rc)
		return rc;
	if (portown_info(port, info))
		return fail(port, errno);
	return 0;
}

/*
 * The result @rc of a list request about @port: a port portown has not
 * seen (ENODEV) has an empty list.  Returns 0 or the exit code.
 */
static int list_result(const char *port, int rc, size_t *nr)
{
	if (!rc)
		return 0;
	if (errno != ENODEV)
		return fail(port, errno);
	*nr = 0;
	return 0;
}

static bool nobody(const struct portown_ident *id)
{
	return id->pid == 0 && id->uid == NOBODY_UID && !(id->flags & PORTOWN_ID_HIDDEN);
}

/* A process name fit for a terminal: control characters become '?'. */
static const char *comm_text(char *buf, const char *comm)
{
	unsigned char c;
	size_t i;

	for (i = 0; i < PORTOWN_COMM_LEN && comm[i]; i++) {
		c = comm[i];
		buf[i] = c < 0x20 || c == 0x7f ? '?' : c;
	}
	buf[i] = '\0';
	return i ? buf : "-";
}

/* The name of an identity for a terminal, "(hidden)" when it may not be shown. */
static const char *ident_comm(char *buf, const struct portown_ident *id)
{
	if (id->flags & PORTOWN_ID_HIDDEN)
		return "(hidden)";
	return comm_text(buf, id->comm);
}

static void counters(const struct portown_counters *c,
		     unsigned long long v[ARRAY_SIZE(counter_names)])
{
	static_assert(sizeof(*c) == ARRAY_SIZE(counter_names) * sizeof(__u64),
		      "counter_names[] must match struct portown_counters");
	const __u64 *p = (const __u64 *)c;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(counter_names); i++)
		v[i] = p[i];
}

static void holder_flags(char *buf, size_t len, const struct portown_ident *id)
{
	static const char * const mode[] = { "ro", "wo", "rw", "??" };

	snprintf(buf, len, "%s,%s%s%s%s",
		 id->flags & PORTOWN_ID_HIDDEN ? "?" : mode[id->open_flags & O_ACCMODE],
		 id->flags & PORTOWN_ID_HUNGUP ? "hungup" : "live",
		 id->flags & PORTOWN_ID_CLAIMER ? ",claimer" : "",
		 id->flags & PORTOWN_ID_PRIVILEGED ? ",privileged" : "",
		 id->flags & PORTOWN_ID_HIDDEN ? ",hidden" : "");
}

static void full_time(char *buf, size_t len, unsigned long long ns)
{
	time_t t = ns / 1000000000ULL;
	char text[32];
	struct tm tm;

	if (!localtime_r(&t, &tm) ||
	    !strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(text, sizeof(text), "%lld", (long long)t);
	snprintf(buf, len, "%s.%03llu", text, ns / 1000000ULL % 1000);
}

/* JSON output */

/* The length of a valid UTF-8 sequence at @p, or 0. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned int c = p[0];
	size_t n, i;

	n = c >= 0xf5 ? 0 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
	if (!n || (size_t)(end - p) < n)
		return 0;
	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0) ||
	    (c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90))
		return 0;
	return n;
}

/*
 * @s (at most @max bytes) as a quoted string: for JSON (@prom false),
 * control characters as \uXXXX, bytes that are not UTF-8 as U+FFFD; for
 * a label value of the Prometheus text format, line feeds as \n and the
 * rest as they are, bytes that are not UTF-8 as U+FFFD itself.  Quote
 * and backslash escaped in both.
 */
static void put_quoted(const char *s, size_t max, bool prom)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + strnlen(s, max);
	size_t n;

	putchar('"');
	while (p < end) {
		if (*p == '"' || *p == '\\') {
			printf("\\%c", *p);
		} else if (prom && *p == '\n') {
			fputs("\\n", stdout);
		} else if (!prom && (*p < 0x20 || *p == 0x7f)) {
			printf("\\u%04x", *p);
		} else if (*p < 0x80) {
			putchar(*p);
		} else {
			n = utf8_len(p, end);
			if (n) {
				fwrite(p, 1, n, stdout);
				p += n;
				continue;
			}
			fputs(prom ? "\xef\xbf\xbd" : "\\ufffd", stdout);
		}
		p++;
	}
	putchar('"');
}

static void json_str(const char *s, size_t max)
{
	put_quoted(s, max, false);
}

static void json_key(const char *key, const char *value, size_t max)
{
	printf("\"%s\":", key);
	json_str(value, max);
}

static void json_ident(const struct portown_ident *id, bool holder)
{
	char flags[64], *tok, *save;
	bool first = true;

	if (!holder && nobody(id)) {
		fputs("null", stdout);
		return;
	}
	printf("{\"pid\":%d,\"uid\":%u,", id->pid, id->uid);
	json_key("comm", id->comm, PORTOWN_COMM_LEN);
	printf(",\"since_ns\":%llu", (unsigned long long)id->since_ns);
	if (id->flags & PORTOWN_ID_HIDDEN)
		fputs(",\"hidden\":true", stdout);
	if (holder) {
		printf(",\"open_flags\":%u,\"flags\":[", id->open_flags);
		holder_flags(flags, sizeof(flags), id);
		for (tok = strtok_r(flags, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save), first = false)
			printf("%s\"%s\"", first ? "" : ",", tok);
		putchar(']');
	}
	putchar('}');
}

/* The members every port object has: port, dev, state, owner, ... */
static void json_port(const struct portown_info *info)
{
	unsigned long long v[ARRAY_SIZE(counter_names)];
	size_t i;

	json_key("port", info->name, PORTOWN_NAME_LEN);
	printf(",\"dev\":\"%u:%u\",\"state\":\"%s\",\"reset\":\"%s\",\"nr_holders\":%u,\"owner\":",
	       info->dev_major, info->dev_minor, portown_state_name(info->state),
	       portown_reset_name(info->reset), info->nr_holders);
	json_ident(&info->owner, false);
	fputs(",\"counters\":{", stdout);
	counters(&info->counters, v);
	for (i = 0; i < ARRAY_SIZE(counter_names); i++)
		printf("%s\"%s\":%llu", i ? "," : "", counter_names[i], v[i]);
	putchar('}');
}

/* Finish the output; a failed write of stdout is an error too. */
static int done(int rc)
{
	if (fflush(stdout) || ferror(stdout)) {
		msg(NULL, "standard output: %s", strerror(errno ? errno : EIO));
		return EXIT_USAGE;
	}
	return rc;
}

/* list */

struct range {
	unsigned int major, lo, hi;
};

struct row {
	unsigned int major, minor;
	char name[PORTOWN_NAME_LEN];
	struct portown_info info;
	unsigned int locks;		/* LOCK_* */
};

/* The lock schemes in use on a port, list's LOCKS column */
#define LOCK_CLAIM	0x1	/* portown's claim */
#define LOCK_EXCL	0x2	/* TIOCEXCL */
#define LOCK_FLOCK	0x4	/* flock(2) on the device node */
#define LOCK_FCNTL	0x8	/* POSIX or OFD lock (fcntl(2)) on it */
#define LOCK_UUCP	0x10	/* a UUCP lock file of a live process */
#define LOCK_UUCP_STALE	0x20	/* a UUCP lock file of a dead one */

static const char * const lock_names[] = {
	"claim", "excl", "flock", "fcntl", "uucp", "uucp-stale",
};

/* The locks of userspace, read once for all the ports of list */
struct lock_scan {
	struct scanned_lock {
		dev_t fs;
		unsigned long long ino;
		unsigned int scheme;	/* LOCK_FLOCK or LOCK_FCNTL */
	} *locks;
	size_t nlocks, cap_locks;
	struct scanned_uucp {
		char file[NAME_MAX + 1];
		unsigned int scheme;	/* LOCK_UUCP or LOCK_UUCP_STALE */
	} *uucp;
	size_t nuucp, cap_uucp;
};

static void *grow(void *arr, size_t *cap, size_t n, size_t size)
{
	void *p;

	if (n < *cap)
		return arr;
	*cap = *cap ? *cap * 2 : 16;
	p = reallocarray(arr, *cap, size);
	if (!p) {
		msg(NULL, "%s", strerror(ENOMEM));
		exit(EXIT_USAGE);
	}
	return p;
}

/*
 * The device number ranges of the drivers of type "serial".  A line of
 * /proc/tty/drivers: driver name, /dev prefix, major, minors ("a-b" or
 * "a"), type; read from the end in case a driver name holds a space.
 */
static int serial_ranges(struct range **out, size_t *nr)
{
	char *line = NULL, *tok[16], *t, *save, *end;
	size_t len = 0, cap = 0, n;
	struct range r, *ranges = NULL;
	FILE *f;

	*nr = 0;
	f = fopen(TTY_DRIVERS, "re");
	if (!f)
		return -1;
	while (getline(&line, &len, f) > 0) {
		n = 0;
		t = strtok_r(line, " \t\n", &save);
		while (t && n < ARRAY_SIZE(tok)) {
			tok[n++] = t;
			t = strtok_r(NULL, " \t\n", &save);
		}
		if (n < 5 || strcmp(tok[n - 1], "serial"))
			continue;
		r.major = strtoul(tok[n - 3], &end, 10);
		if (*end)
			continue;
		r.lo = strtoul(tok[n - 2], &end, 10);
		r.hi = *end == '-' ? strtoul(end + 1, &end, 10) : r.lo;
		if (*end)
			continue;
		ranges = grow(ranges, &cap, *nr, sizeof(*ranges));
		ranges[(*nr)++] = r;
	}
	free(line);
	fclose(f);
	*out = ranges;
	return 0;
}

static bool in_ranges(const struct range *r, size_t nr, unsigned int major,
		      unsigned int minor)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (r[i].major == major && minor >= r[i].lo && minor <= r[i].hi)
			return true;
	return false;
}

static struct row *add_row(struct row *rows, size_t *cap, size_t *nr,
			   const char *name, unsigned int major,
			   unsigned int minor)
{
	struct row *row;

	rows = grow(rows, cap, *nr, sizeof(*rows));
	row = &rows[(*nr)++];
	memset(row, 0, sizeof(*row));
	row->major = major;
	row->minor = minor;
	snprintf(row->name, sizeof(row->name), "%.*s",
		 PORTOWN_NAME_LEN - 1, name);
	return rows;
}

/* The ttys in sysfs whose numbers fall in a serial driver's range. */
static struct row *sysfs_rows(const struct range *r, size_t nr, size_t *cap,
			      size_t *nrows)
{
	char path[PATH_MAX], text[32];
	struct row *rows = NULL;
	unsigned int major, minor;
	struct dirent *de;
	FILE *f;
	DIR *d;

	d = opendir(TTY_CLASS);
	if (!d) {
		msg(NULL, "%s: %s", TTY_CLASS, strerror(errno));
		return NULL;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), TTY_CLASS "/%s/dev", de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(text, sizeof(text), f) &&
		    sscanf(text, "%u:%u", &major, &minor) == 2 &&
		    in_ranges(r, nr, major, minor))
			rows = add_row(rows, cap, nrows, de->d_name, major, minor);
		fclose(f);
	}
	closedir(d);
	return rows;
}

static int row_cmp(const void *a, const void *b)
{
	return strverscmp(((const struct row *)a)->name,
			  ((const struct row *)b)->name);
}

/* The locks of /proc/locks (/dev/pts is not /dev's filesystem: keep all). */
static void scan_proc_locks(struct lock_scan *sc)
{
	struct portown_proc_lock l;
	struct scanned_lock *k;
	char *line = NULL;
	size_t len = 0;
	FILE *in;

	in = fopen("/proc/locks", "re");
	if (!in)
		return;
	while (getline(&line, &len, in) > 0) {
		if (portown_parse_proc_lock(line, &l) || !l.ino)
			continue;
		sc->locks = grow(sc->locks, &sc->cap_locks, sc->nlocks, sizeof(*sc->locks));
		k = &sc->locks[sc->nlocks++];
		k->fs = makedev(l.fs_major, l.fs_minor);
		k->ino = l.ino;
		k->scheme = strcmp(l.kind, "FLOCK") ? LOCK_FCNTL : LOCK_FLOCK;
	}
	free(line);
	fclose(in);
}

/* The pid of lock file @file in directory @dfd, or 0. */
static int uucp_pid_at(int dfd, const char *file)
{
	char buf[64];
	ssize_t n;
	int fd;

	fd = openat(dfd, file, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	n = n > 0 ? portown_parse_uucp_pid(buf, n) : -1;
	return n > 0 ? n : 0;
}

/* The UUCP lock files LCK..* of each lock directory, each directory once. */
static void scan_uucp(struct lock_scan *sc)
{
	struct stat seen[8], st;
	struct scanned_uucp *u;
	struct dirent *de;
	size_t nseen = 0, j;
	const char *dir;
	unsigned int i;
	DIR *d;
	int pid;

	for (i = 0; (dir = portown_uucp_dir(i)) && nseen < ARRAY_SIZE(seen); i++) {
		if (stat(dir, &st) || !S_ISDIR(st.st_mode))
			continue;
		for (j = 0; j < nseen; j++)
			if (seen[j].st_dev == st.st_dev && seen[j].st_ino == st.st_ino)
				break;
		if (j < nseen)
			continue;
		seen[nseen++] = st;
		d = opendir(dir);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			if (strncmp(de->d_name, "LCK..", 5))
				continue;
			pid = uucp_pid_at(dirfd(d), de->d_name);
			sc->uucp = grow(sc->uucp, &sc->cap_uucp, sc->nuucp, sizeof(*sc->uucp));
			u = &sc->uucp[sc->nuucp++];
			snprintf(u->file, sizeof(u->file), "%s", de->d_name);
			u->scheme = pid > 0 && (kill(pid, 0) == 0 || errno == EPERM) ?
				    LOCK_UUCP : LOCK_UUCP_STALE;
		}
		closedir(d);
	}
}

/* The lock schemes in use on @row's port. */
static unsigned int row_locks(const struct lock_scan *sc, const struct row *row)
{
	const struct portown_info *info = &row->info;
	unsigned int locks = 0;
	char path[PATH_MAX], file[NAME_MAX + 1];
	struct portown_why w;
	struct stat st;
	size_t i;

	if (info->state == PORTOWN_STATE_CLAIMED)
		locks |= LOCK_CLAIM;
	if (info->nr_holders &&
	    portown_why_dev(info->dev_major, info->dev_minor, &w) == 0 &&
	    (w.reasons & PORTOWN_WHY_EXCL))
		locks |= LOCK_EXCL;
	snprintf(path, sizeof(path), "/dev/%s", info->name);
	if (sc->nlocks && stat(path, &st) == 0 && S_ISCHR(st.st_mode) &&
	    st.st_rdev == makedev(info->dev_major, info->dev_minor))
		for (i = 0; i < sc->nlocks; i++)
			if (sc->locks[i].fs == st.st_dev && sc->locks[i].ino == st.st_ino)
				locks |= sc->locks[i].scheme;
	portown_uucp_name(file, sizeof(file), info->name);
	for (i = 0; i < sc->nuucp; i++)
		if (!strcmp(sc->uucp[i].file, file))
			locks |= sc->uucp[i].scheme;
	return locks;
}

/* The LOCKS column: "excl,flock", or "-". */
static const char *locks_text(char *buf, size_t len, unsigned int locks)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(lock_names); i++)
		if (locks & (1U << i))
			n += snprintf(buf + n, n < len ? len - n : 0, "%s%s",
				      n ? "," : "", lock_names[i]);
	return n ? buf : "-";
}

static void json_locks(unsigned int locks)
{
	bool first = true;
	size_t i;

	fputs(",\"locks\":[", stdout);
	for (i = 0; i < ARRAY_SIZE(lock_names); i++) {
		if (!(locks & (1U << i)))
			continue;
		printf("%s\"%s\"", first ? "" : ",", lock_names[i]);
		first = false;
	}
	putchar(']');
}

/* Fill each row's lock schemes, reading what userspace holds once. */
static void read_locks(struct row *rows, size_t nr)
{
	struct lock_scan sc = { 0 };
	size_t i;

	scan_proc_locks(&sc);
	scan_uucp(&sc);
	for (i = 0; i < nr; i++)
		rows[i].locks = row_locks(&sc, &rows[i]);
	free(sc.locks);
	free(sc.uucp);
}

static void print_rows(const struct row *rows, size_t nr)
{
	int wport = 4, wowner = 5, wsince = 5, n;
	char since[32], comm[PORTOWN_COMM_LEN + 1], locks[64];
	const struct portown_ident *o;
	size_t i;

	for (i = 0; i < nr; i++) {
		o = &rows[i].info.owner;
		n = strlen(rows[i].info.name);
		wport = n > wport ? n : wport;
		n = strnlen(o->comm, PORTOWN_COMM_LEN);
		wowner = n > wowner ? n : wowner;
		n = portown_format_time(NULL, 0, o->since_ns);
		wsince = n > wsince ? n : wsince;
	}
	printf("%-*s %-7s %-*s %7s %6s %-*s %-7s %s\n", wport, "PORT", "STATE",
	       wowner, "OWNER", "PID", "UID", wsince, "SINCE", "HOLDERS", "LOCKS");
	for (i = 0; i < nr; i++) {
		char pid[16] = "-", uid[16] = "-";

		o = &rows[i].info.owner;
		if (o->pid > 0)
			snprintf(pid, sizeof(pid), "%d", o->pid);
		if (o->uid != NOBODY_UID)
			snprintf(uid, sizeof(uid), "%u", o->uid);
		portown_format_time(since, sizeof(since), o->since_ns);
		printf("%-*s %-7s %-*s %7s %6s %-*s %-7u %s\n", wport,
		       rows[i].info.name, portown_state_name(rows[i].info.state),
		       wowner, ident_comm(comm, o), pid, uid, wsince,
		       since, rows[i].info.nr_holders,
		       locks_text(locks, sizeof(locks), rows[i].locks));
	}
}

/* Add a row for each port portown tracks that is not in @rows yet. */
static struct row *add_tracked(struct row *rows, size_t *cap, size_t *nr,
			       const struct portown_list_entry *tracked,
			       size_t ntracked)
{
	size_t i, j;

	for (i = 0; i < ntracked; i++) {
		for (j = 0; j < *nr; j++)
			if (rows[j].major == tracked[i].dev_major &&
			    rows[j].minor == tracked[i].dev_minor)
				break;
		if (j == *nr)
			rows = add_row(rows, cap, nr, tracked[i].name,
				       tracked[i].dev_major,
				       tracked[i].dev_minor);
	}
	return rows;
}

/*
 * Read the state of each row's port from portown; one it has not seen
 * and that has no driver is closed.  A port that cannot be read is
 * reported and left out, and *@first_rc set to the exit code for the
 * first of them.  Returns the number of rows kept.
 */
static size_t read_rows(struct row *rows, size_t nr, int *first_rc)
{
	struct portown_info *info;
	size_t i, j;
	int err;

	for (i = 0, j = 0; i < nr; i++) {
		info = &rows[i].info;
		if (portown_info_dev(rows[i].major, rows[i].minor, info)) {
			err = errno;
			if (err != ENODEV && err != ENOENT) {
				/* report it and leave the port out */
				msg(rows[i].name, "%s", describe(err));
				if (!*first_rc)
					*first_rc = exit_for(err);
				continue;
			}
			/* not seen by portown and no driver: closed */
			memset(info, 0, sizeof(*info));
			info->dev_major = rows[i].major;
			info->dev_minor = rows[i].minor;
			info->owner.uid = NOBODY_UID;
		}
		if (!info->name[0])
			memcpy(info->name, rows[i].name, sizeof(info->name));
		rows[j++] = rows[i];
	}
	return j;
}

static void print_rows_json(const struct row *rows, size_t nr)
{
	size_t i;

	putchar('[');
	for (i = 0; i < nr; i++) {
		fputs(i ? ",{" : "{", stdout);
		json_port(&rows[i].info);
		json_locks(rows[i].locks);
		putchar('}');
	}
	puts("]");
}

/*
 * The serial ports in sysfs and those portown tracks, with their state,
 * sorted by name, in *@out (*@nr of them).  Returns 0, or the exit code
 * for a port that could not be read (the others are kept), or -1 with
 * errno set when portown cannot be asked.
 */
static int collect_rows(struct row **out, size_t *nr)
{
	struct portown_list_entry *tracked;
	struct range *ranges = NULL;
	size_t nranges, ntracked, cap = 0;
	struct row *rows;
	int first_rc = 0;

	*nr = 0;
	if (portown_list(&tracked, &ntracked))
		return -1;
	if (serial_ranges(&ranges, &nranges))
		msg(NULL, "%s: %s; listing tracked ports only", TTY_DRIVERS,
		    strerror(errno));
	rows = sysfs_rows(ranges, nranges, &cap, nr);
	rows = add_tracked(rows, &cap, nr, tracked, ntracked);
	free(tracked);
	free(ranges);

	*nr = read_rows(rows, *nr, &first_rc);
	if (*nr)
		qsort(rows, *nr, sizeof(*rows), row_cmp);
	*out = rows;
	return first_rc;
}

static int cmd_list(const char *port, char **argv, const struct opts *o)
{
	struct row *rows;
	size_t nr;
	int rc, first_rc;

	(void)port;
	(void)argv;
	(void)o;
	rc = need_portown(NULL);
	if (rc)
		return rc;
	first_rc = collect_rows(&rows, &nr);
	if (first_rc < 0)
		return fail(NULL, errno);
	read_locks(rows, nr);
	if (json)
		print_rows_json(rows, nr);
	else
		print_rows(rows, nr);
	free(rows);
	return done(first_rc);
}

/* who */

static void print_who_json(const struct portown_info *info,
			   const struct portown_ident *h, size_t nr)
{
	size_t i;

	putchar('{');
	json_port(info);
	fputs(",\"holders\":[", stdout);
	for (i = 0; i < nr; i++) {
		if (i)
			putchar(',');
		json_ident(&h[i], true);
	}
	puts("]}");
}

/* The port's state, owner, device number and counters. */
static void print_who_port(const struct portown_info *info)
{
	unsigned long long v[ARRAY_SIZE(counter_names)];
	char text[PORTOWN_MSG_LEN];
	size_t i;

	printf("%s: %s", info->name, portown_state_name(info->state));
	if (!nobody(&info->owner)) {
		portown_format_ident(text, sizeof(text), &info->owner);
		printf(info->state == PORTOWN_STATE_CLAIMED ? " by %s" :
		       ", held by %s", text);
	}
	printf("\n  dev %u:%u, reset at %s, %u holder%s", info->dev_major, info->dev_minor,
	       portown_reset_name(info->reset), info->nr_holders,
	       info->nr_holders == 1 ? "" : "s");
	counters(&info->counters, v);
	for (i = 0; i < ARRAY_SIZE(counter_names); i++)
		printf("%s %s %llu", i ? "," : ";", counter_names[i], v[i]);
	putchar('\n');
}

/* A table of the holders, when there are any. */
static void print_holders(const struct portown_ident *h, size_t nr)
{
	char flags[64], since[32], pid[16], uid[16];
	char comm[PORTOWN_COMM_LEN + 1];
	int w = 5, n;
	size_t i;

	for (i = 0; i < nr; i++) {
		n = portown_format_time(NULL, 0, h[i].since_ns);
		w = n > w ? n : w;
	}
	if (nr)
		printf("  %7s %6s %-*s %-24s %s\n", "PID", "UID", w, "SINCE",
		       "FLAGS", "COMM");
	for (i = 0; i < nr; i++) {
		holder_flags(flags, sizeof(flags), &h[i]);
		portown_format_time(since, sizeof(since), h[i].since_ns);
		snprintf(pid, sizeof(pid), h[i].pid > 0 ? "%d" : "-", h[i].pid);
		snprintf(uid, sizeof(uid), h[i].uid != NOBODY_UID ? "%u" : "-", h[i].uid);
		printf("  %7s %6s %-*s %-24s %s\n", pid, uid, w,
		       since, flags, ident_comm(comm, &h[i]));
	}
}

static int cmd_who(const char *port, char **argv, const struct opts *o)
{
	struct portown_ident *h = NULL;
	struct portown_info info;
	size_t nr = 0;
	int rc;

	(void)argv;
	(void)o;
	rc = need_info(port, &info);
	if (!rc)
		rc = list_result(port, portown_holders(port, &h, &nr), &nr);
	if (rc)
		return rc;

	if (json) {
		print_who_json(&info, h, nr);
	} else {
		print_who_port(&info);
		print_holders(h, nr);
	}
	free(h);
	return done(0);
}

/* claim */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * Forward a signal that another process sent to us; one the terminal sent
 * (si_code > 0) has gone to the command's process group already.
 */
static void forward(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (child > 0 && si->si_code <= 0)
		kill(child, sig);
}

static int exec_failed(const char *cmd)
{
	int err = errno;

	msg(NULL, "%s: %s", cmd, strerror(err));
	return err == ENOENT ? 127 : 126;
}

/*
 * Block @sigs and have forward() pass them to the command; @saved and @old
 * get what was there before.
 */
static void forward_signals(const int *sigs, size_t n, struct sigaction *saved,
			    sigset_t *old)
{
	struct sigaction sa;
	sigset_t block;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = forward;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	for (i = 0; i < n; i++)
		sigaddset(&block, sigs[i]);
	sigprocmask(SIG_BLOCK, &block, old);
	for (i = 0; i < n; i++)
		sigaction(sigs[i], &sa, &saved[i]);
}

/* Wait for the command @pid to end; return its exit status. */
static int wait_child(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			msg(NULL, "waitpid: %s", strerror(errno));
			return EXIT_USAGE;
		}
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_USAGE;
}

/* Run @argv with the claimed port open; return its exit status. */
static int run(char **argv, bool in_place)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM };
	struct sigaction saved[ARRAY_SIZE(sigs)];
	sigset_t old;
	pid_t pid;
	size_t i;

	fflush(stdout);
	if (in_place) {
		execvp(argv[0], argv);
		return exec_failed(argv[0]);
	}

	forward_signals(sigs, ARRAY_SIZE(sigs), saved, &old);
	pid = fork();
	if (pid == 0) {
		for (i = 0; i < ARRAY_SIZE(sigs); i++)
			sigaction(sigs[i], &saved[i], NULL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		execvp(argv[0], argv);
		_exit(exec_failed(argv[0]));
	}
	if (pid < 0) {
		msg(NULL, "fork: %s", strerror(errno));
		return EXIT_USAGE;
	}
	child = pid;
	sigprocmask(SIG_SETMASK, &old, NULL);
	return wait_child(pid);
}

/*
 * Report that @port could not be claimed (@err, with @why from portown),
 * in JSON too when it is busy; return the exit code.
 */
static int refused(const struct portown_conflict *why, int err, bool timed_out)
{
	if (json && err == EBUSY) {
		printf("{\"port\":");
		json_str(why->name, PORTOWN_NAME_LEN);
		printf(",\"dev\":\"%u:%u\",\"state\":\"%s\",\"owner\":",
		       why->dev_major, why->dev_minor,
		       portown_state_name(why->state));
		json_ident(&why->owner, false);
		putchar(',');
		json_key("message", why->message, PORTOWN_MSG_LEN);
		puts("}");
		done(0);
	}
	msg(NULL, "%s", why->message);
	return timed_out ? EXIT_TIMEOUT : exit_for(err);
}

/*
 * Claim @port, with --wait waiting for it while it is busy.  Returns 0 with
 * the descriptor, still O_NONBLOCK, in *@fd; or the exit code.
 */
static int claim_port(const char *port, const struct opts *o, int *fd)
{
	const struct timespec backoff = { 0, 100 * 1000 * 1000 };
	long long deadline = now_ms() + o->wait_ms;
	bool waits = (o->seen & OPT_WAIT) && o->wait_ms;
	bool looked_free = false, timed_out = false;
	struct portown_conflict why;
	int err, left;

	for (;;) {
		/* O_NONBLOCK: do not wait for carrier; cleared below */
		*fd = portown_open_claim(port, O_NONBLOCK, &why);
		err = errno;
		if (*fd >= 0 || err != EBUSY || !waits)
			break;
		/* free by WAIT, yet busy: TIOCEXCL, or another was quicker */
		if (looked_free)
			nanosleep(&backoff, NULL);
		left = o->wait_ms < 0 ? -1 : (int)(deadline - now_ms());
		if (o->wait_ms > 0 && left <= 0) {
			timed_out = true;
			break;
		}
		looked_free = portown_wait(port, left) == 0;
		if (!looked_free && errno != ETIMEDOUT)
			return fail(port, errno);
		/* after a timeout, one last try */
	}
	if (*fd < 0)
		return refused(&why, err, timed_out);
	return 0;
}

static int cmd_claim(const char *port, char **argv, const struct opts *o)
{
	int fd, rc, fl;
	char num[16];

	rc = need_portown(port);
	if (rc)
		return rc;
	if (argv[0] && !strcmp(argv[0], "--"))
		argv++;
	if (!argv[0]) {
		msg(NULL, "claim: no command given");
		return EXIT_USAGE;
	}
	rc = claim_port(port, o, &fd);
	if (rc)
		return rc;

	fl = fcntl(fd, F_GETFL);
	snprintf(num, sizeof(num), "%d", fd);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0 ||
	    setenv("PORTOWN_FD", num, 1)) {
		msg(port, "%s", strerror(errno));
		close(fd);
		return EXIT_USAGE;
	}
	return run(argv, o->seen & OPT_EXEC);
}

/* wait */

static int cmd_wait(const char *port, char **argv, const struct opts *o)
{
	struct portown_info info;
	char text[PORTOWN_MSG_LEN];
	bool have, free_;
	int rc, err;

	(void)argv;
	rc = need_portown(port);
	if (rc)
		return rc;
	rc = portown_wait(port, o->timeout_ms);
	err = errno;
	if (rc && err != ETIMEDOUT)
		return fail(port, err);
	free_ = !rc;
	have = portown_info(port, &info) == 0;

	if (json) {
		if (have) {
			putchar('{');
			json_port(&info);
		} else {
			printf("{\"port\":");
			json_str(port, PATH_MAX);
		}
		printf(",\"free\":%s}\n", free_ ? "true" : "false");
		rc = done(0);
		if (rc)
			return rc;
	}
	if (free_)
		return 0;
	if (have && !nobody(&info.owner)) {
		portown_format_ident(text, sizeof(text), &info.owner);
		msg(port, "timed out; %s by %s", portown_state_name(info.state),
		    text);
	} else {
		msg(port, "timed out");
	}
	return EXIT_TIMEOUT;
}

/* attach, detach */

/* portown's line discipline number, in *@ld; 0 or the exit code. */
static int need_ldisc(const char *port, int *ld)
{
	*ld = portown_ldisc_number();
	if (*ld >= 0)
		return 0;
	if (errno == ENOENT) {
		msg(port, "portown module not loaded");
		return EXIT_NOMOD;
	}
	msg(port, "portown's line discipline number: %s", strerror(errno));
	return EXIT_USAGE;
}

/*
 * Give @port, open as @fd, portown's discipline @ld (@attach) or N_TTY,
 * if it has the other one of the two or that one already; *@cur gets the
 * one it had.  Returns 0 or the exit code.
 */
static int switch_ldisc(const char *port, int fd, int ld, bool attach, int *cur)
{
	int want = attach ? ld : N_TTY;

	if (ioctl(fd, TIOCGETD, cur) < 0)
		return fail(port, errno);
	if (*cur != want && *cur != (attach ? N_TTY : ld)) {
		msg(port, "has line discipline %d, not %s; leaving it alone",
		    *cur, attach ? "N_TTY" : "portown's");
		return EXIT_USAGE;
	}
	if (*cur != want && ioctl(fd, TIOCSETD, &want) < 0)
		return fail(port, errno);
	return 0;
}

/*
 * The discipline @ld is attached to @port, open as @fd, and goes when the
 * last holder closes it: with --hold keep the port open until a signal,
 * else say so when nobody else holds it.
 */
static void after_attach(const char *port, const struct opts *o, int fd, int ld)
{
	struct portown_info info;
	struct stat st;
	sigset_t set;

	if (o->seen & OPT_HOLD) {
		/* keep the port, and so the discipline, until a signal */
		if (!json)
			msg(port, "discipline %d attached; holding the port open until a signal",
			    ld);
		sigemptyset(&set);
		sigaddset(&set, SIGHUP);
		sigaddset(&set, SIGINT);
		sigaddset(&set, SIGTERM);
		sigprocmask(SIG_BLOCK, &set, NULL);
		while (sigwaitinfo(&set, NULL) < 0 && errno == EINTR)
			;
	} else if (fstat(fd, &st) == 0 &&
		   portown_info_dev(major(st.st_rdev), minor(st.st_rdev),
				    &info) == 0 && info.nr_holders <= 1) {
		msg(port, "nobody else holds the port: the discipline goes now (see --hold)");
	}
}

static int set_ldisc(const char *port, const struct opts *o, bool attach)
{
	struct portown_conflict why;
	int ld, fd, cur, want, rc;

	rc = need_ldisc(port, &ld);
	if (rc)
		return rc;
	fd = portown_open(port, O_NONBLOCK | O_CLOEXEC, &why);
	if (fd < 0) {
		msg(NULL, "%s", why.message);
		return exit_for(why.error);
	}
	rc = switch_ldisc(port, fd, ld, attach, &cur);
	if (rc)
		goto out;
	want = attach ? ld : N_TTY;
	if (json) {
		printf("{\"port\":");
		json_str(why.name, PORTOWN_NAME_LEN);
		printf(",\"ldisc\":%d,\"previous\":%d,\"changed\":%s}\n", want,
		       cur, cur != want ? "true" : "false");
		rc = done(0);
		if (rc)
			goto out;
	}
	if (attach)
		after_attach(port, o, fd, ld);
out:
	close(fd);
	return rc;
}

static int cmd_attach(const char *port, char **argv, const struct opts *o)
{
	(void)argv;
	return set_ldisc(port, o, true);
}

static int cmd_detach(const char *port, char **argv, const struct opts *o)
{
	(void)argv;
	return set_ldisc(port, o, false);
}

/* history */

/*
 * One event: a text row (with a PORT column when @with_port) or a JSON
 * object, as history and watch print them.
 */
/* How a gone event's device went: unplugged, or its driver unbound. */
static const char *gone_how(const struct portown_event *ev)
{
	if (ev->type != PORTOWN_EV_GONE || !ev->who.since_ns)
		return "";
	return ev->who.flags & PORTOWN_ID_UNBOUND ? " (driver unbound by this process)" :
	       " (unplugged)";
}

static void print_event(const struct portown_event *ev, bool with_port)
{
	char when[48], pid[16], uid[16], comm[PORTOWN_COMM_LEN + 1];

	full_time(when, sizeof(when), ev->time_ns);
	snprintf(pid, sizeof(pid), ev->who.pid > 0 ? "%d" : "-", ev->who.pid);
	snprintf(uid, sizeof(uid),
		 ev->who.uid != NOBODY_UID && ev->who.since_ns ? "%u" : "-",
		 ev->who.uid);
	if (with_port)
		printf("%-23s %-8.*s %6llu %-8s", when, PORTOWN_NAME_LEN, ev->name,
		       (unsigned long long)ev->seq, portown_event_name(ev->type));
	else
		printf("%-23s %6llu %-7s", when, (unsigned long long)ev->seq,
		       portown_event_name(ev->type));
	printf(" %-7s %7s %6s %s%s%s%s%s\n", portown_state_name(ev->state), pid, uid,
	       ident_comm(comm, &ev->who),
	       ev->who.flags & PORTOWN_ID_EXCL ? " (had TIOCEXCL, cleared)" : "",
	       ev->who.flags & PORTOWN_ID_AT_CLOSE ? " (after the last close)" : "",
	       ev->type != PORTOWN_EV_REINIT || !(ev->who.flags & PORTOWN_ID_KEPT) ? "" :
	       ev->who.flags & PORTOWN_ID_CONSOLE ? " (console, settings kept)" :
	       " (reset never, settings kept)", gone_how(ev));
}

/* What a reinit event says besides its owner. */
static void json_reinit(unsigned int flags)
{
	static const struct {
		const char *key;
		unsigned int bit;
	} bits[] = {
		{ "excl_cleared", PORTOWN_ID_EXCL },
		{ "kept", PORTOWN_ID_KEPT },
		{ "console", PORTOWN_ID_CONSOLE },
		{ "at_close", PORTOWN_ID_AT_CLOSE },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bits); i++)
		printf(",\"%s\":%s", bits[i].key, flags & bits[i].bit ? "true" : "false");
	printf(",\"reset\":\"%s\"",
	       portown_reset_name((flags & PORTOWN_ID_RESET_MASK) >> PORTOWN_ID_RESET_SHIFT));
}

static void json_event(const struct portown_event *ev, bool with_port)
{
	printf("{\"time_ns\":%llu,", (unsigned long long)ev->time_ns);
	if (with_port) {
		printf("\"port\":");
		json_str(ev->name, PORTOWN_NAME_LEN);
		putchar(',');
	}
	printf("\"seq\":%llu,\"event\":\"%s\",\"state\":\"%s\",\"who\":",
	       (unsigned long long)ev->seq, portown_event_name(ev->type),
	       portown_state_name(ev->state));
	json_ident(&ev->who, false);
	if (ev->type == PORTOWN_EV_REINIT)
		json_reinit(ev->who.flags);
	if (ev->type == PORTOWN_EV_GONE && ev->who.since_ns)
		printf(",\"unbound\":%s", ev->who.flags & PORTOWN_ID_UNBOUND ? "true" : "false");
	putchar('}');
}

static int cmd_history(const char *port, char **argv, const struct opts *o)
{
	struct portown_event *ev = NULL;
	struct portown_info info;
	size_t nr = 0, i;
	int rc;

	(void)argv;
	(void)o;
	rc = need_info(port, &info);
	if (!rc)
		rc = list_result(port, portown_history(port, &ev, &nr), &nr);
	if (rc)
		return rc;

	if (json) {
		printf("{\"port\":");
		json_str(info.name, PORTOWN_NAME_LEN);
		printf(",\"dev\":\"%u:%u\",\"events\":[", info.dev_major,
		       info.dev_minor);
		for (i = 0; i < nr; i++) {
			if (i)
				putchar(',');
			json_event(&ev[i], false);
		}
		puts("]}");
		free(ev);
		return done(0);
	}

	printf("%-23s %6s %-7s %-7s %7s %6s %s\n", "TIME", "SEQ", "EVENT",
	       "STATE", "PID", "UID", "COMM");
	for (i = 0; i < nr; i++)
		print_event(&ev[i], false);
	free(ev);
	return done(0);
}

/* why */

/* @id as "comm (pid N, uid U)", without its time. */
static void ident_text(char *buf, size_t len, const struct portown_ident *id)
{
	struct portown_ident bare = *id;

	bare.since_ns = 0;
	portown_format_ident(buf, len, &bare);
}

/* An identity the kernel left all zero: it did not see the process. */
static bool unseen(const struct portown_ident *id)
{
	return !id->pid && !id->since_ns && !id->comm[0] && !(id->flags & PORTOWN_ID_HIDDEN);
}

static void why_line(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static const char *lock_kind_text(const char *kind)
{
	if (!strcmp(kind, "FLOCK"))
		return "flock";
	if (!strcmp(kind, "POSIX"))
		return "POSIX lock";
	if (!strcmp(kind, "OFDLCK"))
		return "OFD lock";
	return kind;
}

static void print_why_flock(const char *name, const struct portown_flock *f)
{
	char comm[PORTOWN_COMM_LEN + 1];
	const char *kind = lock_kind_text(f->kind), *rw = f->write ? "write" : "read";

	if (f->pid > 0 && f->comm[0])
		why_line(name, "%s (%s) held by %s (pid %d)", kind, rw,
			 comm_text(comm, f->comm), f->pid);
	else if (f->pid > 0)
		why_line(name, "%s (%s) held by pid %d", kind, rw, f->pid);
	else if (f->pid < 0)
		why_line(name, "%s (%s) held through an open file description (no pid)",
			 kind, rw);
	else
		why_line(name, "%s (%s) held by a process not visible here", kind, rw);
}

static void print_why_uucp(const char *name, const struct portown_uucp *u)
{
	char comm[PORTOWN_COMM_LEN + 1], who[PORTOWN_COMM_LEN + 4] = "";

	if (u->pid <= 0) {
		why_line(name, "UUCP lock %s names no pid: stale", u->path);
		return;
	}
	if (u->comm[0])
		snprintf(who, sizeof(who), " (%s)", comm_text(comm, u->comm));
	switch (u->verdict) {
	case PORTOWN_UUCP_STALE:
		why_line(name, "UUCP lock %s by pid %d: stale: pid %d is dead", u->path,
			 u->pid, u->pid);
		break;
	case PORTOWN_UUCP_CONSISTENT:
		why_line(name, "UUCP lock %s by pid %d%s: consistent, it holds the port",
			 u->path, u->pid, who);
		break;
	case PORTOWN_UUCP_FOREIGN:
		why_line(name, "UUCP lock %s by pid %d%s: foreign: pid %d%s %s", u->path,
			 u->pid, who, u->pid, who, "lives but does not hold the port");
		break;
	default:
		why_line(name, "UUCP lock %s by pid %d%s: unknown: pid %d lives; %s%d%s",
			 u->path, u->pid, who, u->pid,
			 "whether it holds the port cannot be seen (/proc/", u->pid,
			 "/fd is not readable)");
	}
}

/* What portown could not be asked, as a sentence. */
static const char *why_unasked(int err)
{
	switch (err) {
	case ENOENT:
		return "portown module not loaded";
	case ENODEV:
		return "portown does not track this port";
	case EOPNOTSUPP:
		return "the loaded portown module does not support this request (too old?)";
	default:
		return strerror(err);
	}
}

static void print_why(const struct portown_why_report *r)
{
	const struct portown_why *w = &r->why;
	char who[PORTOWN_MSG_LEN], when[32];
	const char *name = r->name;
	unsigned int i;

	if (w->reasons & PORTOWN_WHY_CLAIMED) {
		portown_format_ident(who, sizeof(who), &w->claimer);
		why_line(name, "claimed by %s", who);
	}
	if (w->reasons & PORTOWN_WHY_EXCL) {
		ident_text(who, sizeof(who), &w->excl);
		portown_format_time(when, sizeof(when), w->excl.since_ns);
		if (unseen(&w->excl))
			why_line(name, "exclusive (TIOCEXCL), %s",
				 "set before portown was loaded (who set it is not known)");
		else if (w->excl.since_ns)
			why_line(name, "exclusive (TIOCEXCL) since %s, set by %s", when, who);
		else
			why_line(name, "exclusive (TIOCEXCL), set by %s", who);
	}
	for (i = 0; i < r->nr_flocks; i++)
		print_why_flock(name, &r->flocks[i]);
	if (r->flocks_lost)
		why_line(name, "%u more locks not shown", r->flocks_lost);
	for (i = 0; i < r->nr_uucp; i++)
		print_why_uucp(name, &r->uucp[i]);
	if (r->uucp_lost)
		why_line(name, "%u more UUCP lock files not shown", r->uucp_lost);
	if (w->reasons & PORTOWN_WHY_LDISC)
		why_line(name, "line discipline %s (%d)",
			 w->ldisc_name[0] ? w->ldisc_name : "?", w->ldisc);
	if (r->console)
		why_line(name, "a kernel console");
	if (w->reasons & PORTOWN_WHY_GONE) {
		ident_text(who, sizeof(who), &w->removed);
		if (w->removed.flags & PORTOWN_ID_UNBOUND)
			why_line(name, "gone: driver unbound by %s", who);
		else
			why_line(name, "gone: unplugged");
	}
	if (w->reasons & PORTOWN_WHY_HUNGUP)
		why_line(name, "hung up; its dead descriptors remain until they are closed");
	if (w->reasons & PORTOWN_WHY_OPEN) {
		portown_format_ident(who, sizeof(who), &w->owner);
		if (nobody(&w->owner) || unseen(&w->owner))
			why_line(name, "open (%u holder%s, none live)", w->nr_holders,
				 w->nr_holders == 1 ? "" : "s");
		else
			why_line(name, "open by %s (%u holder%s)", who, w->nr_holders,
				 w->nr_holders == 1 ? "" : "s");
	}
	if (!r->kernel)
		why_line(name, "%s: %s", why_unasked(r->kernel_error),
			 "a claim, TIOCEXCL, a line discipline and who has the port open are not known");
	printf("%s is %s\n", name, r->busy ? "busy" : "free");
}

static void json_why_reason(const char *reason, bool *first)
{
	printf("%s{\"reason\":\"%s\"", *first ? "" : ",", reason);
	*first = false;
}

static void print_why_json(const struct portown_why_report *r)
{
	const struct portown_why *w = &r->why;
	const struct portown_flock *f;
	const struct portown_uucp *u;
	bool first = true;
	unsigned int i;

	putchar('{');
	json_key("port", r->name, PORTOWN_NAME_LEN);
	printf(",\"dev\":\"%u:%u\",\"busy\":%s,\"portown\":%s", r->dev_major, r->dev_minor,
	       r->busy ? "true" : "false", r->kernel ? "true" : "false");
	if (!r->kernel) {
		putchar(',');
		json_key("portown_error", why_unasked(r->kernel_error), PORTOWN_MSG_LEN);
	}
	fputs(",\"reasons\":[", stdout);
	if (w->reasons & PORTOWN_WHY_CLAIMED) {
		json_why_reason("claim", &first);
		fputs(",\"who\":", stdout);
		json_ident(&w->claimer, false);
		putchar('}');
	}
	if (w->reasons & PORTOWN_WHY_EXCL) {
		json_why_reason("excl", &first);
		fputs(",\"who\":", stdout);
		if (unseen(&w->excl))
			fputs("null", stdout);
		else
			json_ident(&w->excl, false);
		putchar('}');
	}
	for (i = 0; i < r->nr_flocks; i++) {
		f = &r->flocks[i];
		json_why_reason("flock", &first);
		printf(",\"kind\":\"%s\",\"type\":\"%s\",\"pid\":%d,", f->kind,
		       f->write ? "write" : "read", f->pid);
		json_key("comm", f->comm, PORTOWN_COMM_LEN);
		putchar('}');
	}
	for (i = 0; i < r->nr_uucp; i++) {
		u = &r->uucp[i];
		json_why_reason("uucp", &first);
		putchar(',');
		json_key("path", u->path, PORTOWN_UUCP_PATH_LEN);
		printf(",\"pid\":%d,\"alive\":%s,", u->pid, u->alive ? "true" : "false");
		json_key("comm", u->comm, PORTOWN_COMM_LEN);
		printf(",\"verdict\":\"%s\",\"busy\":%s}", portown_uucp_verdict_name(u->verdict),
		       u->verdict != PORTOWN_UUCP_STALE ? "true" : "false");
	}
	if (w->reasons & PORTOWN_WHY_LDISC) {
		json_why_reason("ldisc", &first);
		printf(",\"ldisc\":%d,", w->ldisc);
		json_key("name", w->ldisc_name, PORTOWN_COMM_LEN);
		putchar('}');
	}
	if (r->console) {
		json_why_reason("console", &first);
		putchar('}');
	}
	if (w->reasons & PORTOWN_WHY_GONE) {
		json_why_reason("gone", &first);
		if (w->removed.flags & PORTOWN_ID_UNBOUND) {
			fputs(",\"how\":\"unbound\",\"by\":", stdout);
			json_ident(&w->removed, false);
		} else {
			fputs(",\"how\":\"unplugged\"", stdout);
		}
		putchar('}');
	}
	if (w->reasons & PORTOWN_WHY_HUNGUP) {
		json_why_reason("hungup", &first);
		putchar('}');
	}
	if (w->reasons & PORTOWN_WHY_OPEN) {
		json_why_reason("open", &first);
		fputs(",\"owner\":", stdout);
		if (unseen(&w->owner))
			fputs("null", stdout);
		else
			json_ident(&w->owner, false);
		printf(",\"nr_holders\":%u}", w->nr_holders);
	}
	printf("],\"locks_not_shown\":%u,\"uucp_not_shown\":%u}\n", r->flocks_lost,
	       r->uucp_lost);
}

static int cmd_why(const char *port, char **argv, const struct opts *o)
{
	struct portown_why_report r;
	int err;

	(void)argv;
	(void)o;
	if (portown_why(port, &r)) {
		err = errno;
		if (err == ENOENT && r.serdev)
			msg(port, "no such tty; %d device%s on the serdev bus (%s): %s", r.serdev,
			    r.serdev == 1 ? " is" : "s are", "/sys/bus/serial/devices",
			    "a port bound to serdev has no tty, a kernel driver uses it");
		return fail(port, err);
	}
	if (json)
		print_why_json(&r);
	else
		print_why(&r);
	return done(r.busy ? EXIT_BUSY : 0);
}

/* main */

/* watch */

static int cmd_watch(const char *port, char **argv, const struct opts *o)
{
	struct portown_event ev[16];
	const char *name = NULL;
	ssize_t n;
	int fd, rc;
	size_t i;

	(void)argv;
	(void)o;
	rc = need_portown(port);
	if (rc)
		return rc;
	if (port)
		name = strncmp(port, "/dev/", 5) ? port : port + 5;
	fd = open(PORTOWN_CTL_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(port, errno);
	if (!json) {
		printf("%-23s %-8s %6s %-8s %-7s %7s %6s %s\n", "TIME", "PORT", "SEQ",
		       "EVENT", "STATE", "PID", "UID", "COMM");
		fflush(stdout);
	}
	while ((n = read(fd, ev, sizeof(ev))) > 0) {
		for (i = 0; i < (size_t)n / sizeof(ev[0]); i++) {
			if (name && ev[i].type != PORTOWN_EV_OVERFLOW &&
			    strncmp(ev[i].name, name, PORTOWN_NAME_LEN))
				continue;
			if (json) {
				json_event(&ev[i], true);
				putchar('\n');
			} else {
				print_event(&ev[i], true);
			}
		}
		if (fflush(stdout))
			break;
	}
	rc = errno;
	close(fd);
	if (n < 0 && rc != EINTR)
		return fail(port, rc);
	return done(0);
}

/* baseline */

static const char *short_port(const char *port)
{
	return strncmp(port, "/dev/", 5) ? port : port + 5;
}

static int read_settings(const char *port, struct portown_baseline *b, int *fdp)
{
	struct portown_conflict why;
	struct termios2 t;
	int fd;

	fd = portown_open(port, O_RDONLY | O_NONBLOCK | O_CLOEXEC, &why);
	if (fd < 0) {
		msg(NULL, "%s", why.message);
		return exit_for(why.error);
	}
	if (ioctl(fd, TCGETS2, &t)) {
		msg(port, "cannot read its settings: %s", strerror(errno));
		close(fd);
		return EXIT_USAGE;
	}
	memset(b, 0, sizeof(*b));
	b->c_iflag = t.c_iflag;
	b->c_oflag = t.c_oflag;
	b->c_cflag = t.c_cflag;
	b->c_lflag = t.c_lflag;
	b->c_line = 0;				/* N_TTY, always */
	memcpy(b->c_cc, t.c_cc,
	       sizeof(b->c_cc) < sizeof(t.c_cc) ? sizeof(b->c_cc) : sizeof(t.c_cc));
	b->c_ispeed = t.c_ispeed;
	b->c_ospeed = t.c_ospeed;
	*fdp = fd;
	return 0;
}

static int cmd_baseline(const char *port, char **argv, const struct opts *o)
{
	struct portown_baseline b;
	bool admin;
	int rc, fd = -1, err;

	(void)argv;
	if ((o->seen & OPT_SET) && (o->seen & OPT_RESET)) {
		msg(NULL, "baseline: --set and --reset exclude each other");
		return EXIT_USAGE;
	}
	rc = need_portown(port);
	if (rc)
		return rc;
	if (o->seen & (OPT_SET | OPT_RESET)) {
		if (o->seen & OPT_SET) {
			rc = read_settings(port, &b, &fd);
			if (rc)
				return rc;
		} else {
			memset(&b, 0, sizeof(b));
			b.flags = PORTOWN_BASELINE_RESET;
		}
		rc = portown_set_baseline(port, fd, &b);
		err = errno;
		if (fd >= 0)
			close(fd);
		if (rc)
			return fail(port, err);
	}
	if (portown_get_baseline(port, &b))
		return fail(port, errno);
	admin = b.flags & PORTOWN_BASELINE_ADMIN;
	if (json) {
		putchar('{');
		json_key("port", short_port(port), PORTOWN_NAME_LEN);
		printf(",\"source\":\"%s\",\"ispeed\":%u,\"ospeed\":%u,",
		       admin ? "admin" : "driver", b.c_ispeed, b.c_ospeed);
		printf("\"c_iflag\":%u,\"c_oflag\":%u,\"c_cflag\":%u,\"c_lflag\":%u}\n",
		       b.c_iflag, b.c_oflag, b.c_cflag, b.c_lflag);
		return done(0);
	}
	printf("%s: baseline %s: %u baud, %sicanon %secho %sclocal %scrtscts\n"
	       "  iflag 0%o oflag 0%o cflag 0%o lflag 0%o\n",
	       short_port(port), admin ? "set by the administrator" : "of the driver",
	       b.c_ospeed, b.c_lflag & ICANON ? "" : "-", b.c_lflag & ECHO ? "" : "-",
	       b.c_cflag & CLOCAL ? "" : "-", b.c_cflag & CRTSCTS ? "" : "-",
	       b.c_iflag, b.c_oflag, b.c_cflag, b.c_lflag);
	return done(0);
}

/* "reset PORT [hangup|close|never]": show, or set (root), the reset policy. */
static int cmd_reset(const char *port, char **argv, const struct opts *o)
{
	struct portown_info info;
	int reset, rc;

	(void)o;
	rc = need_portown(port);
	if (rc)
		return rc;
	if (argv[0]) {
		reset = portown_reset_parse(argv[0]);
		if (reset < 0) {
			msg(NULL, "reset: \"%s\" is none of hangup, close, never", argv[0]);
			return EXIT_USAGE;
		}
		if (portown_set_reset(port, reset))
			return fail(port, errno);
	}
	rc = need_info(port, &info);
	if (rc)
		return rc;
	if (json) {
		putchar('{');
		json_key("port", info.name, PORTOWN_NAME_LEN);
		printf(",\"reset\":\"%s\"}\n", portown_reset_name(info.reset));
	} else {
		printf("%s: reset at %s\n", info.name, portown_reset_name(info.reset));
	}
	return done(0);
}

/* metrics */

/* The number of the states, PORTOWN_STATE_CLOSED to PORTOWN_STATE_GONE */
#define NR_STATES	(PORTOWN_STATE_GONE + 1)

/* A label value of the Prometheus text format. */
static void prom_label(const char *s, size_t max)
{
	put_quoted(s, max, true);
}

static void prom_family(const char *name, const char *type, const char *help)
{
	printf("# HELP portown_%s %s\n# TYPE portown_%s %s\n", name, help, name,
	       type);
}

/* The start of a sample of a port's metric: name{port="ttyS1" */
static void prom_sample(const char *name, const struct portown_info *info)
{
	printf("portown_%s{port=", name);
	prom_label(info->name, PORTOWN_NAME_LEN);
}

static void print_metrics(const struct row *rows, size_t nr)
{
	unsigned long long v[ARRAY_SIZE(counter_names)];
	const struct portown_info *info;
	char name[64], help[96];
	unsigned int st;
	size_t i, c;

	prom_family("port_state", "gauge",
		    "1 for the state the port is in (closed, open, claimed, hungup, gone), 0 for the others.");
	for (i = 0; i < nr; i++) {
		info = &rows[i].info;
		for (st = 0; st < NR_STATES; st++) {
			prom_sample("port_state", info);
			printf(",state=\"%s\"} %d\n", portown_state_name(st),
			       info->state == st);
		}
	}
	prom_family("port_holders", "gauge",
		    "Open descriptors of the port, live and hung up.");
	for (i = 0; i < nr; i++) {
		prom_sample("port_holders", &rows[i].info);
		printf("} %u\n", rows[i].info.nr_holders);
	}
	prom_family("port_owner_info", "gauge",
		    "The port's owner (its claimer, else its earliest live opener), for ports that have one.");
	for (i = 0; i < nr; i++) {
		info = &rows[i].info;
		if (nobody(&info->owner))
			continue;
		prom_sample("port_owner_info", info);
		fputs(",owner=", stdout);
		if (info->owner.flags & PORTOWN_ID_HIDDEN) {
			fputs("\"(hidden)\",pid=\"\",uid=\"\"} 1\n", stdout);
		} else {
			prom_label(info->owner.comm, PORTOWN_COMM_LEN);
			printf(",pid=\"%d\",uid=\"%u\"} 1\n", info->owner.pid,
			       info->owner.uid);
		}
	}
	prom_family("port_owner_since_seconds", "gauge",
		    "When the port's owner opened or claimed it, in seconds since the epoch.");
	for (i = 0; i < nr; i++) {
		info = &rows[i].info;
		if (nobody(&info->owner) || (info->owner.flags & PORTOWN_ID_HIDDEN))
			continue;
		prom_sample("port_owner_since_seconds", info);
		printf("} %llu.%03llu\n",
		       (unsigned long long)info->owner.since_ns / 1000000000ULL,
		       (unsigned long long)info->owner.since_ns / 1000000ULL % 1000);
	}
	for (c = 0; c < ARRAY_SIZE(counter_names); c++) {
		snprintf(name, sizeof(name), "port_%s_total", counter_names[c]);
		snprintf(help, sizeof(help), "The port's %s since portown first saw it.",
			 counter_names[c]);
		prom_family(name, "counter", help);
		for (i = 0; i < nr; i++) {
			counters(&rows[i].info.counters, v);
			prom_sample(name, &rows[i].info);
			printf("} %llu\n", v[c]);
		}
	}
}

/*
 * Every port's state, owner and counters in the Prometheus text format,
 * as node_exporter's textfile collector reads it.  Without the module,
 * portown_up is 0 and the status 0, so that the file still says so.
 */
static int cmd_metrics(const char *port, char **argv, const struct opts *o)
{
	struct row *rows = NULL;
	size_t nr = 0;
	int rc = 0;
	bool up;

	(void)port;
	(void)argv;
	(void)o;
	up = portown_available() == 0;
	if (up) {
		rc = collect_rows(&rows, &nr);
		if (rc < 0)
			return fail(NULL, errno);
	}
	prom_family("up", "gauge", "1 when the portown module answers on " PORTOWN_CTL_PATH ".");
	printf("portown_up %d\n", up);
	if (up)
		print_metrics(rows, nr);
	free(rows);
	return done(rc);
}

struct cmd {
	const char *name;
	int (*fn)(const char *port, char **argv, const struct opts *o);
	int min_args, max_args;		/* positional, -1: no limit */
	unsigned int opts;
};

static const struct cmd cmds[] = {
	{ "list", cmd_list, 0, 0, 0 },
	{ "who", cmd_who, 1, 1, 0 },
	{ "why", cmd_why, 1, 1, 0 },
	{ "claim", cmd_claim, 2, -1, OPT_WAIT | OPT_EXEC },
	{ "wait", cmd_wait, 1, 1, OPT_TIMEOUT },
	{ "attach", cmd_attach, 1, 1, OPT_HOLD },
	{ "detach", cmd_detach, 1, 1, 0 },
	{ "history", cmd_history, 1, 1, 0 },
	{ "watch", cmd_watch, 0, 1, 0 },
	{ "baseline", cmd_baseline, 1, 1, OPT_SET | OPT_RESET },
	{ "reset", cmd_reset, 1, 2, 0 },
	{ "metrics", cmd_metrics, 0, 0, 0 },
};

static void print_help(FILE *f)
{
	fputs("Usage: portownctl [--json] COMMAND [ARGS]\n"
	      "\n"
	      "Commands:\n"
	      "  list                       the serial ports, their state and owner\n"
	      "  who PORT                   state, owner and holders of a port\n"
	      "  why PORT                   every reason PORT is busy, and who: claim, TIOCEXCL,\n"
	      "                             flock/POSIX locks, UUCP lock files, line discipline,\n"
	      "                             console, gone; exit status 2 when busy\n"
	      "  claim PORT [--wait MS] [--exec] -- CMD [ARG]...\n"
	      "                             claim PORT and run CMD with it open (PORTOWN_FD)\n"
	      "  wait PORT [--timeout MS]   wait until PORT can be claimed\n"
	      "  attach PORT [--hold]       attach the portown line discipline\n"
	      "  detach PORT                put N_TTY back\n"
	      "  history PORT               the port's recent events\n"
	      "  watch [PORT]               print events as they happen, until killed\n"
	      "  baseline PORT [--set|--reset]\n"
	      "                             the settings PORT gets after a hangup; --set: its\n"
	      "                             current ones (root), --reset: the driver's\n"
	      "  reset PORT [hangup|close|never]\n"
	      "                             when PORT goes back to its baseline: after a\n"
	      "                             hangup, also after every last close, or never\n"
	      "                             (root to set)\n"
	      "  metrics                    every port's state, owner and counters in the\n"
	      "                             Prometheus text format (node_exporter textfile)\n"
	      "\n"
	      "PORT is a path (/dev/ttyS1) or a tty name (ttyS1).\n"
	      "  -j, --json     machine-readable output, for every command\n"
	      "  -h, --help     this text\n"
	      "  -V, --version  the version of portownctl\n"
	      "\n"
	      "Exit status: 0 ok, 1 usage or internal error, 2 port busy, 3 timeout,\n"
	      "4 portown not loaded, 5 no such port; claim: that of CMD.\n", f);
}

static int parse_ms(const char *arg, int *ms)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < -1 || v > INT_MAX) {
		msg(NULL, "invalid time in milliseconds: %s", arg);
		return -1;
	}
	*ms = v;
	return 0;
}

static const struct option lopts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "timeout", required_argument, NULL, 't' },
	{ "wait", required_argument, NULL, 'w' },
	{ "exec", no_argument, NULL, 'e' },
	{ "hold", no_argument, NULL, 'H' },
	{ "set", no_argument, NULL, 'S' },
	{ "reset", no_argument, NULL, 'R' },
	{ NULL, 0, NULL, 0 }
};

/*
 * The global options, up to the command name.  Returns -1 to go on, or
 * the exit code to end with.
 */
static int global_opts(int argc, char **argv)
{
	int c;

	while ((c = getopt_long(argc, argv, "+jhV", lopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'V':
			printf("portownctl %s\n", PORTOWN_VERSION);
			return done(0);
		case 'h':
			print_help(stdout);
			return done(0);
		default:
			print_help(stderr);
			return EXIT_USAGE;
		}
	}
	return -1;
}

static const struct cmd *find_cmd(const char *name)
{
	const struct cmd *cmd = NULL;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(name, cmds[i].name))
			cmd = &cmds[i];
	return cmd;
}

/*
 * Take the command option @c into @o.  Returns -1 to go on, or the exit
 * code to end with (--help, a bad option or value).
 */
static int cmd_opt(int c, struct opts *o)
{
	switch (c) {
	case 'h':
		print_help(stdout);
		return done(0);
	case 't':
		o->seen |= OPT_TIMEOUT;
		if (parse_ms(optarg, &o->timeout_ms))
			return EXIT_USAGE;
		break;
	case 'w':
		o->seen |= OPT_WAIT;
		if (parse_ms(optarg, &o->wait_ms))
			return EXIT_USAGE;
		break;
	case 'e':
		o->seen |= OPT_EXEC;
		break;
	case 'H':
		o->seen |= OPT_HOLD;
		break;
	case 'S':
		o->seen |= OPT_SET;
		break;
	case 'R':
		o->seen |= OPT_RESET;
		break;
	default:
		print_help(stderr);
		return EXIT_USAGE;
	}
	return -1;
}

/*
 * The options of @cmd, before or after its arguments, into @o; @argv
 * starts at the command name.  Returns -1 to go on, or the exit code to
 * end with.
 */
static int cmd_opts(int argc, char **argv, const struct cmd *cmd,
		    struct opts *o)
{
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "jht:w:e", lopts, NULL)) != -1) {
		if (c == 'j') {
			json = true;
			continue;
		}
		rc = cmd_opt(c, o);
		if (rc >= 0)
			return rc;
		if (o->seen & ~cmd->opts) {
			msg(NULL, "%s: option %s does not apply", cmd->name,
			    argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct opts o = { .timeout_ms = -1, .wait_ms = -1 };
	const struct cmd *cmd;
	int rc, nargs;

	rc = global_opts(argc, argv);
	if (rc >= 0)
		return rc;
	if (optind >= argc) {
		print_help(stderr);
		return EXIT_USAGE;
	}
	cmd = find_cmd(argv[optind]);
	if (!cmd) {
		msg(NULL, "unknown command '%s' (see --help)", argv[optind]);
		return EXIT_USAGE;
	}

	argc -= optind;
	argv += optind;
	rc = cmd_opts(argc, argv, cmd, &o);
	if (rc >= 0)
		return rc;
	nargs = argc - optind;
	if (nargs < cmd->min_args ||
	    (cmd->max_args >= 0 && nargs > cmd->max_args)) {
		msg(NULL, "%s: wrong number of arguments (see --help)",
		    cmd->name);
		return EXIT_USAGE;
	}
	return cmd->fn(nargs ? argv[optind] : NULL, argv + optind + 1, &o);
}
