// SPDX-License-Identifier: GPL-2.0
/*
 * The reliability stage: two dozen processes, root and uid 1000, use two
 * 16550 ports every way a program can (open, close, TIOCEXCL, claim,
 * release, wait, hang up, attach and detach the shim, pass descriptors,
 * exit as session leaders, read sysfs and the event stream) while the
 * module is unloaded and loaded again under them.  Afterwards every port
 * must be usable by uid 1000 after a hangup, every record must agree with
 * what the test knows is open, and the module must unload.  The kernel
 * must stay silent throughout (the test bed reads its log).
 *
 * PORTOWN_STRESS_SECONDS sets the duration (default 20).  The figures go
 * to the TAP output as "# figure: NAME VALUE" lines.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "portown_test.h"

#define WORKERS		24
#define PORTS		2
#define MAX_FDS		6

static const char * const ports[PORTS] = { "/dev/ttyS1", "/dev/ttyS2" };
static const char * const sysdirs[PORTS] = {
	"/sys/class/portown/ttyS1", "/sys/class/portown/ttyS2",
};

enum op {
	OP_OPEN, OP_CLOSE, OP_EXCL, OP_NXCL, OP_CLAIM, OP_RELEASE, OP_WAIT,
	OP_HANGUP, OP_SHIM, OP_N_TTY, OP_PASS, OP_SESSION, OP_SYSFS,
	OP_STREAM, OP_QUERY, OP_COUNT
};

static const char * const op_names[OP_COUNT] = {
	"open", "close", "excl", "nxcl", "claim", "release", "wait", "hangup",
	"shim", "n_tty", "pass", "session", "sysfs", "stream", "query",
};

/* Shared between the processes of the test. */
struct shared {
	int stop;		/* 1: the stage is over; 2: a worker saw a fault */
	int quiet;		/* the reloader asks: leave the module alone a moment */
	int busy;		/* workers in the middle of an operation quiet forbids */
	unsigned long ops[OP_COUNT];
	unsigned long unloads, loads, unload_tries;
	long min_refcnt;		/* the lowest use count seen on a failed unload */
	int detach_err;			/* why the reloader last failed to detach the shim */
	char keeper[512];		/* who kept the module at the last give-up */
	long long slowest_detach, slowest_wait;	/* ms, the reloader's longest steps */
};

static struct shared *sh;

/* The shared flags, read and written across processes. */
static int flag(int *f)
{
	return __atomic_load_n(f, __ATOMIC_ACQUIRE);
}

static void set_flag(int *f, int v)
{
	__atomic_store_n(f, v, __ATOMIC_RELEASE);
}

static void count(enum op op)
{
	__atomic_add_fetch(&sh->ops[op], 1, __ATOMIC_RELAXED);
}

static __u64 rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return n ? rng_state % n : 0;
}

struct worker {
	int fds[MAX_FDS];
	int nfds;
	int to_next, from_prev;	/* descriptors passed along a ring of workers */
	bool root;
};

static void keep(struct worker *w, int fd)
{
	if (fd < 0)
		return;
	if (w->nfds == MAX_FDS) {
		close(fd);
		return;
	}
	w->fds[w->nfds++] = fd;
}

static int any_fd(struct worker *w)
{
	return w->nfds ? w->fds[rnd(w->nfds)] : -1;
}

static void drop_fd(struct worker *w, unsigned int i)
{
	close(w->fds[i]);
	w->fds[i] = w->fds[--w->nfds];
}

static void claim_req(int fd, unsigned long req)
{
	struct portown_info info = { .size = sizeof(info), .fd = fd };
	int ctl = open("/dev/portown", O_RDWR | O_CLOEXEC);

	if (ctl < 0)
		return;
	ioctl(ctl, req, &info);
	close(ctl);
}

static void wait_req(int fd)
{
	struct portown_wait w = { .size = sizeof(w), .fd = fd, .timeout_ms = rnd(30) };
	int ctl = open("/dev/portown", O_RDWR | O_CLOEXEC);

	if (ctl < 0)
		return;
	ioctl(ctl, PORTOWN_IOC_WAIT, &w);
	close(ctl);
}

/* A child that becomes a session leader, takes the port as its controlling tty, and exits. */
static void session_leader(const char *port)
{
	pid_t kid = fork();

	if (!kid) {
		setsid();
		if (open(port, O_RDWR | O_NONBLOCK) < 0)
			_exit(1);
		_exit(0);		/* the tty core hangs its ctty up */
	}
	if (kid > 0)
		waitpid(kid, NULL, 0);
}

static void read_sysfs(bool root)
{
	static const char * const attrs[] = {
		"state", "opens", "hangups", "owner_pid", "owner_comm", "holders", "shim",
		"baseline",
	};
	char path[128], buf[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", sysdirs[rnd(PORTS)], attrs[rnd(8)]);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (read(fd, buf, sizeof(buf)) < 0 && root && errno != ENODEV && errno != ENOENT)
		set_flag(&sh->stop, 2);	/* root may read every file */
	close(fd);
}

static void read_stream(void)
{
	struct portown_event evs[16];
	int fd = open("/dev/portown", O_RDONLY | O_NONBLOCK | O_CLOEXEC), i;

	if (fd < 0)
		return;
	/* bounded: while the others open and close, the stream never runs dry */
	for (i = 0; i < 4 && read(fd, evs, sizeof(evs)) > 0; i++)
		;
	close(fd);
}

static void query(int fd)
{
	struct portown_ident ids[8];
	struct portown_holders h = {
		.size = sizeof(h), .fd = fd, .count = 8, .entry_size = sizeof(ids[0]),
		.holders = (unsigned long)ids,
	};
	struct portown_list_entry e[8];
	struct portown_list l = {
		.size = sizeof(l), .count = 8, .entry_size = sizeof(e[0]),
		.ports = (unsigned long)e,
	};
	int ctl = open("/dev/portown", O_RDWR | O_CLOEXEC);

	if (ctl < 0)
		return;
	if (fd >= 0)
		ioctl(ctl, PORTOWN_IOC_HOLDERS, &h);
	ioctl(ctl, PORTOWN_IOC_LIST, &l);
	close(ctl);
}

static void pass(struct worker *w)
{
	int fd;

	if (w->nfds && rnd(2)) {
		send_fd(w->to_next, any_fd(w));
		return;
	}
	fd = recv_fd(w->from_prev);
	keep(w, fd);
}

/*
 * While the reloader wants to unload the module, the workers leave alone
 * what keeps it in use (/dev/portown open, the shim attached) and the
 * ttys' line disciplines (their ioctls and hangups would starve or fail
 * the reloader's TIOCSETD), and go on with what the tap sees while it
 * goes and comes back: opens, closes, descriptors passed.
 */
static bool quiet_op(enum op op)
{
	switch (op) {
	case OP_OPEN:
	case OP_CLOSE:
	case OP_PASS:
	case OP_SYSFS:
		return true;
	default:
		return false;
	}
}

/*
 * Announce an operation that is not quiet first, then look: the reloader
 * sets quiet, then waits for busy to drop.  While it is quiet, an open or
 * a close is done instead.  Returns the operation to do.
 */
static enum op announce(enum op op)
{
	if (!quiet_op(op)) {
		__atomic_add_fetch(&sh->busy, 1, __ATOMIC_SEQ_CST);
		if (flag(&sh->quiet)) {
			__atomic_sub_fetch(&sh->busy, 1, __ATOMIC_SEQ_CST);
			op = rnd(2) ? OP_CLOSE : OP_OPEN;
		}
	}
	return op;
}

static void set_ldisc(int fd, int ld)
{
	ioctl(fd, TIOCSETD, &ld);
}

/*
 * Do @op with the worker's descriptor @fd; false for an unknown one.
 * One short case an operation: long, but flat, so it stays one switch.
 */
static bool do_op(struct worker *w, int fd, enum op op)
{
	switch (op) {
	case OP_OPEN:
		keep(w, open(ports[rnd(PORTS)], O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
		break;
	case OP_CLOSE:
		if (w->nfds)
			drop_fd(w, rnd(w->nfds));
		break;
	case OP_EXCL:
		ioctl(fd, TIOCEXCL);
		break;
	case OP_NXCL:
		ioctl(fd, TIOCNXCL);
		break;
	case OP_CLAIM:
		claim_req(fd, PORTOWN_IOC_CLAIM);
		break;
	case OP_RELEASE:
		claim_req(fd, PORTOWN_IOC_RELEASE);
		break;
	case OP_WAIT:
		wait_req(fd);
		break;
	case OP_HANGUP:
		if (w->root && rnd(4) == 0)	/* not too often: others need the ports */
			ioctl(fd, TIOCVHANGUP);
		break;
	case OP_SHIM:
		set_ldisc(fd, SHIM_DEFAULT_NUM);
		break;
	case OP_N_TTY:
		set_ldisc(fd, N_TTY);
		break;
	case OP_PASS:
		pass(w);
		break;
	case OP_SESSION:
		if (rnd(4) == 0)
			session_leader(ports[rnd(PORTS)]);
		break;
	case OP_SYSFS:
		read_sysfs(w->root);
		break;
	case OP_STREAM:
		read_stream();
		break;
	case OP_QUERY:
		query(fd);
		break;
	default:
		return false;
	}
	return true;
}

static void one_op(struct worker *w)
{
	enum op op = rnd(OP_COUNT);
	int fd = any_fd(w);

	op = announce(op);
	if (!do_op(w, fd, op))
		return;
	if (!quiet_op(op))
		__atomic_sub_fetch(&sh->busy, 1, __ATOMIC_SEQ_CST);
	count(op);
}

static void worker_main(unsigned int i, int to_next, int from_prev)
{
	struct worker w = { .to_next = to_next, .from_prev = from_prev, .root = !(i % 2) };
	int ld = N_TTY;

	rng_state = 0x9e3779b97f4a7c15ULL * (i + 1) ^ (__u64)now_ns();
	if (!w.root && become(USER_UID))
		_exit(2);
	while (!flag(&sh->stop))
		one_op(&w);
	/* leave as a tidy program does: N_TTY back, exclusivity off */
	while (w.nfds) {
		ioctl(w.fds[0], TIOCSETD, &ld);
		ioctl(w.fds[0], TIOCNXCL);
		drop_fd(&w, 0);
	}
	_exit(0);
}

/* Who keeps the module: the shims attached, and /dev/portown descriptors. */
static void who_keeps(char *out, size_t len)
{
	char path[600], link[64], buf[128];
	struct dirent *d, *f;
	DIR *proc, *fds;
	int p, n = 0;
	size_t used = 0;

	for (p = 0; p < PORTS; p++) {
		snprintf(path, sizeof(path), "%s/shim", sysdirs[p]);
		if (!read_text(path, buf, sizeof(buf)) && buf[0])
			used += snprintf(out + used, len - used, "shim on %s by %s; ",
					 ports[p], buf);
	}
	proc = opendir("/proc");
	while (proc && (d = readdir(proc))) {
		snprintf(path, sizeof(path), "/proc/%s/fd", d->d_name);
		fds = opendir(path);
		while (fds && (f = readdir(fds))) {
			ssize_t k;

			snprintf(path, sizeof(path), "/proc/%s/fd/%s", d->d_name, f->d_name);
			k = readlink(path, link, sizeof(link) - 1);
			if (k <= 0)
				continue;
			link[k] = '\0';
			if (strcmp(link, "/dev/portown") || n++ >= 3)
				continue;
			snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
			if (read_text(path, buf, sizeof(buf)))
				buf[0] = '\0';
			used += snprintf(out + used, len - used,
					 "pid %s (%s, test %d) holds /dev/portown; ",
					 d->d_name, buf, (int)getppid());
		}
		if (fds)
			closedir(fds);
	}
	if (proc)
		closedir(proc);
}

/*
 * Detach the shim from every port, as root may: a session leader's exit
 * hanging the port up in between makes TIOCSETD fail (EIO), and a reopen
 * attaches the discipline the port's settings name again, so each port
 * gets a few tries.
 */
static void detach_all(void)
{
	int p, fd, i, ld = N_TTY;

	for (p = 0; p < PORTS; p++) {
		for (i = 0; i < 10; i++) {
			fd = open(ports[p], O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
			if (fd < 0) {
				sh->detach_err = errno;
				continue;
			}
			if (!ioctl(fd, TIOCSETD, &ld)) {
				close(fd);
				break;
			}
			sh->detach_err = 1000 + errno;
			close(fd);
		}
	}
}

/*
 * Unload and load the module again at random moments until told to stop:
 * the workers are asked to leave it alone (they go on opening, closing
 * and hanging up), the shim is detached, and the unload is tried until
 * the last /dev/portown descriptor has gone.
 */
static int tries(void)
{
	return __atomic_load_n(&sh->unloads, __ATOMIC_RELAXED) ? 20 : 200;
}

static void reloader_main(void)
{
	long long t0;
	int i;

	rng_state = (__u64)now_ns() | 1;
	while (!flag(&sh->stop)) {
		sleep_ms(200 + rnd(300));
		set_flag(&sh->quiet, 1);
		/*
		 * For what the workers are in the middle of: a TIOCSETD holds a
		 * reference on the shim's module while it waits up to 5 s for
		 * the line discipline's lock, which a slow kernel makes it do.
		 */
		t0 = now_ns();
		for (i = 0; i < 1500 && __atomic_load_n(&sh->busy, __ATOMIC_SEQ_CST); i++)
			sleep_ms(10);
		if ((now_ns() - t0) / 1000000 > sh->slowest_wait)
			sh->slowest_wait = (now_ns() - t0) / 1000000;
		/*
		 * 20 tries of about 30 ms; until the first unload, 200: a slow
		 * kernel (the debug one next to another VM) may need a second
		 * for what is in flight to let go.
		 */
		for (i = 0; i < tries() && module_loaded("portown") && !flag(&sh->stop); i++) {
			char buf[32];
			int err;

			t0 = now_ns();
			detach_all();
			if ((now_ns() - t0) / 1000000 > sh->slowest_detach)
				sh->slowest_detach = (now_ns() - t0) / 1000000;
			sh->unload_tries++;
			buf[0] = '\0';
			if (!unload("portown")) {
				__atomic_add_fetch(&sh->unloads, 1, __ATOMIC_RELAXED);
				break;
			}
			err = errno;
			if (!read_text("/sys/module/portown/refcnt", buf, sizeof(buf)) &&
			    atol(buf) < sh->min_refcnt)
				sh->min_refcnt = atol(buf);
			if (i == tries() - 1) {	/* giving up this time: say why */
				int n = snprintf(sh->keeper, sizeof(sh->keeper),
						 "unload: %s, use count %s; ", strerror(err), buf);

				who_keeps(sh->keeper + n, sizeof(sh->keeper) - n);
			}
			sleep_ms(10);
		}
		sleep_ms(rnd(50));
		if (!module_loaded("portown") && !load(portown_ko(), ""))
			__atomic_add_fetch(&sh->loads, 1, __ATOMIC_RELAXED);
		set_flag(&sh->quiet, 0);
	}
	_exit(0);
}

static unsigned int seconds(void)
{
	const char *s = getenv("PORTOWN_STRESS_SECONDS");

	return s && atoi(s) > 0 ? atoi(s) : 20;
}

/* Wait up to @ms for @pid; true if it exited. */
static bool reap(pid_t pid, int ms)
{
	for (; ms > 0; ms -= 10) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return true;
		sleep_ms(10);
	}
	return false;
}

static int info_of_fd(int ctl, int fd, struct portown_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	info->fd = fd;
	return ioctl(ctl, PORTOWN_IOC_INFO, info);
}

FIXTURE(stage) {
};

FIXTURE_SETUP(stage)
{
}

FIXTURE_TEARDOWN(stage)
{
}

/* As long as the stage takes, and time for the checks after it. */
TEST_F_TIMEOUT(stage, reliability_under_load_and_reloads, 3600)
{
	int pairs[WORKERS][2], survivors[PORTS], i, p, ctl, fd;
	pid_t kids[WORKERS], reloader;
	unsigned long total = 0;
	struct portown_info info;
	struct portown_ident ids[4];
	struct portown_holders h;
	struct termios t;
	struct agent user;
	struct stat st;
	long long t0;
	unsigned int secs = seconds();

	if (geteuid())
		SKIP(return, "needs root to load modules");
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	sh->min_refcnt = 1L << 30;
	unload_portown();
	ASSERT_EQ(0, load(portown_ko(), ""));

	/* a program that holds each port throughout, and does nothing */
	for (p = 0; p < PORTS; p++) {
		survivors[p] = open(ports[p], O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		ASSERT_GE(survivors[p], 0);
	}
	for (i = 0; i < WORKERS; i++)
		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
					pairs[i]));

	t0 = now_ns();
	for (i = 0; i < WORKERS; i++) {
		kids[i] = fork();
		ASSERT_GE(kids[i], 0);
		if (!kids[i])
			worker_main(i, pairs[i][0], pairs[(i + WORKERS - 1) % WORKERS][1]);
	}
	reloader = fork();
	ASSERT_GE(reloader, 0);
	if (!reloader)
		reloader_main();

	for (i = 0; i < (int)secs * 10 && flag(&sh->stop) != 2; i++)
		sleep_ms(100);
	EXPECT_NE(2, flag(&sh->stop)) TH_LOG("root could not read a sysfs file of portown");
	set_flag(&sh->stop, 1);
	for (i = 0; i < WORKERS; i++) {
		pid_t pid = kids[i];

		EXPECT_TRUE(reap(pid, 30000)) TH_LOG("a worker (pid %d) is stuck", pid);
	}
	EXPECT_TRUE(reap(reloader, 30000)) TH_LOG("the reloader is stuck");
	for (i = 0; i < WORKERS; i++) {
		close(pairs[i][0]);
		close(pairs[i][1]);	/* descriptors in flight go with them */
	}

	for (i = 0; i < OP_COUNT; i++) {
		printf("# figure: stress_%s %lu\n", op_names[i], sh->ops[i]);
		total += sh->ops[i];
	}
	printf("# figure: stress_operations %lu\n", total);
	printf("# figure: stress_unloads %lu\n", sh->unloads);
	printf("# figure: stress_unload_tries %lu\n", sh->unload_tries);
	printf("# stress: lowest use count of the module at a refused unload: %ld; detach: %d\n",
	       sh->min_refcnt, sh->detach_err);
	printf("# stress: kept by: %s\n", sh->keeper);
	printf("# stress: slowest wait for the workers %lld ms, slowest detach %lld ms\n",
	       sh->slowest_wait, sh->slowest_detach);
	printf("# figure: stress_loads %lu\n", sh->loads);
	printf("# figure: stress_seconds %lld\n", (now_ns() - t0) / 1000000000LL);
	EXPECT_LE(1, sh->unloads)
		TH_LOG("the module was unloaded under load %lu times", sh->unloads);
	EXPECT_LE(sh->unloads - 1, sh->loads);

	/* after it all: loaded, and each port hung up once more */
	if (!module_loaded("portown"))
		ASSERT_EQ(0, load(portown_ko(), ""));
	ctl = open("/dev/portown", O_RDWR | O_CLOEXEC);
	ASSERT_GE(ctl, 0);
	for (p = 0; p < PORTS; p++) {
		fd = open(ports[p], O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		ASSERT_GE(fd, 0);
		ASSERT_EQ(0, ioctl(fd, TIOCVHANGUP));
		close(fd);
	}

	for (p = 0; p < PORTS; p++) {
		/* usable by uid 1000, with the baseline settings */
		ASSERT_EQ(0, agent_start(&user, USER_UID, "after", ports[p]));
		EXPECT_EQ(0, agent_do(&user, 'o')) TH_LOG("%s stays unusable", ports[p]);
		fd = open(ports[p], O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		ASSERT_GE(fd, 0);
		ASSERT_EQ(0, tcgetattr(fd, &t));
		EXPECT_EQ(B9600, cfgetospeed(&t));
		EXPECT_EQ(N_TTY, t.c_line);

		/* the record agrees: the survivor's dead descriptor, and two live ones */
		ASSERT_EQ(0, info_of_fd(ctl, fd, &info));
		EXPECT_EQ(3, info.nr_holders) TH_LOG("%s: %u holders", ports[p], info.nr_holders);
		EXPECT_EQ(PORTOWN_STATE_OPEN, info.state);
		memset(&h, 0, sizeof(h));
		h.size = sizeof(h);
		h.fd = fd;
		h.count = 4;
		h.entry_size = sizeof(ids[0]);
		h.holders = (unsigned long)ids;
		ASSERT_EQ(0, ioctl(ctl, PORTOWN_IOC_HOLDERS, &h));
		EXPECT_EQ(3, h.count);
		/* the new user's descriptor is live; the others are the test's */
		for (i = 0; i < 3 && i < (int)h.written; i++)
			EXPECT_TRUE(ids[i].pid == user.pid ? !(ids[i].flags & PORTOWN_ID_HUNGUP) :
				    ids[i].pid == getpid());
		agent_kill(&user);
		close(fd);
		close(survivors[p]);
		ASSERT_EQ(0, stat(ports[p], &st));
		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		info.fd = -1;
		info.dev_major = major(st.st_rdev);
		info.dev_minor = minor(st.st_rdev);
		ASSERT_EQ(0, ioctl(ctl, PORTOWN_IOC_INFO, &info));
		EXPECT_EQ(PORTOWN_STATE_CLOSED, info.state);
		EXPECT_EQ(0, info.nr_holders);
	}
	close(ctl);
	EXPECT_EQ(0, unload_portown()) TH_LOG("the module cannot be unloaded after the stage");
}

TEST_HARNESS_MAIN
