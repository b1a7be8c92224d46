// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzzed requests: random portown ioctls, with random sizes, counts,
 * entry sizes, descriptors, device numbers and pointers (NULL, unmapped,
 * kernel addresses, misaligned, straddling into an inaccessible page), on
 * /dev/portown and on a tty with the shim attached; and odd read() and
 * write() calls on /dev/portown.  Nothing may crash, hang, leak or stay
 * changed: afterwards the port is usable by uid 1000 and the module
 * unloads.  The kernel must stay silent (the test bed reads its log).
 *
 * PORTOWN_FUZZ_CALLS sets the number of ioctls (default 1000000), or
 * PORTOWN_FUZZ_SECONDS how long to go on; the seed is printed, and
 * PORTOWN_FUZZ_SEED repeats a run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <termios.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "portown_test.h"

static __u64 rng_state;

static __u64 rnd64(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static __u32 rnd(__u32 n)
{
	return n ? rnd64() % n : 0;
}

#define PICK(a)	((a)[rnd(sizeof(a) / sizeof((a)[0]))])

struct arena {
	char *buf;		/* two pages; the second is inaccessible */
	char *big;		/* 64 KiB, writable */
	void *unmapped;
	long psz;
	int fds[8];
	unsigned int nfds;
	dev_t devs[6];
};

static __u64 any_pointer(struct arena *a)
{
	switch (rnd(7)) {
	case 0:
		return 0;
	case 1:
		return (uintptr_t)a->unmapped;
	case 2:
		return 0xffff888000000000ULL + rnd(1 << 20);
	case 3:
		return 0xffffffff81000000ULL;
	case 4:
		return (uintptr_t)(a->buf + a->psz - 1 - rnd(64));	/* straddles */
	case 5:
		return (uintptr_t)(a->big + 1);				/* misaligned */
	default:
		return (uintptr_t)a->big;
	}
}

static __s32 any_fd(struct arena *a)
{
	static const __s32 bad[] = { -1, -1, -2, INT_MIN, 9999, 1 << 20 };

	return rnd(3) ? a->fds[rnd(a->nfds)] : PICK(bad);
}

static __u32 any_size(void)
{
	static const __u32 sizes[] = {
		0, 1, 4, 8, 24, 31, 32, 39, 40, 64, 144, 152, 153, 4096, 4097, 65536,
		UINT32_MAX,
	};

	return rnd(8) ? PICK(sizes) : (__u32)rnd64();
}

static __u32 any_count(void)
{
	static const __u32 counts[] = { 0, 1, 2, 8, 32, 4096, 4097, UINT32_MAX };

	return rnd(8) ? PICK(counts) : (__u32)rnd64();
}

/*
 * A request structure: random bytes, with the members every portown
 * structure shares (size, fd, device number, count, entry size, pointer)
 * set to values worth trying.  A WAIT never waits long.
 */
static void fill(struct arena *a, unsigned int nr, void *p, size_t room)
{
	__u32 w[64];
	__u64 ptr;
	size_t i;
	dev_t d;

	for (i = 0; i < 64; i++)
		w[i] = rnd(4) ? 0 : (__u32)rnd64();
	w[0] = any_size();
	w[1] = (__u32)any_fd(a);
	d = a->devs[rnd(6)];
	w[2] = rnd(8) ? major(d) : (__u32)rnd64();
	w[3] = rnd(8) ? minor(d) : (__u32)rnd64();
	switch (nr) {
	case 4:		/* HOLDERS, HISTORY: count, entry size, pointer */
	case 7:
		w[4] = any_count();
		w[5] = rnd(2) ? 48 : any_size();
		ptr = any_pointer(a);
		memcpy(&w[6], &ptr, sizeof(ptr));
		break;
	case 6:		/* LIST */
		w[1] = any_count();
		w[2] = rnd(2) ? 96 : any_size();
		w[3] = rnd(8) ? 0 : (__u32)rnd64();
		ptr = any_pointer(a);
		memcpy(&w[4], &ptr, sizeof(ptr));
		break;
	case 5:		/* WAIT: timeout_ms */
		w[4] = rnd(3);
		w[5] = 0;
		break;
	}
	memcpy(p, w, room < sizeof(w) ? room : sizeof(w));
}

static unsigned long env_or_num(const char *name, unsigned long fallback)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : fallback;
}

static void odd_reads(struct arena *a, int ctl)
{
	static const size_t counts[] = { 0, 1, 95, 96, 97, 4096, 1 << 20, SIZE_MAX };
	char *p = (char *)(uintptr_t)any_pointer(a);

	(void)!read(ctl, p, PICK(counts));
	(void)!write(ctl, a->big, PICK(counts) & 0xffff);
}

FIXTURE(fuzz) {
};

FIXTURE_SETUP(fuzz)
{
}

FIXTURE_TEARDOWN(fuzz)
{
}

/* 10^6 calls take minutes on the debug kernel under TCG. */
/* Counts the fuzzing child reports to the test. */
struct fuzz_result {
	unsigned long calls, accepted, reads;
	long long ns;
	int setup;		/* 0, or the step that failed */
};

/* A WAIT never waits long, whatever a leftover structure says. */
static void bound_wait(struct arena *a, unsigned int nr, __u64 arg)
{
	__u64 lo = (uintptr_t)a->big, hi = lo + (1 << 16);
	__s64 t = 1;

	if (nr == 5 && arg >= lo && arg + 24 <= hi)
		memcpy((void *)(uintptr_t)(arg + 16), &t, sizeof(t));
}

/*
 * The arena: a page with a guard page after it, a 64 KiB buffer, and the
 * address of a page no longer mapped.  0, or -1.
 */
static int map_arena(struct arena *a)
{
	a->psz = sysconf(_SC_PAGESIZE);
	a->buf = mmap(NULL, 2 * a->psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	a->big = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	a->unmapped = mmap(NULL, a->psz, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a->buf == MAP_FAILED || a->big == MAP_FAILED || a->unmapped == MAP_FAILED ||
	    mprotect(a->buf + a->psz, a->psz, PROT_NONE) || munmap(a->unmapped, a->psz))
		return -1;
	return 0;
}

/*
 * The descriptors a request may name: the test UART with the shim
 * attached (*@tty), /dev/portown (*@ctl), a pty pair and another UART;
 * and the device numbers: the test UART's and some others.  0, or -1.
 */
static int open_targets(struct arena *a, int *ctl, int *tty)
{
	int ld = SHIM_DEFAULT_NUM, master, slave;
	char name[64];
	struct stat st;

	*ctl = open("/dev/portown", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	*tty = open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (*ctl < 0 || *tty < 0 || ioctl(*tty, TIOCSETD, &ld) ||
	    open_pty(&master, &slave, name, sizeof(name)) || fstat(*tty, &st))
		return -1;
	a->fds[a->nfds++] = *tty;
	a->fds[a->nfds++] = *ctl;
	a->fds[a->nfds++] = slave;
	a->fds[a->nfds++] = master;
	a->fds[a->nfds++] = open("/dev/ttyS2", O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	a->devs[0] = st.st_rdev;
	a->devs[1] = makedev(4, 66);
	a->devs[2] = makedev(4, 0);
	a->devs[3] = makedev(5, 0);
	a->devs[4] = makedev(136, 0);
	a->devs[5] = makedev(4095, 1048575);
	return 0;
}

/*
 * One request with a random number, direction, size and argument, to
 * /dev/portown or the tty; true when it was accepted.
 */
static bool fuzz_call(struct arena *a, int ctl, int tty)
{
	unsigned int nr = rnd(12), dir = rnd(4), size = rnd(4) ? 0 : rnd(1 << 14);
	int target = rnd(2) ? ctl : tty;
	__u64 arg;
	size_t room;

	if (rnd(10) < 7) {
		/* a structure in the writable arena, maybe at its end */
		room = rnd(2) ? 256 : 1 + rnd(255);
		arg = (uintptr_t)(rnd(4) ? a->big : a->buf + a->psz - room);
		fill(a, nr, (void *)(uintptr_t)arg, room);
	} else {
		arg = any_pointer(a);
	}
	bound_wait(a, nr, arg);
	return !ioctl(target, _IOC(dir, PORTOWN_IOC_MAGIC, nr, size), (unsigned long)arg);
}

/*
 * The fuzzing itself, in a child whose descriptor table holds only its
 * own descriptors (standard ones on /dev/null): a random descriptor
 * number is one of them or none, never a port another process holds.
 */
static void fuzz_child(int rep, unsigned long calls, long long secs)
{
	struct fuzz_result r = { 0 };
	struct arena a = { 0 };
	int ctl, tty, null, ld;
	unsigned long i;
	long long t0;

	null = open("/dev/null", O_RDWR);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0 ||
	    dup2(rep, 10) < 0 || close_range(3, 9, 0) || close_range(11, ~0U, 0))
		_exit(1);
	rep = 10;
	r.setup = 1;
	if (map_arena(&a))
		goto out;
	r.setup = 2;
	if (open_targets(&a, &ctl, &tty))
		goto out;
	r.setup = 0;

	t0 = now_ns();
	for (i = 0; !calls || i < calls; i++) {
		if (fuzz_call(&a, ctl, tty))
			r.accepted++;
		if (!(i % 1000)) {
			odd_reads(&a, ctl);
			r.reads++;
			if (secs && now_ns() - t0 >= secs * 1000000000LL)
				break;
		}
	}
	r.calls = i;
	r.ns = now_ns() - t0;
	ld = N_TTY;
	ioctl(tty, TIOCSETD, &ld);
out:
	write(rep, &r, sizeof(r));
	_exit(0);
}

TEST_F_TIMEOUT(fuzz, fuzzed_requests_change_nothing, 3600)
{
	unsigned long calls = env_or_num("PORTOWN_FUZZ_CALLS", 1000000);
	long long secs = env_or_num("PORTOWN_FUZZ_SECONDS", 0);
	__u64 seed = env_or_num("PORTOWN_FUZZ_SEED", (unsigned long)now_ns());
	struct fuzz_result r = { .setup = -1 };
	struct agent user;
	int rep[2], status;
	pid_t kid;

	if (geteuid())
		SKIP(return, "needs root to load modules");
	rng_state = seed | 1;
	printf("# fuzz seed %#llx\n", (unsigned long long)seed);
	unload_portown();
	ASSERT_EQ(0, load(portown_ko(), ""));
	ASSERT_EQ(0, pipe(rep));
	kid = fork();
	ASSERT_GE(kid, 0);
	if (!kid)
		fuzz_child(rep[1], calls, secs);
	close(rep[1]);
	EXPECT_EQ(sizeof(r), read(rep[0], &r, sizeof(r)));
	EXPECT_EQ(kid, waitpid(kid, &status, 0));
	EXPECT_EQ(0, r.setup) TH_LOG("the fuzzer's set-up failed at step %d", r.setup);
	printf("# figure: fuzz_calls %lu\n", r.calls);
	printf("# figure: fuzz_accepted %lu\n", r.accepted);
	printf("# figure: fuzz_reads %lu\n", r.reads);
	printf("# figure: fuzz_seconds %lld\n", r.ns / 1000000000LL);
	EXPECT_LE(calls ? calls : 1, r.calls);

	/* nothing stays changed: the module goes, the port serves the next user */
	EXPECT_EQ(0, unload_portown()) TH_LOG("the module cannot be unloaded after fuzzing");
	ASSERT_EQ(0, agent_start(&user, USER_UID, "after", test_tty()));
	EXPECT_EQ(0, agent_do(&user, 'o'));
	agent_kill(&user);
}

TEST_HARNESS_MAIN
