/*
 * Loads every mail template at start, so a missing or broken one stops the
 * daemon (or a reload) instead of a mail at 08:00 some morning.  A file
 * is "Subject: ..." on its first line, a blank line, then the body.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailtext.h"

/* Every kind of mail ansvard sends; each needs templates/{nb,en}/KIND.txt. */
static const char *kinds[] = {
	"coordinator-assigned",
	"coordinator-released",
	"group-started",
	"group-closed",
	"client-adult",
	"mail-undelivered",
	"invitation",
	"cancellation",
	"agenda",
	"agenda-prepare",
	"post-reminder",
	"action-reminder",
	"evaluation-due",
	"next-meeting",
	"absence-followup",
	"rsvp-reminder",
	"rsvp-followup",
	"substitute-request",
	"member-declined",
	"forward",
	"minutes-reminder",
	"minutes-overdue",
	"minutes",
	"minutes-post",
	"minutes-comment",
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))
static const char *langs[] = { "nb", "en" };
#define NLANGS 2

struct text {
	char	*subject;
	char	*body;
};

struct mailtext {
	struct text	t[NLANGS][NKINDS];
};

static char *
slurp(const char *path, struct buf *err)
{
	struct buf	 b;
	char		 chunk[4096];
	size_t		 n;
	FILE		*fp;

	if ((fp = fopen(path, "r")) == NULL) {
		buf_printf(err, "%s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(&b, chunk, n);
	fclose(fp);
	if (!utf8_valid(buf_str(&b), b.len)) {
		buf_printf(err, "%s: not valid UTF-8\n", path);
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

static int
text_load(struct text *t, const char *path, struct buf *err)
{
	char	*all, *nl, *msg = NULL;

	if ((all = slurp(path, err)) == NULL)
		return -1;
	if (strncmp(all, "Subject: ", 9) || (nl = strchr(all, '\n')) == NULL ||
	    nl[1] != '\n') {
		buf_printf(err, "%s:1: expected \"Subject: ...\" and a blank "
		    "line before the body\n", path);
		free(all);
		return -1;
	}
	t->subject = strndup(all + 9, (size_t)(nl - all - 9));
	t->body = xstrdup(nl + 2);
	free(all);
	if (template_check(t->subject, &msg) == -1 ||
	    template_check(t->body, &msg) == -1) {
		buf_printf(err, "%s: %s\n", path, msg);
		free(msg);
		return -1;
	}
	return 0;
}

struct mailtext *
mailtext_load(const char *dir, struct buf *err)
{
	struct mailtext	*mt = xcalloc(1, sizeof(*mt));
	int		 bad = 0;

	for (size_t l = 0; l < NLANGS; l++)
		for (size_t k = 0; k < NKINDS; k++) {
			char *path = xasprintf("%s/%s/%s.txt", dir, langs[l],
			    kinds[k]);
			bad |= text_load(&mt->t[l][k], path, err);
			free(path);
		}
	if (bad) {
		mailtext_free(mt);
		return NULL;
	}
	return mt;
}

void
mailtext_free(struct mailtext *mt)
{
	if (mt == NULL)
		return;
	for (size_t l = 0; l < NLANGS; l++)
		for (size_t k = 0; k < NKINDS; k++) {
			free(mt->t[l][k].subject);
			free(mt->t[l][k].body);
		}
	free(mt);
}

int
mailtext_render(const struct mailtext *mt, const char *kind, const char *lang,
    const struct tvars *v, char **subject, char **body, char **err)
{
	size_t	l = lang && !strcmp(lang, "en") ? 1 : 0, k;

	for (k = 0; k < NKINDS; k++)
		if (!strcmp(kinds[k], kind))
			break;
	if (k == NKINDS) {
		*err = xasprintf("no template for mail kind \"%s\"", kind);
		return -1;
	}
	if ((*subject = template_render(mt->t[l][k].subject, v, TESC_HEADER,
	    err)) == NULL)
		return -1;
	if ((*body = template_render(mt->t[l][k].body, v, TESC_NONE, err)) ==
	    NULL) {
		free(*subject);
		return -1;
	}
	return 0;
}
