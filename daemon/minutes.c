/*
 * Minutes: the file is written to STATE_DIR/minutes/REF-N-vV.EXT (fsync'd
 * and renamed into place) before its row is inserted, and its mails are
 * queued in the same transaction, so a crash leaves at most a file
 * without a row, never a row without its file or a mail sent twice.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "letter.h"
#include "log.h"
#include "minutes.h"
#include "outbox.h"
#include "schedule.h"
#include "store.h"

const char *
minutes_type(const void *data, size_t len, const char **mime)
{
	const char	*p = data;

	if (len >= 5 && !memcmp(p, "%PDF-", 5)) {
		*mime = "application/pdf";
		return "pdf";
	}
	/* DOCX: a ZIP whose first entry is [Content_Types].xml or word/... */
	if (len >= 30 && !memcmp(p, "PK\003\004", 4) &&
	    (memmem(p, len < 65536 ? len : 65536, "word/", 5) != NULL ||
	    memmem(p, len < 65536 ? len : 65536, "[Content_Types].xml", 19))) {
		*mime = "application/vnd.openxmlformats-officedocument."
		    "wordprocessingml.document";
		return "docx";
	}
	if (len > 0 && memchr(p, '\0', len) == NULL && utf8_valid(p, len)) {
		*mime = "text/plain";
		return "txt";
	}
	return NULL;
}

int64_t
minutes_writer(struct ansvar *av, const struct agroup *g,
    const struct meeting *mt)
{
	if (!strcmp(av->cfg->minutes_by, "coordinator") || !mt->minute_taker)
		return group_coordinator(av->db, g->id);
	return mt->minute_taker;
}

/* Write the file durably; -1 with err. */
static int
archive(const char *dir, const char *name, const void *data, size_t len,
    char *err, size_t errlen)
{
	char	*tmp = xasprintf("%s/.%s.tmp", dir, name);
	char	*path = xasprintf("%s/%s", dir, name);
	int	 fd, rc = -1;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		goto out;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) ==
	    -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (write(fd, data, len) != (ssize_t)len || fsync(fd) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno ? errno :
		    EIO));
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (rename(tmp, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		fsync(fd);
		close(fd);
	}
	rc = 0;
out:
	free(tmp);
	free(path);
	return rc;
}

/* Variables every minutes mail has. */
static void
minutes_vars(struct ansvar *av, const struct agroup *g,
    const struct meeting *mt, int version, const char *lang, struct tvars *v)
{
	char	*when = meeting_when(mt, lang);
	char	 date[16];

	tvars_setf(v, "meeting", "%s/%d", g->ref, mt->num);
	tvars_set(v, "when", when);
	tvars_set(v, "place", mt->place);
	tvars_setf(v, "version", "%d", version);
	if (version > 1)
		tvars_set(v, "corrected", "yes");
	date_format(local_day(clock_now(&av->clock)) + av->cfg->comment_days,
	    date, sizeof(date));
	tvars_set(v, "comment_by", date);
	free(when);
}

/* M5: a member who gets post: the coordinator gets the minutes to post. */
static int
post_one(struct ansvar *av, const struct agroup *g, const struct meeting *mt,
    int version, int64_t mid, const char *ext, const char *mime,
    const void *data, size_t len)
{
	struct member	 c, m;
	struct outmail	 om;
	struct tvars	*v;
	struct letter	 l;
	char		*cause, *name, *pdf = NULL, *title, *body = NULL;
	char		 date[16], err[200];
	const char	*address;
	size_t		 plen = 0;
	int		 rc = 0;

	if (member_load(av->db, group_coordinator(av->db, g->id), &c) == -1)
		return 0;
	if (member_load(av->db, mid, &m) == -1) {
		member_clear(&c);
		return 0;
	}
	address = db_str(av->db, "SELECT coalesce(address, '') FROM members "
	    "WHERE id = ?", "l", mid);
	cause = xasprintf("minutes-post:m=%lld:v=%d:to=%lld", (long long)mt->id,
	    version, (long long)mid);
	v = tvars_new();
	minutes_vars(av, g, mt, version, c.lang ? c.lang : av->cfg->language, v);
	tvars_set(v, "member", m.name);
	tvars_set(v, "address", address);
	memset(&om, 0, sizeof(om));
	if (!strcmp(ext, "txt")) {
		body = xmalloc(len + 1);
		memcpy(body, data, len);
		body[len] = '\0';
		date_format(local_day(clock_now(&av->clock)), date, sizeof(date));
		title = xasprintf("Referat %s/%d", g->ref, mt->num);
		memset(&l, 0, sizeof(l));
		l.sender = *av->cfg->from_name ? av->cfg->from_name :
		    av->cfg->from;
		l.recipient = m.name;
		l.address = address;
		l.date = date;
		l.title = title;
		l.body = body;
		if (letter_pdf(&l, &pdf, &plen, err, sizeof(err)) == -1) {
			log_warnx("minutes: %s/%d: letter: %s", g->ref, mt->num,
			    err);
			free(title);
			goto out;
		}
		free(title);
		name = xasprintf("referat-%s-%d-%lld.pdf", g->ref, mt->num,
		    (long long)mid);
		om.attach_type = "application/pdf";
		om.attach = pdf;
		om.attach_len = plen;
	} else {
		name = xasprintf("referat-%s-%d.%s", g->ref, mt->num, ext);
		om.attach_type = mime;
		om.attach = data;
		om.attach_len = len;
	}
	om.attach_name = name;
	rc = outbox_to_member(av, g, &c, "minutes-post", cause, v, &om) == 1;
	free(name);
out:
	free(pdf);
	free(body);
	free((char *)address);
	free(cause);
	tvars_free(v);
	member_clear(&m);
	member_clear(&c);
	return rc;
}

/* M9: to every member, absent ones too; guests of this meeting as well. */
static int
distribute(struct ansvar *av, const struct agroup *g, const struct meeting *mt,
    int version, const char *ext, const char *mime, const void *data,
    size_t len)
{
	int64_t		*ids;
	size_t		 n = 0;
	int		 sent = 0;
	char		*text = NULL, *name;

	if (!strcmp(ext, "txt")) {
		text = xmalloc(len + 1);
		memcpy(text, data, len);
		text[len] = '\0';
	}
	if (version > 1)
		name = xasprintf("referat-%s-%d-v%d.%s", g->ref, mt->num,
		    version, ext);
	else
		name = xasprintf("referat-%s-%d.%s", g->ref, mt->num, ext);
	ids = db_ids(av->db, &n, "SELECT id FROM members WHERE group_id = ?1 AND "
	    "removed_at IS NULL AND (guest = 0 OR id IN (SELECT member_id FROM "
	    "invitees WHERE meeting_id = ?2)) ORDER BY num", "ll", g->id, mt->id);
	for (size_t i = 0; i < n; i++) {
		struct member	 m;
		struct outmail	 om;
		struct tvars	*v;
		char		*cause;
		int		 post;

		if (member_load(av->db, ids[i], &m) == -1)
			continue;
		/* As for the agenda (M5): post to those with an address. */
		post = db_int(av->db, 0, "SELECT channel = 'post' OR email IS "
		    "NULL FROM members WHERE id = ?", "l", m.id);
		if (post && !db_int(av->db, 0, "SELECT address IS NOT NULL FROM "
		    "members WHERE id = ?", "l", m.id)) {
			log_warnx("minutes: %s/%d: member #%d has neither e-mail "
			    "nor a postal address; not sent to them", g->ref,
			    mt->num, m.num);
			member_clear(&m);
			continue;
		}
		if (post) {
			sent += post_one(av, g, mt, version, m.id, ext, mime, data,
			    len);
			member_clear(&m);
			continue;
		}
		v = tvars_new();
		minutes_vars(av, g, mt, version, m.lang ? m.lang :
		    av->cfg->language, v);
		if (text)
			tvars_set(v, "minutes_text", text);
		cause = xasprintf("minutes:m=%lld:v=%d:to=%lld",
		    (long long)mt->id, version, (long long)m.id);
		memset(&om, 0, sizeof(om));
		om.attach_name = name;
		om.attach_type = mime;
		om.attach = data;
		om.attach_len = len;
		sent += outbox_to_member(av, g, &m, "minutes", cause, v, &om) == 1;
		free(cause);
		tvars_free(v);
		member_clear(&m);
	}
	free(ids);
	free(name);
	free(text);
	return sent;
}

int
minutes_record(struct ansvar *av, const struct agroup *g,
    const struct meeting *mt, const void *data, size_t len,
    const char *by_user, int64_t inbox_id, int *sent, char *err,
    size_t errlen)
{
	const char	*ext, *mime;
	char		*dir, *name;
	gchar		*sum;
	int		 version;

	*sent = 0;
	if ((ext = minutes_type(data, len, &mime)) == NULL) {
		snprintf(err, errlen, "the minutes must be text (UTF-8), PDF or "
		    "DOCX");
		return -1;
	}
	version = (int)db_int(av->db, 0, "SELECT coalesce(max(version), 0) + 1 "
	    "FROM minutes WHERE meeting_id = ?", "l", mt->id);
	dir = xasprintf("%s/minutes", av->cfg->state_dir);
	name = xasprintf("%s-%d-v%d.%s", g->ref, mt->num, version, ext);
	if (archive(dir, name, data, len, err, errlen) == -1) {
		free(dir);
		free(name);
		return -1;
	}
	sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
	db_run(av->db, "INSERT INTO minutes (meeting_id, version, kind, type, "
	    "path, sha256, size, by_user, inbox_id, at) VALUES (?, ?, "
	    "'minutes', ?, ?, ?, ?, ?, NULLIF(?, 0), ?)", "lisssisll", mt->id,
	    version, ext, name, sum, (int)len, by_user, inbox_id,
	    (int64_t)clock_now(&av->clock));
	g_free(sum);
	*sent = distribute(av, g, mt, version, ext, mime, data, len);
	log_info("minutes: %s/%d: version %d recorded (%s, %zu bytes), %d "
	    "mail(s) queued (M9)", g->ref, mt->num, version, ext, len, *sent);
	free(dir);
	free(name);
	return version;
}
