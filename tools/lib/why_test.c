// SPDX-License-Identifier: LGPL-2.1
/*
 * Host tests of libportown's why: the parsers of /proc/locks and of UUCP
 * lock files, and portown_why() on a pseudo-terminal, without the module.
 * flock(2), POSIX and OFD locks are taken on the pty's device node and
 * must be found by /proc/locks; UUCP lock files are written into
 * /run/lock when it is writable (as root), else that part is skipped.
 *
 *   make -C tools test
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libportown.h"

static int failed, passed;

#define CHECK(cond)							\
	do {								\
		if (cond) {						\
			passed++;					\
		} else {						\
			failed++;					\
			fprintf(stderr, "%s:%d: FAILED: %s\n",		\
				__FILE__, __LINE__, #cond);		\
		}							\
	} while (0)

static void test_proc_locks(void)
{
	struct portown_proc_lock l;

	CHECK(portown_parse_proc_lock("1: FLOCK ADVISORY  WRITE 1234 00:05:85 0 EOF", &l) == 0);
	CHECK(l.pid == 1234 && l.write == 1 && !strcmp(l.kind, "FLOCK"));
	CHECK(l.fs_major == 0 && l.fs_minor == 5 && l.ino == 85);

	CHECK(portown_parse_proc_lock("12: POSIX ADVISORY READ 77 fd:1a:4294967297 0 99", &l) == 0);
	CHECK(l.pid == 77 && l.write == 0 && !strcmp(l.kind, "POSIX"));
	CHECK(l.fs_major == 0xfd && l.fs_minor == 0x1a && l.ino == 4294967297ULL);

	CHECK(portown_parse_proc_lock("3: OFDLCK ADVISORY  WRITE -1 00:05:85 0 EOF", &l) == 0);
	CHECK(l.pid == -1 && l.write == 1 && !strcmp(l.kind, "OFDLCK"));

	CHECK(portown_parse_proc_lock("4: LEASE  ACTIVE    READ 99 08:01:1234 0 EOF\n", &l) == 0);
	CHECK(!strcmp(l.kind, "LEASE") && l.ino == 1234);

	/* waiters hold nothing, at any depth */
	CHECK(portown_parse_proc_lock("1: -> FLOCK  ADVISORY  WRITE 1236 00:05:85 0 EOF", &l) == 1);
	CHECK(portown_parse_proc_lock("1:  -> POSIX  ADVISORY  WRITE 9 00:05:85 0 EOF", &l) == 1);

	/* a lock on a file without an inode matches no node */
	CHECK(portown_parse_proc_lock("5: POSIX  ADVISORY  WRITE 9 <none>:0 0 EOF\n", &l) == 0);
	CHECK(l.ino == 0 && l.fs_major == 0 && l.fs_minor == 0);

	errno = 0;
	CHECK(portown_parse_proc_lock("", &l) == -1 && errno == EINVAL);
	CHECK(portown_parse_proc_lock("garbage\n", &l) == -1);
	CHECK(portown_parse_proc_lock("1: FLOCK ADVISORY WRITE\n", &l) == -1);
	CHECK(portown_parse_proc_lock("1: FLOCK ADVISORY WRITE 5 00:05\n", &l) == -1);
	CHECK(portown_parse_proc_lock("1: FLOCK ADVISORY WRITE 5 zz:05:85 0 EOF\n", &l) == -1);
}

static void test_uucp_parse(void)
{
	int bin = 377, small = 2609;	/* 2609: "1\n\0\0" on little-endian */
	char buf[16];

	CHECK(portown_parse_uucp_pid("       377\n", 11) == 377);
	CHECK(portown_parse_uucp_pid("377\n", 4) == 377);
	CHECK(portown_parse_uucp_pid("377", 3) == 377);
	CHECK(portown_parse_uucp_pid("  4321 minicom root\n", 20) == 4321);
	CHECK(portown_parse_uucp_pid(&bin, sizeof(bin)) == 377);
	CHECK(portown_parse_uucp_pid(&small, sizeof(small)) == 2609);
	errno = 0;
	CHECK(portown_parse_uucp_pid("", 0) == -1 && errno == EINVAL);
	CHECK(portown_parse_uucp_pid("abc\n", 4) == -1);
	CHECK(portown_parse_uucp_pid("         0\n", 11) == -1);
	CHECK(portown_parse_uucp_pid("-5\n", 3) == -1);
	CHECK(portown_parse_uucp_pid("99999999999\n", 12) == -1);
	CHECK(portown_parse_uucp_pid("12x\n", 4) == -1);
	bin = -1;
	CHECK(portown_parse_uucp_pid(&bin, sizeof(bin)) == -1);

	portown_uucp_name(buf, sizeof(buf), "ttyS1");
	CHECK(!strcmp(buf, "LCK..ttyS1"));
	portown_uucp_name(buf, sizeof(buf), "pts/3");
	CHECK(!strcmp(buf, "LCK..pts_3"));
	CHECK(!strcmp(portown_uucp_dir(0), "/run/lock"));
	CHECK(!portown_uucp_dir(4));

	CHECK(!strcmp(portown_uucp_verdict_name(PORTOWN_UUCP_STALE), "stale"));
	CHECK(!strcmp(portown_uucp_verdict_name(PORTOWN_UUCP_FOREIGN), "foreign"));
	CHECK(!strcmp(portown_uucp_verdict_name(PORTOWN_UUCP_CONSISTENT), "consistent"));
	CHECK(!strcmp(portown_uucp_verdict_name(PORTOWN_UUCP_UNKNOWN), "unknown"));
	CHECK(!strcmp(portown_uucp_verdict_name(9), "?"));
}

/* The report's lock of kind @kind, or NULL. */
static const struct portown_flock *find_lock(const struct portown_why_report *r,
					     const char *kind)
{
	unsigned int i;

	for (i = 0; i < r->nr_flocks; i++)
		if (!strcmp(r->flocks[i].kind, kind))
			return &r->flocks[i];
	return NULL;
}

static void test_locks(const char *pts, int fd)
{
	struct flock fl = { .l_whence = SEEK_SET };
	const struct portown_flock *f;
	struct portown_why_report r;
	char comm[PORTOWN_COMM_LEN] = "";
	int ofd;

	FILE *c = fopen("/proc/self/comm", "r");

	if (c) {
		if (fgets(comm, sizeof(comm), c))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(c);
	}

	CHECK(portown_why(pts, &r) == 0);
	CHECK(r.nr_flocks == 0 && r.nr_uucp == 0);
	if (access(PORTOWN_CTL_PATH, F_OK))
		CHECK(r.kernel == 0 && r.kernel_error == ENOENT);
	CHECK(r.dev_major == 136 || r.dev_major > 0);

	CHECK(flock(fd, LOCK_EX) == 0);
	CHECK(portown_why(pts, &r) == 0);
	f = find_lock(&r, "FLOCK");
	CHECK(r.nr_flocks == 1 && f && f->pid == getpid() && f->write == 1);
	CHECK(f && !strcmp(f->comm, comm));
	CHECK(r.busy == 1);
	CHECK(flock(fd, LOCK_UN) == 0);

	fl.l_type = F_RDLCK;
	ofd = open(pts, O_RDONLY | O_NOCTTY);
	CHECK(ofd >= 0 && fcntl(ofd, F_SETLK, &fl) == 0);
	CHECK(portown_why(pts, &r) == 0);
	f = find_lock(&r, "POSIX");
	CHECK(f && f->pid == getpid() && f->write == 0);
	close(ofd);		/* drops the POSIX lock */

	fl.l_type = F_WRLCK;
	CHECK(fcntl(fd, F_OFD_SETLK, &fl) == 0);
	CHECK(portown_why(pts, &r) == 0);
	f = find_lock(&r, "OFDLCK");
	CHECK(r.nr_flocks == 1 && f && f->pid == -1 && f->write == 1 && !f->comm[0]);
	fl.l_type = F_UNLCK;
	CHECK(fcntl(fd, F_OFD_SETLK, &fl) == 0);

	CHECK(portown_why(pts, &r) == 0);
	CHECK(r.nr_flocks == 0);
}

/* Write a lock file naming @pid, in HDB ASCII or binary. */
static int write_lock(const char *path, int pid, bool binary)
{
	char text[16];
	int fd, n, ok;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (binary) {
		ok = write(fd, &pid, sizeof(pid)) == sizeof(pid);
	} else {
		n = snprintf(text, sizeof(text), "%10d\n", pid);
		ok = write(fd, text, n) == n;
	}
	close(fd);
	return ok ? 0 : -1;
}

/* A child that holds no descriptor of the pty, until killed. */
static pid_t stranger(int fd, int master)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(fd);
		close(master);
		close(p[0]);
		close(p[1]);	/* the parent reads EOF: the pty is closed here */
		pause();
		_exit(0);
	}
	close(p[1]);
	if (pid > 0 && read(p[0], &c, 1) != 0)
		pid = -1;
	close(p[0]);
	return pid;
}

static void test_uucp(const char *pts, int fd, int master)
{
	struct portown_why_report r;
	char name[32], path[64];
	pid_t child, dead;

	if (access("/run/lock", W_OK)) {
		printf("# SKIP uucp lock files: /run/lock is not writable\n");
		return;
	}
	portown_uucp_name(name, sizeof(name), pts + 5);
	snprintf(path, sizeof(path), "/run/lock/%s", name);

	/* consistent: this process holds the pty */
	CHECK(write_lock(path, getpid(), false) == 0);
	CHECK(portown_why(pts, &r) == 0);
	CHECK(r.nr_uucp == 1 && !strcmp(r.uucp[0].path, path));
	CHECK(r.uucp[0].pid == getpid() && r.uucp[0].alive == 1);
	CHECK(r.uucp[0].verdict == PORTOWN_UUCP_CONSISTENT);
	CHECK(r.busy == 1);

	/* foreign: a live process that does not hold it (binary form) */
	child = stranger(fd, master);
	CHECK(child > 0);
	CHECK(write_lock(path, child, true) == 0);
	CHECK(portown_why(pts, &r) == 0);
	CHECK(r.nr_uucp == 1 && r.uucp[0].pid == child && r.uucp[0].alive == 1);
	CHECK(r.uucp[0].verdict == PORTOWN_UUCP_FOREIGN);
	CHECK(r.busy == 1);

	/* stale: the pid is dead; reported, but not busy */
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	dead = child;
	CHECK(portown_why(pts, &r) == 0);
	CHECK(r.nr_uucp == 1 && r.uucp[0].pid == dead && r.uucp[0].alive == 0);
	CHECK(r.uucp[0].verdict == PORTOWN_UUCP_STALE);
	CHECK(r.busy == 0);

	/* a lock file that names no pid */
	CHECK(write_lock(path, 0, false) == 0);
	CHECK(portown_why(pts, &r) == 0);
	CHECK(r.nr_uucp == 1 && r.uucp[0].pid == 0 && r.uucp[0].verdict == PORTOWN_UUCP_STALE);

	unlink(path);
	CHECK(portown_why(pts, &r) == 0);
	CHECK(r.nr_uucp == 0);
}

static void test_pty(void)
{
	struct portown_why_report r;
	int master, fd;
	char *pts;

	errno = 0;
	CHECK(portown_why("/dev/no-such-port-here", &r) == -1 && errno == ENOENT);
	CHECK(!strcmp(r.name, "no-such-port-here"));
	CHECK(portown_why("", &r) == -1 && errno == EINVAL);
	CHECK(portown_why("/dev/null", &r) == -1 && errno == ENOTTY);

	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	pts = master < 0 || grantpt(master) || unlockpt(master) ? NULL : ptsname(master);
	if (!pts) {
		printf("# SKIP pty tests: %s\n", strerror(errno));
		return;
	}
	pts = strdup(pts);
	fd = open(pts, O_RDWR | O_NOCTTY | O_CLOEXEC);
	CHECK(fd >= 0);
	if (fd >= 0) {
		test_locks(pts, fd);
		test_uucp(pts, fd, master);
		close(fd);
	}
	close(master);
	free(pts);
}

int main(void)
{
	test_proc_locks();
	test_uucp_parse();
	test_pty();
	printf("why_test: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
