/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * libportown - claim serial ports and find out who holds them.
 *
 * A thin layer over the ioctls of <linux/portown.h> on /dev/portown.  Ports
 * are named by a path ("/dev/ttyS1") or by a tty name ("ttyS1", looked up
 * as /dev/ttyS1, then in /sys/class/tty); queries go by device number, so
 * they never open the port itself.  The library keeps no state: every call
 * opens /dev/portown and closes it again, and all of it is thread-safe.
 *
 * Functions returning int return 0 (or a descriptor) on success and -1
 * with errno set on failure.  The errno values they add to those of the
 * system calls underneath:
 *
 *	ENOENT      /dev/portown is missing (the module is not loaded; tell
 *	            it apart from a missing port with portown_available()),
 *	            or there is no such port
 *	ENODEV      portown does not track the device and it has no tty driver
 *	ENOTTY      the path or descriptor is not a tty
 *	EBUSY       the port is claimed by another process (or held
 *	            exclusively with TIOCEXCL)
 *	EOPNOTSUPP  the loaded module does not know the request (too old)
 */
#ifndef _LIBPORTOWN_H
#define _LIBPORTOWN_H

#include <stddef.h>
#include <linux/portown.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The control device */
#define PORTOWN_CTL_PATH	"/dev/portown"

/* Room for a message of struct portown_conflict, NUL included */
#define PORTOWN_MSG_LEN		192

/**
 * struct portown_conflict - why a port could not be opened or claimed
 * @error: the errno of the failure (EBUSY for a conflict)
 * @state: PORTOWN_STATE_* of the port, when it could be queried
 * @dev_major: the port's device number, 0 when unknown
 * @dev_minor: likewise
 * @owner: the process that holds the port; pid 0 and uid (__u32)-1 when
 *	unknown or nobody
 * @name: the tty's name ("ttyS1"), or the path given when it is unknown
 * @message: a sentence for the user, without a trailing newline, such as
 *	"ttyS1 is in use by minicom (pid 412, uid 1000) since 12:03:04" or
 *	"ttyS1: portown module not loaded (/dev/portown is missing)"
 *
 * Filled on every failure of the functions that take one.  Its layout is
 * part of the ABI of libportown.so.0.
 */
struct portown_conflict {
	int error;
	unsigned int state;
	unsigned int dev_major;
	unsigned int dev_minor;
	struct portown_ident owner;
	char name[PORTOWN_NAME_LEN];
	char message[PORTOWN_MSG_LEN];
};

/**
 * portown_available() - check that portown can be asked
 *
 * Opens and closes /dev/portown.
 *
 * Return: 0 when it can be opened; -1 with errno ENOENT when it is missing
 * (the module is not loaded), or the error of open(2).
 */
int portown_available(void);

/**
 * portown_open() - open a port, naming the holder if it is busy
 * @path: the port, as a path or a tty name
 * @flags: open(2) flags added to O_RDWR | O_NOCTTY, such as O_NONBLOCK (not
 *	to wait for carrier) or O_CLOEXEC
 * @why: filled on failure; may be NULL
 *
 * When open(2) fails with EBUSY (the port is claimed, or held with
 * TIOCEXCL), the holder is looked up by device number to fill @why.  A
 * blocking open that a signal interrupts fails with EINTR; it is not
 * retried.
 *
 * Return: the descriptor, or -1 with errno set.
 */
int portown_open(const char *path, int flags, struct portown_conflict *why);

/**
 * portown_claim() - claim a port through a descriptor of it
 * @fd: a descriptor of the port held by the caller
 * @why: filled on failure with the current owner; may be NULL
 *
 * On success the calling process owns the port: unprivileged opens by
 * other processes fail with EBUSY until the claim ends by
 * portown_release(), the close of the caller's last descriptor of the
 * port, its exit, or a hangup.
 *
 * Return: 0, or -1 with errno set (EBUSY: another process claims it).
 */
int portown_claim(int fd, struct portown_conflict *why);

/**
 * portown_open_claim() - open a port and claim it
 * @path: the port, as a path or a tty name
 * @flags: open(2) flags added to O_RDWR | O_NOCTTY
 * @why: filled on failure; may be NULL
 *
 * portown_open() followed by portown_claim().  Fails with ENOENT before
 * touching the port when /dev/portown is missing.  On failure no
 * descriptor is left open.
 *
 * Return: the claimed descriptor, or -1 with errno set (EBUSY: the port is
 * claimed by another process, named in @why).
 */
int portown_open_claim(const char *path, int flags,
		       struct portown_conflict *why);

/**
 * portown_release() - give up a claim
 * @fd: a descriptor of the claimed port
 *
 * Return: 0, or -1 with errno set: ENOENT when the port is not claimed,
 * EPERM when another process claims it.
 */
int portown_release(int fd);

/**
 * portown_info() - state, owner and counters of a port
 * @port: the port, as a path ("/dev/ttyS1") or a tty name ("ttyS1")
 * @info: filled on success
 *
 * The port is not opened.  A port that has a tty driver but that portown
 * has not seen open is reported as PORTOWN_STATE_CLOSED; its name is
 * filled in from sysfs or from @port.
 *
 * Return: 0, or -1 with errno set.
 */
int portown_info(const char *port, struct portown_info *info);

/**
 * portown_info_dev() - portown_info() by device number
 * @major: the port's major number
 * @minor: the port's minor number
 * @info: filled on success
 *
 * Return: 0, or -1 with errno set.
 */
int portown_info_dev(unsigned int major, unsigned int minor,
		     struct portown_info *info);

/**
 * portown_wait() - wait until a port can be claimed
 * @port: the port, as a path or a tty name
 * @timeout_ms: how long to wait: -1 without limit, 0 to check only
 *
 * Return: 0 when the port can be claimed; -1 with errno ETIMEDOUT when the
 * time ran out, EINTR when a signal interrupted the wait (it is not
 * restarted), or another error.
 */
int portown_wait(const char *port, int timeout_ms);

/**
 * portown_holders() - the open descriptors of a port
 * @port: the port, as a path or a tty name
 * @holders: set to an array allocated with malloc(3), which the caller
 *	frees with free(3) (also when @count is 0)
 * @count: set to the number of entries
 *
 * Return: 0, or -1 with errno set.
 */
int portown_holders(const char *port, struct portown_ident **holders,
		    size_t *count);

/**
 * portown_history() - the recent events of a port, oldest first
 * @port: the port, as a path or a tty name
 * @events: set to an array to free(3), as in portown_holders()
 * @count: set to the number of entries
 *
 * Return: 0, or -1 with errno set.
 */
int portown_history(const char *port, struct portown_event **events,
		    size_t *count);

/**
 * portown_get_baseline() - the settings a port is reset to after a hangup
 * @port: the port, as a path or a tty name
 * @b: filled in; PORTOWN_BASELINE_ADMIN in @b->flags when an
 *	administrator set them, else they are the driver's
 *
 * Return: 0, or -1 with errno set (ENODEV: portown has no record of the
 * port and it is not open, so the driver's settings are not known).
 */
int portown_get_baseline(const char *port, struct portown_baseline *b);

/**
 * portown_set_baseline() - set a port's baseline (CAP_SYS_ADMIN)
 * @port: the port, as a path or a tty name; ignored when @fd >= 0
 * @fd: a descriptor of the port, or -1
 * @b: the settings (termios2 members, c_line N_TTY), or @b->flags =
 *	PORTOWN_BASELINE_RESET to go back to the driver's; size, fd and
 *	device numbers are filled in here
 *
 * Return: 0, or -1 with errno set (EPERM, EINVAL for B0 or a c_line
 * other than N_TTY, ENODEV for a port never seen open).
 */
int portown_set_baseline(const char *port, int fd, struct portown_baseline *b);

/**
 * portown_set_reset() - set when a port goes back to its baseline
 *	(CAP_SYS_ADMIN)
 * @port: the port, as a path or a tty name
 * @reset: PORTOWN_RESET_HANGUP, PORTOWN_RESET_CLOSE or PORTOWN_RESET_NEVER
 *
 * portown_info() reports the policy in struct portown_info.reset.
 *
 * Return: 0, or -1 with errno set (EPERM, EINVAL, ENODEV for a port never
 * seen open).
 */
int portown_set_reset(const char *port, unsigned int reset);

/**
 * portown_reset_name() - the name of a reset policy
 * @reset: PORTOWN_RESET_*
 *
 * Return: "hangup", "close", "never", or "?" for another value.
 */
const char *portown_reset_name(unsigned int reset);

/**
 * portown_reset_parse() - a reset policy by its name
 * @word: "hangup", "close" or "never"
 *
 * Return: PORTOWN_RESET_*, or -1 with errno EINVAL.
 */
int portown_reset_parse(const char *word);

/**
 * portown_list() - the ports portown tracks
 * @ports: set to an array to free(3), as in portown_holders()
 * @count: set to the number of entries
 *
 * Return: 0, or -1 with errno set.
 */
int portown_list(struct portown_list_entry **ports, size_t *count);

/**
 * portown_ldisc_number() - the number of portown's line discipline
 *
 * Read from /sys/module/portown/parameters/ldisc, for TIOCSETD.
 *
 * Return: the number, or -1 with errno set (ENOENT: module not loaded).
 */
int portown_ldisc_number(void);

/**
 * portown_state_name() - the name of a port state
 * @state: PORTOWN_STATE_*
 *
 * Return: "closed", "open", "claimed", "hungup", "gone" (the words of the
 * sysfs "state" file), or "unknown".
 */
const char *portown_state_name(unsigned int state);

/**
 * portown_event_name() - the name of an event type
 * @type: PORTOWN_EV_*
 *
 * Return: "open", "close", "claim", "release", "deny", "hangup", "reinit",
 * "repair", "gone", or "unknown".
 */
const char *portown_event_name(unsigned int type);

/**
 * portown_format_time() - format a CLOCK_REALTIME time in local time
 * @buf: the buffer
 * @len: its size in bytes
 * @ns: nanoseconds since the epoch
 *
 * "HH:MM:SS" for a time of the current day, "YYYY-MM-DD HH:MM:SS"
 * otherwise, "-" for 0.  Truncates as snprintf(3) does.
 *
 * Return: the length of the full text, as snprintf(3).
 */
int portown_format_time(char *buf, size_t len, unsigned long long ns);

/**
 * portown_format_ident() - describe a process holding a port
 * @buf: the buffer
 * @len: its size in bytes
 * @id: the process
 *
 * Such as "minicom (pid 412, uid 1000) since 12:03:04", or "nobody" when
 * @id names no process.  Truncates as snprintf(3) does.
 *
 * Return: the length of the full text, as snprintf(3).
 */
int portown_format_ident(char *buf, size_t len,
			 const struct portown_ident *id);

/**
 * portown_format_owner() - describe who uses a port
 * @buf: the buffer
 * @len: its size in bytes
 * @name: the tty's name, such as "ttyS1"
 * @owner: the owner, as in struct portown_info
 *
 * Such as "ttyS1 is in use by minicom (pid 412, uid 1000) since 12:03:04",
 * or "ttyS1 is not in use" when @owner names no process.  Truncates as
 * snprintf(3) does.
 *
 * Return: the length of the full text, as snprintf(3).
 */
int portown_format_owner(char *buf, size_t len, const char *name,
			 const struct portown_ident *owner);

/* Room in struct portown_why_report */
#define PORTOWN_WHY_FLOCKS	16
#define PORTOWN_WHY_UUCPS	8
#define PORTOWN_UUCP_PATH_LEN	128

/* struct portown_uucp.verdict */
#define PORTOWN_UUCP_UNKNOWN	0	/* the pid lives; whether it holds the port is not known */
#define PORTOWN_UUCP_STALE	1	/* no pid, or the pid is dead */
#define PORTOWN_UUCP_FOREIGN	2	/* the pid lives but holds no descriptor of the port */
#define PORTOWN_UUCP_CONSISTENT	3	/* the pid holds the port */

/**
 * struct portown_flock - a lock of /proc/locks on the port's device node
 * @pid: the process that took it, in the caller's pid namespace; 0 when it
 *	is not visible there, -1 for an OFD lock (it belongs to an open file
 *	description, not to a process)
 * @comm: the process's name from /proc/PID/comm, empty when unreadable
 * @write: 1 for an exclusive (write) lock, 0 for a shared (read) one
 * @kind: "FLOCK" (flock(2)), "POSIX" (fcntl(2) F_SETLK, lockf(3)) or
 *	"OFDLCK" (fcntl(2) F_OFD_SETLK), as /proc/locks spells it
 *
 * Its layout is part of the ABI of libportown.so.0.
 */
struct portown_flock {
	int pid;
	char comm[PORTOWN_COMM_LEN];
	int write;
	char kind[8];
};

/**
 * struct portown_uucp - a UUCP lock file of the port
 * @path: the file, such as "/run/lock/LCK..ttyS1"
 * @pid: the pid it names (HDB ASCII or 4-byte binary), 0 when it names none
 * @alive: 1 when a process of that pid exists (kill(pid, 0) succeeds or
 *	fails with EPERM)
 * @verdict: PORTOWN_UUCP_*
 * @comm: the process's name from /proc/PID/comm, empty when unreadable
 *
 * Its layout is part of the ABI of libportown.so.0.
 */
struct portown_uucp {
	char path[PORTOWN_UUCP_PATH_LEN];
	int pid;
	int alive;
	int verdict;
	char comm[PORTOWN_COMM_LEN];
};

/**
 * struct portown_why_report - every reason a port is or would be busy
 * @name: the tty's name, such as "ttyS1"
 * @dev_major: the port's device number
 * @dev_minor: likewise
 * @kernel: 1 when @why holds portown's answer; 0 when portown could not be
 *	asked (@kernel_error says why): the userspace facts below are
 *	reported all the same
 * @kernel_error: when @kernel is 0: ENOENT, the module is not loaded;
 *	ENODEV, portown does not track the port; EOPNOTSUPP, the loaded
 *	module is too old for PORTOWN_IOC_WHY; or another errno
 * @why: the kernel's answer to PORTOWN_IOC_WHY: claim, TIOCEXCL, line
 *	discipline, console, gone, hung up, open (PORTOWN_WHY_* in
 *	@why.reasons); zero but for the device number and @why.ldisc (-1)
 *	when @kernel is 0
 * @console: 1 when the port is a kernel console, by the kernel's answer
 *	or by /proc/consoles
 * @serdev: on failure with ENOENT: the number of devices on the serdev bus
 *	(/sys/bus/serial/devices); a port bound to serdev has no tty
 * @busy: 1 when any reason but a stale UUCP lock is present: claimed,
 *	TIOCEXCL, a line discipline of the kernel's, gone, a console, a lock
 *	of @flocks, a UUCP lock that is not PORTOWN_UUCP_STALE, or open
 * @nr_flocks: the entries of @flocks
 * @flocks_lost: locks found beyond the room in @flocks
 * @flocks: the flock(2), POSIX and OFD locks on the port's device node,
 *	as /proc/locks lists them (waiters left out), one entry for each
 *	pid, kind and type
 * @nr_uucp: the entries of @uucp
 * @uucp_lost: lock files found beyond the room in @uucp
 * @uucp: the UUCP lock files LCK..NAME of the port (a '/' in the name
 *	as '_') in /run/lock, /var/lock, /var/spool/lock and /var/spool/uucp,
 *	a directory reached twice (a symbolic link) read once
 * @__reserved: zero
 *
 * Its layout is part of the ABI of libportown.so.0.
 */
struct portown_why_report {
	char name[PORTOWN_NAME_LEN];
	unsigned int dev_major;
	unsigned int dev_minor;
	int kernel;
	int kernel_error;
	struct portown_why why;
	int console;
	int serdev;
	int busy;
	unsigned int nr_flocks;
	unsigned int flocks_lost;
	struct portown_flock flocks[PORTOWN_WHY_FLOCKS];
	unsigned int nr_uucp;
	unsigned int uucp_lost;
	struct portown_uucp uucp[PORTOWN_WHY_UUCPS];
	unsigned int __reserved[15];
};

/**
 * portown_why() - every reason a port is or would be busy, and who
 * @port: the port, as a path or a tty name
 * @r: filled in
 *
 * Asks portown (PORTOWN_IOC_WHY, by device number: the port is not
 * opened) and adds what userspace can see without it: the locks of
 * /proc/locks on the port's device node (stat(2) of @port, or of /dev/NAME),
 * the port's UUCP lock files with a verdict on each (a pid that holds the
 * port, by portown's holders or by /proc/PID/fd, is consistent), and
 * /proc/consoles.  When portown cannot be asked, @r->kernel is 0 and the
 * call still succeeds with the userspace facts.
 *
 * Return: 0, or -1 with errno set: ENOENT when there is no such port (then
 * @r->name and @r->serdev are filled in); ENOTTY when it is not a tty (a
 * device number of no driver in /proc/tty/drivers, when portown cannot
 * tell); EINVAL.
 */
int portown_why(const char *port, struct portown_why_report *r);

/**
 * portown_why_dev() - the kernel's reasons a port is busy, by device number
 * @major: the port's major number
 * @minor: the port's minor number
 * @w: filled in with the answer to PORTOWN_IOC_WHY
 *
 * Only what portown knows (no locks of userspace, see portown_why()): for
 * many ports at once, as portownctl list asks.
 *
 * Return: 0, or -1 with errno set (ENOENT: module not loaded; ENODEV: not
 * a port portown tracks; EOPNOTSUPP: a module without the request); then
 * @w is zero but for the device number and @w->ldisc, -1.
 */
int portown_why_dev(unsigned int major, unsigned int minor, struct portown_why *w);

/**
 * portown_uucp_verdict_name() - the name of a UUCP lock's verdict
 * @verdict: PORTOWN_UUCP_*
 *
 * Return: "unknown", "stale", "foreign", "consistent", or "?" for another
 * value.
 */
const char *portown_uucp_verdict_name(int verdict);

/**
 * struct portown_proc_lock - one line of /proc/locks
 * @pid: the pid column (0: not visible, -1: an OFD lock)
 * @write: 1 for WRITE, 0 for READ (or another word)
 * @kind: the lock's kind: "FLOCK", "POSIX", "OFDLCK", "LEASE", ...
 * @fs_major: the major number of the filesystem the locked file is on
 * @fs_minor: its minor number
 * @ino: the locked file's inode number
 */
struct portown_proc_lock {
	int pid;
	int write;
	char kind[8];
	unsigned int fs_major;
	unsigned int fs_minor;
	unsigned long long ino;
};

/**
 * portown_parse_proc_lock() - read one line of /proc/locks
 * @line: the line, such as "1: FLOCK  ADVISORY  WRITE 1234 00:05:85 0 EOF"
 *	(the device in hex, the inode in decimal)
 * @l: filled in when the line is a lock held
 *
 * Return: 0 for a lock held; 1 for a waiter ("1: -> FLOCK ..."), which
 * holds nothing; -1 with errno EINVAL for a line of another form.
 */
int portown_parse_proc_lock(const char *line, struct portown_proc_lock *l);

/**
 * portown_parse_uucp_pid() - the pid a UUCP lock file names
 * @buf: the file's content
 * @len: its length in bytes
 *
 * HDB ASCII (the pid in decimal, "%10d\n" as cu, minicom and pppd write
 * it, with or without the padding), or the old binary form: 4 bytes, the
 * pid as a native int.
 *
 * Return: the pid (> 0), or -1 with errno EINVAL when the content is
 * neither.
 */
int portown_parse_uucp_pid(const void *buf, size_t len);

/**
 * portown_uucp_dir() - the directories searched for UUCP lock files
 * @i: from 0
 *
 * Return: "/run/lock", "/var/lock", "/var/spool/lock", "/var/spool/uucp"
 * for @i 0 to 3, NULL past the last.
 */
const char *portown_uucp_dir(unsigned int i);

/**
 * portown_uucp_name() - the UUCP lock file name of a tty
 * @buf: the buffer
 * @len: its size in bytes
 * @tty: the tty's name, such as "ttyS1" or "pts/3"
 *
 * "LCK..ttyS1"; a '/' in the name becomes '_' ("LCK..pts_3").  Truncates
 * as snprintf(3) does.
 *
 * Return: the length of the full text, as snprintf(3).
 */
int portown_uucp_name(char *buf, size_t len, const char *tty);

#ifdef __cplusplus
}
#endif

#endif /* _LIBPORTOWN_H */
