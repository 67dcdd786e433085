/*
 * Control socket for ansvarctl, after OpenSMTPD's control.c: refuse to
 * start when another daemon answers on the path, bind with a tight umask,
 * chmod 0660 and chgrp to socket_group.  Every connection's uid comes from
 * SO_PEERCRED.  Clients are non-blocking: a slow or hostile one is timed
 * out while the others are served.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ansvar-protocol.h"
#include "ansvard.h"
#include "cmd.h"
#include "ctl.h"
#include "log.h"
#include "util.h"

#define CTL_MAX_CLIENTS	128
#define CTL_TIMEOUT_MS	10000

struct client {
	int		 fd;
	struct ucred	 cred;
	gid_t		 groups[64];
	int		 ngroups;
	struct buf	 in;
	struct buf	 out;
	size_t		 sent;
	struct timespec	 since;
	bool		 answered;
};

struct ctl {
	struct ansvar	*av;
	int		 fd;
	char		*path;
	struct client	*clients[CTL_MAX_CLIENTS];
	size_t		 nclients;
};

static long
ms_since(const struct timespec *t)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 +
	    (now.tv_nsec - t->tv_nsec) / 1000000;
}

static int
socket_in_use(const struct sockaddr_un *sun)
{
	int	fd, rc;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	return rc;
}

struct ctl *
ctl_open(struct ansvar *av, const char *path, const char *group,
    struct buf *err)
{
	struct sockaddr_un	 sun;
	struct group		*gr;
	struct ctl		*ctl;
	mode_t			 old;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		buf_printf(err, "%s: socket path too long", path);
		return NULL;
	}
	strncpy(sun.sun_path, path, sizeof(sun.sun_path) - 1);
	if ((gr = getgrnam(group)) == NULL) {
		buf_printf(err, "socket_group \"%s\": no such group (create it, "
		    "or set socket_group in ansvar.ini)", group);
		return NULL;
	}
	if (socket_in_use(&sun)) {
		buf_printf(err, "%s: another ansvard is listening", path);
		return NULL;
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		buf_printf(err, "socket: %s", strerror(errno));
		return NULL;
	}
	old = umask(S_IXUSR | S_IXGRP | S_IRWXO);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		buf_printf(err, "%s: bind: %s", path, strerror(errno));
		umask(old);
		close(fd);
		return NULL;
	}
	umask(old);
	if (chmod(path, 0660) == -1 || chown(path, (uid_t)-1, gr->gr_gid) == -1 ||
	    listen(fd, 64) == -1) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		unlink(path);
		close(fd);
		return NULL;
	}
	ctl = xcalloc(1, sizeof(*ctl));
	ctl->av = av;
	ctl->fd = fd;
	ctl->path = xstrdup(path);
	return ctl;
}

static void
client_free(struct ctl *ctl, size_t i)
{
	struct client	*c = ctl->clients[i];

	close(c->fd);
	buf_free(&c->in);
	buf_free(&c->out);
	free(c);
	ctl->clients[i] = ctl->clients[--ctl->nclients];
}

void
ctl_close(struct ctl *ctl)
{
	if (ctl == NULL)
		return;
	while (ctl->nclients)
		client_free(ctl, 0);
	close(ctl->fd);
	unlink(ctl->path);
	free(ctl->path);
	free(ctl);
}

size_t
ctl_pollfds(struct ctl *ctl, struct pollfd *pfd, size_t max)
{
	size_t	n = 0;

	if (max == 0)
		return 0;
	pfd[n].fd = ctl->fd;
	pfd[n++].events = ctl->nclients < CTL_MAX_CLIENTS ? POLLIN : 0;
	for (size_t i = 0; i < ctl->nclients && n < max; i++, n++) {
		struct client *c = ctl->clients[i];

		pfd[n].fd = c->fd;
		pfd[n].events = c->answered ? POLLOUT : POLLIN;
	}
	return n;
}

int
ctl_timeout_ms(const struct ctl *ctl)
{
	long	left, min = -1;

	for (size_t i = 0; i < ctl->nclients; i++) {
		left = CTL_TIMEOUT_MS - ms_since(&ctl->clients[i]->since);
		if (left < 0)
			left = 0;
		if (min == -1 || left < min)
			min = left;
	}
	return (int)min;
}

static void
client_accept(struct ctl *ctl)
{
	struct client	*c;
	socklen_t	 len;
	int		 fd;

	while (ctl->nclients < CTL_MAX_CLIENTS) {
		fd = accept4(ctl->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("ctl: accept");
			return;
		}
		c = xcalloc(1, sizeof(*c));
		c->fd = fd;
		len = sizeof(c->cred);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->cred, &len) == -1) {
			log_warn("ctl: SO_PEERCRED");
			close(fd);
			free(c);
			continue;
		}
		/* The peer's supplementary groups, as the kernel has them. */
		len = sizeof(c->groups);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, c->groups, &len) == 0)
			c->ngroups = (int)(len / sizeof(gid_t));
		buf_init(&c->in);
		buf_init(&c->out);
		clock_gettime(CLOCK_MONOTONIC, &c->since);
		ctl->clients[ctl->nclients++] = c;
	}
}

/* Answer with an error and stop reading: the client gets its reply. */
static void
client_refuse(struct client *c, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
client_refuse(struct client *c, int status, const char *fmt, ...)
{
	struct buf	 msg;
	va_list		 ap;
	uint32_t	 st = (uint32_t)status;

	buf_init(&msg);
	buf_puts(&msg, "ansvard: ");
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	buf_puts(&msg, "\n");
	log_warnx("ctl: uid %u pid %d: %.*s", (unsigned)c->cred.uid,
	    (int)c->cred.pid, (int)msg.len - 1, msg.data);
	reply_frame(&c->out, FRAME_ERR, msg.data, msg.len);
	reply_frame(&c->out, FRAME_EXIT, &st, sizeof(st));
	buf_free(&msg);
	c->answered = true;
}

/* Unpack and check a complete REQUEST payload, then run it. */
static void
client_request(struct ctl *ctl, struct client *c, const char *p, size_t len)
{
	struct request_hdr	 h;
	struct request		 req;
	const char		*args, *end;
	char			*argv[ANSVAR_MAX_ARGS + 1];

	if (len < sizeof(h))
		return client_refuse(c, EX_PROTOCOL, "malformed request: too short");
	memcpy(&h, p, sizeof(h));
	if (h.version != ANSVAR_PROTOCOL_VERSION)
		return client_refuse(c, EX_PROTOCOL, "protocol version %u, this "
		    "ansvard speaks %d: use the matching ansvarctl", h.version,
		    ANSVAR_PROTOCOL_VERSION);
	if (h.argc == 0 || h.argc > ANSVAR_MAX_ARGS ||
	    (uint64_t)h.args_len + h.file_len + sizeof(h) != len)
		return client_refuse(c, EX_PROTOCOL, "malformed request: bad lengths");
	args = p + sizeof(h);
	end = args + h.args_len;
	for (uint32_t i = 0; i < h.argc; i++) {
		const char *nul = memchr(args, '\0', (size_t)(end - args));

		if (nul == NULL || nul - args > (long)ANSVAR_MAX_ARG)
			return client_refuse(c, EX_PROTOCOL,
			    "malformed request: argument %u not terminated", i);
		argv[i] = (char *)args;
		args = nul + 1;
	}
	if (args != end)
		return client_refuse(c, EX_PROTOCOL, "malformed request: trailing bytes");
	argv[h.argc] = NULL;
	memset(&req, 0, sizeof(req));
	req.uid = c->cred.uid;
	req.gid = c->cred.gid;
	req.pid = c->cred.pid;
	req.groups = c->groups;
	req.ngroups = c->ngroups;
	req.json = (h.flags & REQ_JSON) != 0;
	req.argc = (int)h.argc;
	req.argv = argv;
	req.has_file = h.has_file != 0;
	req.file = end;
	req.file_len = h.file_len;
	cmd_execute(ctl->av, &req, &c->out);
	c->answered = true;
}

static void
client_read(struct ctl *ctl, struct client *c)
{
	struct frame_hdr	hdr;
	char			chunk[65536];
	ssize_t			n;

	for (;;) {
		n = read(c->fd, chunk, sizeof(chunk));
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			if (c->in.len)
				client_refuse(c, EX_PROTOCOL, "truncated request "
				    "(%zu bytes, then end of stream)", c->in.len);
			else
				c->answered = true;	/* nothing to say */
			return;
		}
		buf_add(&c->in, chunk, (size_t)n);
		if (c->in.len < sizeof(hdr))
			continue;
		memcpy(&hdr, c->in.data, sizeof(hdr));
		if (hdr.type != FRAME_REQUEST)
			return client_refuse(c, EX_PROTOCOL, "malformed request: "
			    "frame type %u", hdr.type);
		if (hdr.len > ANSVAR_MAX_REQUEST)
			return client_refuse(c, EX_PROTOCOL, "request of %u bytes "
			    "is over the limit of %u", hdr.len, ANSVAR_MAX_REQUEST);
		if (c->in.len < sizeof(hdr) + hdr.len)
			continue;
		if (c->in.len > sizeof(hdr) + hdr.len)
			return client_refuse(c, EX_PROTOCOL, "malformed request: "
			    "data after the request");
		return client_request(ctl, c, c->in.data + sizeof(hdr), hdr.len);
	}
}

/* Returns 1 when everything was written and the client can go. */
static int
client_write(struct client *c)
{
	ssize_t	n;

	while (c->sent < c->out.len) {
		n = send(c->fd, c->out.data + c->sent, c->out.len - c->sent,
		    MSG_NOSIGNAL);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0)
			return 1;	/* the client went away */
		c->sent += (size_t)n;
	}
	return 1;
}

void
ctl_dispatch(struct ctl *ctl, const struct pollfd *pfd, size_t n)
{
	size_t	i, j;

	/* Clients first, by fd: the array shifts when one is freed. */
	for (j = 1; j < n; j++) {
		if (pfd[j].revents == 0)
			continue;
		for (i = 0; i < ctl->nclients; i++)
			if (ctl->clients[i]->fd == pfd[j].fd)
				break;
		if (i == ctl->nclients)
			continue;
		struct client *c = ctl->clients[i];
		if (!c->answered)
			client_read(ctl, c);
		if (c->answered && client_write(c))
			client_free(ctl, i);
	}
	for (i = 0; i < ctl->nclients; i++) {
		struct client *c = ctl->clients[i];

		if (ms_since(&c->since) < CTL_TIMEOUT_MS)
			continue;
		if (!c->answered)
			log_warnx("ctl: uid %u pid %d: no complete request in "
			    "%d ms, dropped", (unsigned)c->cred.uid,
			    (int)c->cred.pid, CTL_TIMEOUT_MS);
		client_free(ctl, i--);
	}
	if (n > 0 && (pfd[0].revents & POLLIN))
		client_accept(ctl);
}
