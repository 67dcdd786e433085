/*
 * template.c: render mail templates written in a small mustache-like
 * language ({{var}}, {{#sec}}, {{^sec}}, {{/sec}}, {{! comment }}).
 * The template is tokenized and checked first, then rendered.
 */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"

#define MAXDEPTH	16	/* deeper nesting is surely a template bug */
#define NAMESHOW	64	/* longest name quoted in an error message */

struct tvar {
	struct tvar	 *next;
	char		 *name;
	char		 *value;	/* scalar; NULL when this is a list */
	struct tvars	**recs;
	size_t		  nrecs;
	size_t		  caprecs;
};

struct tvars {
	struct tvar	*head;
	struct tvars	*root;		/* where allocation failure is noted */
	int		 nomem;
};

enum ttype {
	T_TEXT,
	T_VAR,
	T_SECTION,
	T_INVERTED,
	T_CLOSE,
	T_COMMENT
};

struct tok {
	enum ttype	 type;
	const char	*s;		/* text or tag name, inside the template */
	size_t		 len;
	int		 line;		/* line on which s starts */
	size_t		 end;		/* sections: index of the close tag */
};

struct parser {
	const char	*src;
	const char	*p;		/* first input byte not yet consumed */
	int		 line;		/* line number at p */
	struct tok	*toks;
	size_t		 ntoks;
	size_t		 cap;
	size_t		 stack[MAXDEPTH];	/* open section token indexes */
	size_t		 depth;
	char		*err;
	int		 failed;
};

struct buf {
	char		*p;
	size_t		 len;
	size_t		 cap;
	int		 nomem;
};

/* Lookup chain: the innermost list record first, the root last. */
struct scope {
	const struct tvars	*vars;
	const struct scope	*up;
};

struct render {
	const struct tok	*toks;
	enum tescape		 esc;
	struct buf		 out;
	int			 bad;		/* template text gave a control */
	size_t			 bad_off;	/* ... at this output offset */
	int			 bad_line;	/* ... from this template line */
};

static void	render_range(struct render *, size_t, size_t,
		    const struct scope *);

/*
 * Variables.
 */

struct tvars *
tvars_new(void)
{
	struct tvars	*v;

	if ((v = calloc(1, sizeof(*v))) == NULL)
		return NULL;
	v->root = v;
	return v;
}

static void
tvar_clear(struct tvar *tv)
{
	size_t	 i;

	free(tv->value);
	tv->value = NULL;
	for (i = 0; i < tv->nrecs; i++)
		tvars_free(tv->recs[i]);
	free(tv->recs);
	tv->recs = NULL;
	tv->nrecs = tv->caprecs = 0;
}

void
tvars_free(struct tvars *v)
{
	struct tvar	*tv, *next;

	if (v == NULL)
		return;
	for (tv = v->head; tv != NULL; tv = next) {
		next = tv->next;
		tvar_clear(tv);
		free(tv->name);
		free(tv);
	}
	free(v);
}

/* name need not be NUL-terminated: tag names point into the template. */
static struct tvar *
tvar_find(const struct tvars *v, const char *name, size_t len)
{
	struct tvar	*tv;

	for (tv = v->head; tv != NULL; tv = tv->next)
		if (strncmp(tv->name, name, len) == 0 && tv->name[len] == '\0')
			return tv;
	return NULL;
}

static struct tvar *
tvar_lookup_or_new(struct tvars *v, const char *name)
{
	struct tvar	*tv;

	if ((tv = tvar_find(v, name, strlen(name))) != NULL)
		return tv;
	if ((tv = calloc(1, sizeof(*tv))) == NULL ||
	    (tv->name = strdup(name)) == NULL) {
		free(tv);
		v->root->nomem = 1;
		return NULL;
	}
	tv->next = v->head;
	v->head = tv;
	return tv;
}

/* Takes ownership of value; NULL means its allocation failed. */
static void
tvars_set_owned(struct tvars *v, const char *name, char *value)
{
	struct tvar	*tv;

	if (value == NULL) {
		v->root->nomem = 1;
		return;
	}
	if ((tv = tvar_lookup_or_new(v, name)) == NULL) {
		free(value);
		return;
	}
	tvar_clear(tv);
	tv->value = value;
}

void
tvars_set(struct tvars *v, const char *name, const char *value)
{
	if (v == NULL || name == NULL)
		return;
	/*
	 * NULL is stored as "" rather than removed, so that an empty
	 * field of a record cannot pick up an outer value of that name.
	 */
	tvars_set_owned(v, name, strdup(value != NULL ? value : ""));
}

void
tvars_setf(struct tvars *v, const char *name, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 r;

	if (v == NULL || name == NULL || fmt == NULL)
		return;
	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	tvars_set_owned(v, name, r == -1 ? NULL : s);
}

struct tvars *
tvars_add(struct tvars *v, const char *name)
{
	struct tvar	 *tv;
	struct tvars	 *rec, **nrecs;
	size_t		  ncap;

	if (v == NULL || name == NULL)
		return NULL;
	if ((tv = tvar_lookup_or_new(v, name)) == NULL)
		return NULL;
	if (tv->value != NULL)
		tvar_clear(tv);		/* a scalar becomes a list */
	if (tv->nrecs == tv->caprecs) {
		ncap = tv->caprecs != 0 ? tv->caprecs * 2 : 4;
		nrecs = reallocarray(tv->recs, ncap, sizeof(*nrecs));
		if (nrecs == NULL)
			goto nomem;
		tv->recs = nrecs;
		tv->caprecs = ncap;
	}
	if ((rec = calloc(1, sizeof(*rec))) == NULL)
		goto nomem;
	rec->root = v->root;
	tv->recs[tv->nrecs++] = rec;
	return rec;
nomem:
	v->root->nomem = 1;
	return NULL;
}

const char *
tvars_get(const struct tvars *v, const char *name)
{
	struct tvar	*tv;

	if (v == NULL || name == NULL)
		return NULL;
	if ((tv = tvar_find(v, name, strlen(name))) == NULL)
		return NULL;
	return tv->value;
}

/*
 * Character classes.  Explicit ASCII ranges, so that the daemon's
 * locale cannot change what a template means.
 */

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int
is_ctl(char c)
{
	unsigned char	 u = (unsigned char)c;

	return (u != 0 && u < 0x20) || u == 0x7f;
}

static int
is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static const char *
skip_blank(const char *s)
{
	while (is_blank(*s))
		s++;
	return s;
}

static int
count_nl(const char *a, const char *b)
{
	int	 n = 0;

	for (; a < b; a++)
		if (*a == '\n')
			n++;
	return n;
}

static int
show_len(size_t len)
{
	return (int)(len > NAMESHOW ? NAMESHOW : len);
}

/*
 * Parsing.
 */

static void	pfail(struct parser *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* Only the first error is kept: later ones are usually its echoes. */
static void
pfail(struct parser *ps, int line, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	if (ps->failed)
		return;
	ps->failed = 1;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	if (asprintf(&ps->err, "line %d: %s", line,
	    msg != NULL ? msg : "out of memory") == -1)
		ps->err = NULL;
	free(msg);
}

/* Returns the index of the new token, or -1. */
static long
tok_push(struct parser *ps, enum ttype type, const char *s, size_t len,
    int line)
{
	struct tok	*nt;
	size_t		 ncap;

	if (ps->ntoks == ps->cap) {
		ncap = ps->cap != 0 ? ps->cap * 2 : 32;
		if ((nt = reallocarray(ps->toks, ncap, sizeof(*nt))) == NULL) {
			pfail(ps, line, "out of memory");
			return -1;
		}
		ps->toks = nt;
		ps->cap = ncap;
	}
	nt = &ps->toks[ps->ntoks];
	nt->type = type;
	nt->s = s;
	nt->len = len;
	nt->line = line;
	nt->end = 0;
	return (long)ps->ntoks++;
}

static enum ttype
tag_type(char sigil)
{
	switch (sigil) {
	case '#':
		return T_SECTION;
	case '^':
		return T_INVERTED;
	case '/':
		return T_CLOSE;
	case '!':
		return T_COMMENT;
	default:
		return T_VAR;
	}
}

/*
 * Find the "}}" ending a tag.  Only comments may span lines: a name
 * tag broken by a newline is far more likely a missing "}}" than
 * anything intended, and reporting it there gives the right line.
 */
static const char *
find_close(const char *s, int multiline)
{
	if (multiline)
		return strstr(s, "}}");
	for (; *s != '\0' && *s != '\n'; s++)
		if (s[0] == '}' && s[1] == '}')
			return s;
	return NULL;
}

static int
check_name(struct parser *ps, int line, const char *name, size_t len)
{
	size_t	 i;
	char	 c;

	if (len == 0) {
		pfail(ps, line, "empty tag name");
		return -1;
	}
	for (i = 0; i < len; i++) {
		c = name[i];
		if (is_name_char(c))
			continue;
		if (c >= ' ' && c < 0x7f)
			pfail(ps, line, "bad character '%c' in name", c);
		else
			pfail(ps, line, "bad byte 0x%02x in name",
			    (unsigned char)c);
		return -1;
	}
	return 0;
}

/*
 * A section or comment tag alone on its line (blanks aside) takes the
 * whole line with it, so templates can put tags on lines of their own.
 * On success, *text_end is moved back over leading blanks and *next
 * past the trailing blanks and newline.
 */
static int
standalone(const struct parser *ps, const char *open, const char **text_end,
    const char **next)
{
	const char	*l = open, *r;

	while (l > ps->p && is_blank(l[-1]))
		l--;
	if (l != ps->src && l[-1] != '\n')
		return 0;
	r = skip_blank(*next);
	if (r[0] == '\r' && r[1] == '\n')
		r += 2;
	else if (r[0] == '\n')
		r++;
	else if (r[0] != '\0')
		return 0;
	*text_end = l;
	*next = r;
	return 1;
}

static void
match_section(struct parser *ps, size_t idx)
{
	struct tok	*t = &ps->toks[idx], *o;

	if (t->type == T_SECTION || t->type == T_INVERTED) {
		if (ps->depth == MAXDEPTH) {
			pfail(ps, t->line, "sections nested deeper than %d",
			    MAXDEPTH);
			return;
		}
		ps->stack[ps->depth++] = idx;
		return;
	}
	if (ps->depth == 0) {
		pfail(ps, t->line, "closing \"%.*s\" without open section",
		    show_len(t->len), t->s);
		return;
	}
	o = &ps->toks[ps->stack[ps->depth - 1]];
	if (o->len != t->len || memcmp(o->s, t->s, t->len) != 0) {
		pfail(ps, t->line, "closing \"%.*s\" does not match open "
		    "section \"%.*s\" of line %d", show_len(t->len), t->s,
		    show_len(o->len), o->s, o->line);
		return;
	}
	o->end = idx;
	ps->depth--;
}

static void
add_text(struct parser *ps, const char *s, size_t len)
{
	if (len > 0)
		tok_push(ps, T_TEXT, s, len, ps->line);
}

/* Parse the tag starting at open, and the text before it. */
static void
parse_tag(struct parser *ps, const char *open)
{
	const char	*name, *close, *text_end = open, *next;
	enum ttype	 type;
	size_t		 len;
	long		 idx;
	int		 line;

	line = ps->line + count_nl(ps->p, open);
	name = skip_blank(open + 2);
	type = tag_type(*name);
	if ((close = find_close(open + 2, type == T_COMMENT)) == NULL) {
		pfail(ps, line, "unterminated \"{{\"");
		return;
	}
	if (type != T_VAR)
		name = skip_blank(name + 1);
	for (len = close - name; len > 0 && is_blank(name[len - 1]); len--)
		;
	if (type != T_COMMENT && check_name(ps, line, name, len) == -1)
		return;
	next = close + 2;
	if (type != T_VAR)
		standalone(ps, open, &text_end, &next);
	add_text(ps, ps->p, text_end - ps->p);
	if ((idx = tok_push(ps, type, name, len, line)) == -1)
		return;
	if (type != T_VAR && type != T_COMMENT)
		match_section(ps, idx);
	ps->line = line + count_nl(open, next);
	ps->p = next;
}

/* On failure, *err gets the message and no tokens are left allocated. */
static int
parse(struct parser *ps, const char *tmpl, char **err)
{
	const char	*open;
	struct tok	*t;

	memset(ps, 0, sizeof(*ps));
	ps->src = ps->p = tmpl;
	ps->line = 1;
	if (tmpl == NULL)
		pfail(ps, 0, "no template");
	while (!ps->failed && (open = strstr(ps->p, "{{")) != NULL)
		parse_tag(ps, open);
	if (!ps->failed)
		add_text(ps, ps->p, strlen(ps->p));
	if (!ps->failed && ps->depth > 0) {
		t = &ps->toks[ps->stack[ps->depth - 1]];
		pfail(ps, t->line, "unclosed section \"%.*s\"",
		    show_len(t->len), t->s);
	}
	if (!ps->failed)
		return 0;
	if (err != NULL)
		*err = ps->err;
	else
		free(ps->err);
	free(ps->toks);
	ps->toks = NULL;
	return -1;
}

int
template_check(const char *tmpl, char **err)
{
	struct parser	 ps;

	if (err != NULL)
		*err = NULL;
	if (parse(&ps, tmpl, err) == -1)
		return -1;
	free(ps.toks);
	return 0;
}

/*
 * Output buffer.  Allocation failure is sticky and checked once at
 * the end, which keeps the many append calls free of error paths.
 */

static int
buf_reserve(struct buf *b, size_t n)
{
	size_t	 need, ncap;
	char	*np;

	if (b->nomem)
		return 0;
	if (n > SIZE_MAX - b->len - 1)
		goto nomem;
	need = b->len + n + 1;		/* room for the final NUL */
	if (need <= b->cap)
		return 1;
	ncap = b->cap != 0 ? b->cap : 256;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	if ((np = realloc(b->p, ncap)) == NULL)
		goto nomem;
	b->p = np;
	b->cap = ncap;
	return 1;
nomem:
	b->nomem = 1;
	return 0;
}

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (n == 0 || !buf_reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/*
 * Rendering.
 */

static const struct tvar *
lookup(const struct scope *sc, const char *name, size_t len)
{
	const struct tvar	*tv;

	for (; sc != NULL; sc = sc->up)
		if (sc->vars != NULL &&
		    (tv = tvar_find(sc->vars, name, len)) != NULL)
			return tv;
	return NULL;
}

static int
truthy(const struct tvar *tv)
{
	if (tv == NULL)
		return 0;
	if (tv->value != NULL)
		return tv->value[0] != '\0';
	return tv->nrecs > 0;
}

/* A run of controls becomes one space: "a\r\nb" reads as "a b". */
static void
add_header_value(struct buf *b, const char *v)
{
	const char	*s;

	while (*v != '\0') {
		for (s = v; *s != '\0' && !is_ctl(*s); s++)
			;
		buf_add(b, v, s - v);
		if (*s == '\0')
			return;
		buf_adds(b, " ");
		while (is_ctl(*s))
			s++;
		v = s;
	}
}

static void
add_html_value(struct buf *b, const char *v)
{
	size_t	 n;

	for (;;) {
		n = strcspn(v, "&<>\"'");
		buf_add(b, v, n);
		v += n;
		switch (*v) {
		case '\0':
			return;
		case '&':
			buf_adds(b, "&amp;");
			break;
		case '<':
			buf_adds(b, "&lt;");
			break;
		case '>':
			buf_adds(b, "&gt;");
			break;
		case '"':
			buf_adds(b, "&quot;");
			break;
		default:
			buf_adds(b, "&#39;");
			break;
		}
		v++;
	}
}

static void
emit_value(struct render *r, const char *v)
{
	switch (r->esc) {
	case TESC_HEADER:
		add_header_value(&r->out, v);
		break;
	case TESC_HTML:
		add_html_value(&r->out, v);
		break;
	default:
		buf_adds(&r->out, v);
		break;
	}
}

/*
 * Values are sanitized in header mode, so any control in the output
 * comes from template text; note the first one to judge at the end,
 * when we know whether it is just the final newline.  Since a newline
 * is itself a control, the first one is always on the token's line.
 */
static void
emit_text(struct render *r, const struct tok *t)
{
	size_t	 i;

	if (r->esc == TESC_HEADER && !r->bad) {
		for (i = 0; i < t->len; i++) {
			if (is_ctl(t->s[i])) {
				r->bad = 1;
				r->bad_off = r->out.len + i;
				r->bad_line = t->line;
				break;
			}
		}
	}
	buf_add(&r->out, t->s, t->len);
}

static void
render_section(struct render *r, size_t i, const struct scope *sc)
{
	const struct tok	*t = &r->toks[i];
	const struct tvar	*tv = lookup(sc, t->s, t->len);
	struct scope		 inner;
	size_t			 k;

	if (t->type == T_INVERTED) {
		if (!truthy(tv))
			render_range(r, i + 1, t->end, sc);
		return;
	}
	if (!truthy(tv))
		return;
	if (tv->value != NULL) {
		render_range(r, i + 1, t->end, sc);
		return;
	}
	for (k = 0; k < tv->nrecs; k++) {
		inner.vars = tv->recs[k];
		inner.up = sc;
		render_range(r, i + 1, t->end, &inner);
	}
}

/* Render tokens [from, to); recursion is bounded by MAXDEPTH. */
static void
render_range(struct render *r, size_t from, size_t to, const struct scope *sc)
{
	const struct tok	*t;
	const struct tvar	*tv;
	size_t			 i;

	for (i = from; i < to; i++) {
		t = &r->toks[i];
		switch (t->type) {
		case T_TEXT:
			emit_text(r, t);
			break;
		case T_VAR:
			tv = lookup(sc, t->s, t->len);
			if (tv != NULL && tv->value != NULL)
				emit_value(r, tv->value);
			break;
		case T_SECTION:
		case T_INVERTED:
			render_section(r, i, sc);
			i = t->end;
			break;
		case T_CLOSE:
		case T_COMMENT:
			break;
		}
	}
}

static char *
render_fail(struct render *r, char **err, int line, const char *msg)
{
	free(r->out.p);
	if (err == NULL)
		return NULL;
	if (line > 0) {
		if (asprintf(err, "line %d: %s", line, msg) == -1)
			*err = NULL;
	} else
		*err = strdup(msg);
	return NULL;
}

static char *
render_finish(struct render *r, char **err)
{
	struct buf	*b = &r->out;

	if (!buf_reserve(b, 0))
		return render_fail(r, err, 0, "out of memory");
	if (r->esc == TESC_HEADER) {
		if (b->len > 0 && b->p[b->len - 1] == '\n') {
			b->len--;
			if (b->len > 0 && b->p[b->len - 1] == '\r')
				b->len--;
		}
		if (r->bad && r->bad_off < b->len)
			return render_fail(r, err, r->bad_line,
			    "header template spans more than one line");
	}
	b->p[b->len] = '\0';
	return b->p;
}

char *
template_render(const char *tmpl, const struct tvars *vars, enum tescape esc,
    char **err)
{
	struct parser	 ps;
	struct render	 r;
	struct scope	 root;
	char		*out;

	if (err != NULL)
		*err = NULL;
	memset(&r, 0, sizeof(r));
	/* Data lost to a failed allocation must not go out as "". */
	if (vars != NULL && vars->root->nomem)
		return render_fail(&r, err, 0, "out of memory");
	if (esc != TESC_NONE && esc != TESC_HEADER && esc != TESC_HTML)
		return render_fail(&r, err, 0, "bad escape mode");
	if (parse(&ps, tmpl, err) == -1)
		return NULL;
	r.toks = ps.toks;
	r.esc = esc;
	root.vars = vars;
	root.up = NULL;
	render_range(&r, 0, ps.ntoks, &root);
	out = render_finish(&r, err);
	free(ps.toks);
	return out;
}
