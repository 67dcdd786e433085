/*
 * Event mails.  Cause keys name the group and member by id and count the
 * event, so the same event can never queue a second mail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strings.h>

#include "log.h"
#include "meeting.h"
#include "notices.h"
#include "outbox.h"
#include "store.h"
#include "template.h"

/* An event notice that could not be sent for two weeks is stale. */
#define NOTICE_USEFUL	(14 * 24 * 3600)

/* Queue one mail to a member; members without e-mail get none. */
static void
to_member(struct ansvar *av, const struct agroup *g, const struct member *m,
    const char *kind, const char *cause, struct tvars *v)
{
	struct outmail	om;

	memset(&om, 0, sizeof(om));
	om.deadline = clock_now(&av->clock) + NOTICE_USEFUL;
	outbox_to_member(av, g, m, kind, cause, v, &om);
}

/* Queue one mail to an address that is not a member (youth team, …). */
static void
to_address(struct ansvar *av, const struct agroup *g, const char *addr,
    const char *kind, const char *cause, struct tvars *v)
{
	struct outmail	om;

	memset(&om, 0, sizeof(om));
	om.cause = cause;
	om.group_id = g->id;
	om.ref = g->ref;
	om.kind = kind;
	om.to = addr;
	om.vars = v;
	om.due = clock_now(&av->clock);
	om.deadline = om.due + NOTICE_USEFUL;
	outbox_add(av, &om);
}

int
client_age(const struct agroup *g, int day)
{
	int	by, bm, bd, y, m, d;

	sscanf(g->born, "%d-%d-%d", &by, &bm, &bd);
	day_to_ymd(day, &y, &m, &d);
	return y - by - (m < bm || (m == bm && d < bd));
}

/* The variables every mail about a group may use. */
static void
group_vars(struct ansvar *av, const struct agroup *g, struct tvars *v)
{
	sqlite3_stmt	*st;

	st = db_stmt(av->db, "SELECT name, service, email, phone FROM members "
	    "WHERE group_id = ? AND coordinator = 1 AND removed_at IS NULL",
	    "l", g->id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		tvars_set(v, "coordinator", col_text(st, 0));
		tvars_set(v, "coordinator_service", col_text(st, 1));
		tvars_set(v, "coordinator_email", col_text(st, 2));
		tvars_set(v, "coordinator_phone", col_text(st, 3));
	}
	sqlite3_finalize(st);
}

/* Mail to the group's coordinator, if it has one with an address. */
static void
to_coordinator(struct ansvar *av, const struct agroup *g, const char *kind,
    const char *cause, struct tvars *v)
{
	struct member	m;
	int64_t		id = group_coordinator(av->db, g->id);

	if (id == 0 || member_load(av->db, id, &m) == -1)
		return;
	tvars_set(v, "name", m.name);
	to_member(av, g, &m, kind, cause, v);
	member_clear(&m);
}

void
notice_to_coordinator(struct ansvar *av, const struct agroup *g,
    const char *kind, const char *cause, struct tvars *v)
{
	to_coordinator(av, g, kind, cause, v);
}

/* A cause key for the n-th event of this prefix: the same event cannot
 * queue twice, the next one gets the next number. */
static char *
next_cause(struct ansvar *av, const char *prefix)
{
	int64_t	n = db_int(av->db, 0, "SELECT count(*) FROM outbox WHERE "
	    "substr(cause, 1, length(?1)) = ?1", "s", prefix);

	return xasprintf("%sn=%lld", prefix, (long long)n + 1);
}

void
notice_coordinator_assigned(struct ansvar *av, const struct agroup *g,
    int64_t member_id, int64_t from_id)
{
	struct member	 m, old;
	struct tvars	*v;
	char		*prefix, *cause;

	if (member_load(av->db, member_id, &m) == -1)
		return;
	memset(&old, 0, sizeof(old));
	if (from_id)
		member_load(av->db, from_id, &old);
	prefix = xasprintf("coordinator:g=%lld:m=%lld:", (long long)g->id,
	    (long long)member_id);
	cause = next_cause(av, prefix);
	v = tvars_new();
	tvars_set(v, "name", m.name);
	tvars_setf(v, "member", "#%d", m.num);
	tvars_set(v, "previous", old.name);
	if (!strcmp(g->state, "draft"))
		tvars_set(v, "draft", "yes");
	to_member(av, g, &m, "coordinator-assigned", cause, v);
	tvars_free(v);
	free(cause);
	free(prefix);
	if (from_id) {
		prefix = xasprintf("coordinator-released:g=%lld:m=%lld:",
		    (long long)g->id, (long long)from_id);
		cause = next_cause(av, prefix);
		v = tvars_new();
		tvars_set(v, "name", old.name);
		tvars_set(v, "successor", m.name);
		tvars_set(v, "successor_email", m.email);
		to_member(av, g, &old, "coordinator-released", cause, v);
		tvars_free(v);
		free(cause);
		free(prefix);
	}
	member_clear(&old);
	member_clear(&m);
}

void
notice_group_started(struct ansvar *av, const struct agroup *g)
{
	struct tvars	*v = tvars_new();
	char		*cause = xasprintf("started:g=%lld:at=%lld",
	    (long long)g->id, (long long)clock_now(&av->clock));

	char		*client = db_str(av->db, "SELECT name FROM members WHERE "
	    "group_id = ? AND role = 'client'", "l", g->id);

	group_vars(av, g, v);
	tvars_set(v, "client", client);
	tvars_set(v, "born", g->born);
	to_address(av, g, av->cfg->notify_children, "group-started", cause, v);
	tvars_free(v);
	free(client);
	free(cause);
}

void
notice_group_closed(struct ansvar *av, const struct agroup *g,
    int64_t closure_id)
{
	struct tvars	*v = tvars_new();
	int		 minor = client_age(g, local_day(clock_now(&av->clock))) < 18;
	char		*cause = xasprintf("closed:g=%lld:c=%lld", (long long)g->id,
	    (long long)closure_id);
	sqlite3_stmt	*st;

	group_vars(av, g, v);
	st = db_stmt(av->db, "SELECT reason, summary FROM closures WHERE id = ?",
	    "l", closure_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		tvars_set(v, "reason", col_text(st, 0));
		tvars_set(v, "summary", col_text(st, 1));
	}
	sqlite3_finalize(st);
	if (minor)
		tvars_set(v, "minor", "yes");
	to_address(av, g, minor ? av->cfg->notify_children :
	    av->cfg->notify_adults, "group-closed", cause, v);
	tvars_free(v);
	free(cause);
}

void
notice_client_adult(struct ansvar *av, const struct agroup *g, int day)
{
	struct tvars	*v = tvars_new();
	char		*cause = xasprintf("adult:g=%lld", (long long)g->id);
	char		 date[16];

	date_format(day, date, sizeof(date));
	tvars_set(v, "date", date);
	to_coordinator(av, g, "client-adult", cause, v);
	tvars_free(v);
	free(cause);
}

/*
 * T2: a mail that failed for good (5xx) or was dropped past its deadline
 * is reported to the group's coordinator, once; not when the coordinator
 * is the one who could not be reached.
 */
void
notice_undelivered(struct ansvar *av, int64_t outbox_id)
{
	sqlite3_stmt	*st;
	struct agroup	 g;
	struct member	 m;
	struct tvars	*v;
	char		*cause = xasprintf("undelivered:o=%lld", (long long)outbox_id);
	char		*ref = NULL, *rcpt = NULL;
	int64_t		 coord;

	st = db_stmt(av->db, "SELECT g.ref, o.rcpt, o.kind, o.state, "
	    "o.last_error, o.subject FROM outbox o JOIN groups g ON g.id = "
	    "o.group_id WHERE o.id = ?", "l", outbox_id);
	v = tvars_new();
	if (sqlite3_step(st) == SQLITE_ROW) {
		ref = xstrdup(col_text(st, 0));
		rcpt = xstrdup(col_text(st, 1));
		tvars_set(v, "to", rcpt);
		tvars_set(v, "kind", col_text(st, 2));
		if (!strcmp(col_text(st, 3), "failed"))
			tvars_set(v, "failed", "yes");
		tvars_set(v, "error", col_text(st, 4));
		tvars_set(v, "subject", col_text(st, 5));
		tvars_setf(v, "id", "%lld", (long long)outbox_id);
	}
	sqlite3_finalize(st);
	if (ref && group_find(av->db, ref, &g) == 0 &&
	    (coord = group_coordinator(av->db, g.id)) != 0 &&
	    member_load(av->db, coord, &m) == 0) {
		if (m.email && strcasecmp(m.email, rcpt))
			to_member(av, &g, &m, "mail-undelivered", cause, v);
		else
			log_warnx("outbox: #%lld to the coordinator of %s was not "
			    "delivered; nobody else to tell", (long long)outbox_id,
			    ref);
		member_clear(&m);
	}
	tvars_free(v);
	free(ref);
	free(rcpt);
	free(cause);
}

bool
member_is_family(const char *role)
{
	return !strcmp(role, "client") || !strcmp(role, "guardian") ||
	    !strcmp(role, "verge");
}

void
absence_vars(struct ansvar *av, const struct member *m, struct tvars *v)
{
	char	*phone = db_str(av->db, "SELECT phone FROM members WHERE id = ?",
	    "l", m->id);

	tvars_set(v, "absent", m->name);
	tvars_setf(v, "absent_num", "#%d", m->num);
	if (!strcmp(m->role, "client"))
		tvars_set(v, "is_client", "yes");
	if (phone && *phone)
		tvars_set(v, "absent_phone", phone);
	free(phone);
}

/* M8 → M6: the client or a guardian did not come: the coordinator calls. */
void
notice_no_shows(struct ansvar *av, const struct agroup *g,
    const struct meeting *mt)
{
	struct tvars	*v;
	struct member	 m;
	int64_t		*ids;
	size_t		 n = 0;
	char		*cause;

	ids = db_ids(av->db, &n, "SELECT m.id FROM attendance a JOIN members m "
	    "ON m.id = a.member_id WHERE a.meeting_id = ? AND a.present = 0 "
	    "ORDER BY m.num", "l", mt->id);
	for (size_t i = 0; i < n; i++) {
		if (member_load(av->db, ids[i], &m) == -1)
			continue;
		if (member_is_family(m.role)) {
			v = tvars_new();
			absence_vars(av, &m, v);
			tvars_setf(v, "meeting", "%s/%d", g->ref, mt->num);
			cause = xasprintf("noshow:m=%lld:to=%lld",
			    (long long)mt->id, (long long)m.id);
			to_coordinator(av, g, "absence-followup", cause, v);
			free(cause);
			tvars_free(v);
		}
		member_clear(&m);
	}
	free(ids);
}
