/*
 * Agendas.  Standard items come from ansvar.ini in order; an item may
 * carry a tag that gives it a role: "[actions]" (due actions are listed
 * under it), "[aob]" (members' items and reviews go before it) and
 * "[evaluation]" (always last, E1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agenda.h"
#include "followup.h"
#include "mailtext.h"
#include "store.h"

struct agenda {
	struct tvars	*items;		/* the parent set */
	int		 n;
	bool		 en;
};

static struct tvars *
item(struct agenda *a, const char *text)
{
	struct tvars	*it = tvars_add(a->items, "items");

	tvars_setf(it, "n", "%d", ++a->n);
	tvars_set(it, "text", text);
	return it;
}

/* "[tag] text" → tag (in tag[]), and the text after it. */
static const char *
untag(const char *s, char *tag, size_t len)
{
	const char	*end;

	tag[0] = '\0';
	if (s[0] != '[' || (end = strchr(s, ']')) == NULL)
		return s;
	snprintf(tag, len, "%.*s", (int)(end - s - 1), s + 1);
	return end + 1 + strspn(end + 1, " ");
}

/* A2: actions due for review by the meeting, overdue ones marked. */
static void
action_notes(struct ansvar *av, const struct meeting *mt, struct tvars *it,
    bool en)
{
	sqlite3_stmt	*st;
	char		 mday[16], today[16];

	date_format(local_day(mt->start), mday, sizeof(mday));
	date_format(local_day(clock_now(&av->clock)), today, sizeof(today));
	st = db_stmt(av->db, "SELECT a.num, a.goal, m.name, a.evaluate, "
	    "a.evaluate < ? FROM actions a JOIN members m ON m.id = a.owner WHERE "
	    "a.group_id = ? AND a.done_at IS NULL AND a.evaluate <= ? ORDER BY "
	    "a.evaluate, a.num", "sls", today, mt->group_id, mday);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct tvars *note = tvars_add(it, "notes");

		tvars_setf(note, "text", en ? "a%d %s (%s, evaluate %s)%s" :
		    "a%d %s (%s, evaluering %s)%s", sqlite3_column_int(st, 0),
		    col_text(st, 1), col_text(st, 2), col_text(st, 3),
		    sqlite3_column_int(st, 4) ? (en ? " - OVERDUE" :
		    " - FORFALT") : "");
	}
	sqlite3_finalize(st);
}

/* What goes before "any other business": members' items, reviews. */
static void
inserted_items(struct ansvar *av, const struct meeting *mt, struct agenda *a)
{
	sqlite3_stmt	*st;
	struct agroup	 g;
	char		*s;

	st = db_stmt(av->db, "SELECT a.text, m.name FROM agenda_items a LEFT "
	    "JOIN members m ON m.id = a.by_member WHERE a.meeting_id = ? ORDER "
	    "BY a.id", "l", mt->id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 1) == SQLITE_NULL)
			item(a, col_text(st, 0));
		else {
			s = xasprintf("%s (%s)", col_text(st, 0), col_text(st, 1));
			item(a, s);
			free(s);
		}
	}
	sqlite3_finalize(st);
	/* G8: reviews waiting since a transition or the 18th birthday. */
	st = db_stmt(av->db, "SELECT item FROM agenda_pending WHERE group_id = "
	    "? AND (done_at IS NULL OR meeting_id = ?) ORDER BY id", "ll",
	    mt->group_id, mt->id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		s = xasprintf(a->en ? "Membership review: %s" :
		    "Gjennomgang av medlemmer: %s", col_text(st, 0));
		item(a, s);
		free(s);
	}
	sqlite3_finalize(st);
	/* E2: the yearly evaluation, with who stays a fixed member. */
	if (group_by_id(av->db, mt->group_id, &g) == 0 &&
	    evaluation_on_agenda(av, &g, mt->id, local_day(mt->start)))
		item(a, a->en ? "Yearly evaluation of the group's work, and who "
		    "stays a fixed member" : "Årlig evaluering av gruppens "
		    "arbeid, og hvem som skal være faste medlemmer");
}

void
agenda_vars(struct ansvar *av, const struct agroup *g, const struct meeting *mt,
    const char *lang, struct tvars *v)
{
	struct config	*cfg = av->cfg;
	struct agenda	 a = { v, 0, lang && !strcmp(lang, "en") };
	struct member	 mtaker;
	const char	*last = NULL, *text;
	char		 tag[32], *when;
	bool		 inserted = false;

	for (int i = 0; i < cfg->n_agenda_items; i++) {
		text = untag(cfg->agenda_items[i], tag, sizeof(tag));
		if (!strcmp(tag, "evaluation")) {
			last = text;
			continue;
		}
		if (!strcmp(tag, "aob") && !inserted) {
			inserted_items(av, mt, &a);
			inserted = true;
		}
		if (!strcmp(tag, "actions"))
			action_notes(av, mt, item(&a, text), a.en);
		else
			item(&a, text);
		/* G10: the first meeting agrees on how the group meets. */
		if (i == 0 && mt->first)
			item(&a, a.en ? "Meeting rules: the time frame, keeping to "
			    "the point, and the chair may interrupt" :
			    "Møteregler: tidsramme, hold dere til saken, og "
			    "møteleder kan avbryte");
	}
	if (!inserted)
		inserted_items(av, mt, &a);
	/* E1: every agenda ends with the meeting's own evaluation. */
	item(&a, last ? last : a.en ? "Evaluation of the meeting" :
	    "Evaluering av møtet");
	when = meeting_when(mt, lang);
	tvars_set(v, "when", when);
	free(when);
	tvars_set(v, "place", mt->place);
	tvars_setf(v, "meeting", "%s/%d", g->ref, mt->num);
	if (mt->minute_taker && member_load(av->db, mt->minute_taker, &mtaker) == 0) {
		tvars_set(v, "minute_taker", mtaker.name);
		member_clear(&mtaker);
	}
	if (mt->first)
		tvars_set(v, "first", "yes");
}

char *
agenda_text(struct ansvar *av, const struct agroup *g, const struct meeting *mt,
    const char *lang, const char *recipient)
{
	struct tvars	*v = tvars_new();
	char		*subject = NULL, *body = NULL, *err = NULL;

	agenda_vars(av, g, mt, lang, v);
	tvars_set(v, "ref", g->ref);
	tvars_set(v, "recipient", recipient);
	tvars_set(v, "service_name", av->cfg->from_name);
	tvars_set(v, "service_mail", av->cfg->from);
	if (mailtext_render(av->texts, "agenda", lang, v, &subject, &body,
	    &err) == -1) {
		body = xasprintf("(agenda template: %s)\n", err);
		free(err);
	}
	free(subject);
	tvars_free(v);
	return body;
}
