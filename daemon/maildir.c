/*
 * Maildir delivery (the embedded default).  Each outbox row has its own
 * file name, so after a crash between rename and commit the retry finds
 * the file already there and does not deliver it twice.  Files are 0600
 * and use LF line ends, as mail readers expect on disk.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "maildir.h"

int
maildir_init(const char *dir, struct buf *err)
{
	const char	*sub[] = { "", "/tmp", "/new", "/cur" };

	for (size_t i = 0; i < 4; i++) {
		char *p = xasprintf("%s%s", dir, sub[i]);

		if (mkdir(p, 0700) == -1 && errno != EEXIST) {
			buf_printf(err, "%s: %s", p, strerror(errno));
			free(p);
			return -1;
		}
		free(p);
	}
	return 0;
}

static int
write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* CRLF → LF: a Maildir file is a Unix text file. */
static int
write_unix(int fd, const char *msg, size_t len)
{
	struct buf	b;
	int		rc;

	buf_init(&b);
	for (size_t i = 0; i < len; i++)
		if (!(msg[i] == '\r' && i + 1 < len && msg[i + 1] == '\n'))
			buf_add(&b, msg + i, 1);
	rc = write_all(fd, buf_str(&b), b.len);
	buf_free(&b);
	return rc;
}

static int
sync_dir(const char *dir)
{
	char	*p = xasprintf("%s/new", dir);
	int	 fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = -1;

	if (fd != -1) {
		rc = fsync(fd);
		close(fd);
	}
	free(p);
	return rc;
}

int
maildir_deliver(const char *dir, const char *name, const char *msg, size_t len)
{
	char	*tmp = xasprintf("%s/tmp/%s", dir, name);
	char	*dst = xasprintf("%s/new/%s", dir, name);
	int	 fd, rc = -1;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1)
		log_warn("maildir: %s", tmp);
	else if (write_unix(fd, msg, len) == -1 || fsync(fd) == -1)
		log_warn("maildir: %s", tmp);
	else if (close(fd) == -1)
		fd = -1, log_warn("maildir: %s", tmp);
	else if (fd = -1, rename(tmp, dst) == -1)
		log_warn("maildir: rename %s", dst);
	else if (sync_dir(dir) == -1)	/* the rename itself must last */
		log_warn("maildir: fsync %s/new", dir);
	else
		rc = 0;
	if (fd != -1)
		close(fd);
	if (rc == -1)
		unlink(tmp);
	free(tmp);
	free(dst);
	return rc;
}

/* In new/ as delivered, or in cur/ with flags after a reader saw it. */
bool
maildir_has(const char *dir, const char *name)
{
	char		*p = xasprintf("%s/new/%s", dir, name);
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;
	size_t		 n = strlen(name);
	bool		 found = stat(p, &st) == 0;

	free(p);
	if (found)
		return true;
	p = xasprintf("%s/cur", dir);
	if ((d = opendir(p)) != NULL) {
		while (!found && (de = readdir(d)) != NULL)
			found = !strncmp(de->d_name, name, n) &&
			    (de->d_name[n] == '\0' || de->d_name[n] == ':');
		closedir(d);
	}
	free(p);
	return found;
}
