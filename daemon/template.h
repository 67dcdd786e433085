/*
 * template.h: a tiny mustache-like renderer for mail templates, with
 * escaping of substituted values for plain text, header lines or HTML.
 */

#ifndef TEMPLATE_H
#define TEMPLATE_H

/*
 * A set of named values: each name is either a scalar string or a list
 * of records, each record being a struct tvars of its own.
 *
 * The setters return nothing; an allocation failure is remembered in
 * the root set and makes template_render() fail, so that a mail is
 * never sent with silently missing data.  The setters and tvars_add()
 * accept a NULL set (doing nothing), so a failed tvars_add() need not
 * be checked at every call.
 */
struct tvars;

struct tvars	*tvars_new(void);
/* Frees a root set and all its records; never pass a record from tvars_add. */
void		 tvars_free(struct tvars *);
/*
 * Set a scalar; value copied; NULL value = empty (it still shadows a
 * same-named value of an enclosing record).  Setting the same name
 * again replaces it, including a list of that name.
 */
void		 tvars_set(struct tvars *, const char *name, const char *value);
void		 tvars_setf(struct tvars *, const char *name, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
/*
 * Append a new empty record to the list `name` (created on first use,
 * replacing a scalar of that name) and return it; owned by the parent.
 * Returns NULL on allocation failure.
 */
struct tvars	*tvars_add(struct tvars *, const char *name);
/* Scalar value of name in this set only, or NULL if missing or a list. */
const char	*tvars_get(const struct tvars *, const char *name);

enum tescape {
	TESC_NONE,	/* plain text body: values inserted as they are */
	TESC_HEADER,	/* one header line: runs of C0 controls and DEL in
			   values become one space; the template text itself
			   must not break the line (one trailing newline is
			   stripped) */
	TESC_HTML	/* & < > " ' escaped */
};

/*
 * Check syntax only.  Returns 0, or -1 with *err = malloc'd
 * "line N: message" (*err is NULL if even that allocation failed).
 * err may be NULL.
 */
int	 template_check(const char *tmpl, char **err);
/*
 * Render.  Returns a malloc'd string, or NULL with *err = malloc'd
 * "line N: message" (or "out of memory").  vars may be NULL.
 */
char	*template_render(const char *tmpl, const struct tvars *vars,
	    enum tescape esc, char **err);

#endif /* TEMPLATE_H */
