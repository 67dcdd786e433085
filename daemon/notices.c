/*
 * Event mails.  Cause keys name the group and member by id and count the
 * event, so the same event can never queue a second mail.
 */
#include <stdlib.h>
#include <string.h>

#include "notices.h"
#include "outbox.h"
#include "store.h"
#include "template.h"

/* Queue one mail to a member; members without e-mail get none. */
static void
to_member(struct ansvar *av, const struct agroup *g, const struct member *m,
    const char *kind, const char *cause, struct tvars *v)
{
	struct outmail	om;

	if (m->email == NULL)
		return;
	memset(&om, 0, sizeof(om));
	om.cause = cause;
	om.group_id = g->id;
	om.ref = g->ref;
	om.kind = kind;
	om.to = m->email;
	om.to_name = m->name;
	om.lang = m->lang;
	om.token = m->token;
	om.vars = v;
	om.due = clock_now(&av->clock);
	outbox_add(av, &om);
}

void
notice_coordinator_assigned(struct ansvar *av, const struct agroup *g,
    int64_t member_id)
{
	struct member	 m;
	struct tvars	*v;
	char		*prefix, *cause;
	int64_t		 n;

	if (member_load(av->db, member_id, &m) == -1)
		return;
	/* The n-th time this member takes over this group. */
	prefix = xasprintf("coordinator:g=%lld:m=%lld:", (long long)g->id,
	    (long long)member_id);
	n = db_int(av->db, 0, "SELECT count(*) FROM outbox WHERE substr(cause, "
	    "1, length(?)) = ?", "ss", prefix, prefix);
	cause = xasprintf("%sn=%lld", prefix, (long long)n + 1);
	free(prefix);
	v = tvars_new();
	tvars_set(v, "name", m.name);
	tvars_setf(v, "member", "#%d", m.num);
	if (!strcmp(g->state, "draft"))
		tvars_set(v, "draft", "yes");
	to_member(av, g, &m, "coordinator-assigned", cause, v);
	tvars_free(v);
	free(cause);
	member_clear(&m);
}
