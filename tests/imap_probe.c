/*
 * imap_probe: drives daemon/imap.c from the command line for
 * tests/e2e/test_imap_client.py, one session for all the commands given.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap.h"
#include "log.h"
#include "util.h"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: imap_probe url tls user password-file ca-file mailbox "
	    "processed [command [+ command ...]]\n"
	    "commands: uidvalidity | search AFTER | fetch UIDVALIDITY UID "
	    "MAXBYTES [FILE] |\n"
	    "          flag UID FLAG | copy UID MAILBOX\n"
	    "exit: 0 ok, 1 error, 2 usage, 3 too big\n");
	exit(2);
}

static uint32_t
u32(const char *s)
{
	long	v;

	if (!parse_int(s, 0, UINT32_MAX, &v))
		usage();
	return (uint32_t)v;
}

static char *
read_password(const char *path)
{
	FILE	*f;
	char	 buf[1024];
	size_t	 n;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "imap_probe: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return xstrdup(buf);
}

static int
put(const char *file, const char *data, size_t len)
{
	FILE	*f = file != NULL ? fopen(file, "wb") : stdout;

	if (f == NULL || fwrite(data, 1, len, f) != len || fflush(f) != 0) {
		fprintf(stderr, "imap_probe: write: %s\n", strerror(errno));
		return -1;
	}
	if (file != NULL)
		fclose(f);
	return 0;
}

/* One command at argv[0]; returns how many arguments it used, or exits. */
static int
command(struct imap *im, int argc, char **argv, int *rc)
{
	char		 err[512];
	uint32_t	 v, *uids;
	char		*msg;
	size_t		 len;
	long		 max;
	int		 n, too_big;

	err[0] = '\0';
	if (!strcmp(argv[0], "uidvalidity")) {
		if (imap_uidvalidity(im, &v, err, sizeof(err)) == -1)
			goto fail;
		printf("%" PRIu32 "\n", v);
		return 1;
	}
	if (!strcmp(argv[0], "search") && argc >= 2) {
		if ((n = imap_search_after(im, u32(argv[1]), &uids, err,
		    sizeof(err))) == -1)
			goto fail;
		for (int i = 0; i < n; i++)
			printf("%" PRIu32 "\n", uids[i]);
		free(uids);
		return 2;
	}
	if (!strcmp(argv[0], "fetch") && argc >= 4) {
		const char	*file = argc >= 5 && strcmp(argv[4], "+") ?
		    argv[4] : NULL;

		if (!parse_int(argv[3], 0, 1L << 30, &max))
			usage();
		if (imap_fetch(im, u32(argv[1]), u32(argv[2]), (size_t)max,
		    &msg, &len, &too_big, NULL, err, sizeof(err)) == -1) {
			if (too_big) {
				fprintf(stderr, "imap_probe: too_big=1: %s\n",
				    err);
				*rc = 3;
				return file ? 5 : 4;
			}
			goto fail;
		}
		if (msg[len] != '\0')
			fprintf(stderr, "imap_probe: no NUL after the bytes\n");
		fflush(stdout);
		if (put(file, msg, len) == -1)
			*rc = 1;
		free(msg);
		return file ? 5 : 4;
	}
	if (!strcmp(argv[0], "flag") && argc >= 3) {
		if (imap_flag(im, u32(argv[1]), argv[2], err,
		    sizeof(err)) == -1)
			goto fail;
		return 3;
	}
	if (!strcmp(argv[0], "copy") && argc >= 3) {
		if (imap_copy(im, u32(argv[1]), argv[2], err,
		    sizeof(err)) == -1)
			goto fail;
		return 3;
	}
	usage();
fail:
	fprintf(stderr, "imap_probe: %s\n", err);
	*rc = 1;
	/* skip to the next "+" */
	for (n = 1; n < argc && strcmp(argv[n], "+"); n++)
		;
	return n;
}

int
main(int argc, char **argv)
{
	struct imap_conf	 c;
	struct imap		*im;
	char			 err[512], *pw;
	const char		*t = getenv("IMAP_PROBE_TIMEOUT");
	long			 timeout = 10;
	int			 i, rc = 0;

	if (argc < 8)
		usage();
	if (t != NULL && !parse_int(t, 1, 3600, &timeout))
		usage();
	log_init(1, getenv("IMAP_PROBE_VERBOSE") != NULL);
	pw = read_password(argv[4]);
	memset(&c, 0, sizeof(c));
	c.url = argv[1];
	c.tls = argv[2];
	c.user = argv[3];
	c.password = pw;
	c.ca_file = argv[5];
	c.mailbox = argv[6];
	c.processed_mailbox = argv[7];
	c.timeout = (int)timeout;
	im = imap_open(&c, err, sizeof(err));
	explicit_bzero(pw, strlen(pw));
	free(pw);
	if (im == NULL) {
		fprintf(stderr, "imap_probe: %s\n", err);
		return 1;
	}
	for (i = 8; i < argc;) {
		if (!strcmp(argv[i], "+")) {
			i++;
			continue;
		}
		i += command(im, argc - i, argv + i, &rc);
	}
	if (argc == 8)
		printf("ok\n");
	imap_close(im);
	return rc;
}
