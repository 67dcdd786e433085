/*
 * Rendering of command results.  The daemon builds one tree per command;
 * ansvarctl prints whatever comes back, so this file decides what users see.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"

enum vtype { V_NULL, V_STR, V_INT, V_BOOL, V_OBJ, V_ARR };

struct val {
	enum vtype	  t;
	char		 *s;
	int64_t		  i;
	char		**keys;		/* V_OBJ */
	struct val	**items;
	size_t		  n;
};

static struct val *
v_new(enum vtype t)
{
	struct val	*v = xcalloc(1, sizeof(*v));

	v->t = t;
	return v;
}

struct val *
v_obj(void)
{
	return v_new(V_OBJ);
}

struct val *
v_arr(void)
{
	return v_new(V_ARR);
}

void
v_free(struct val *v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < v->n; i++) {
		v_free(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->s);
	free(v);
}

static void
push(struct val *parent, const char *key, struct val *child)
{
	parent->items = xrealloc(parent->items, sizeof(*parent->items) * (parent->n + 1));
	if (parent->t == V_OBJ) {
		parent->keys = xrealloc(parent->keys, sizeof(*parent->keys) * (parent->n + 1));
		parent->keys[parent->n] = xstrdup(key);
	}
	parent->items[parent->n++] = child;
}

void
o_str(struct val *o, const char *key, const char *s)
{
	struct val	*v = v_new(s ? V_STR : V_NULL);

	if (s)
		v->s = xstrdup(s);
	push(o, key, v);
}

void
o_strf(struct val *o, const char *key, const char *fmt, ...)
{
	struct val	*v = v_new(V_STR);
	va_list		 ap;
	struct buf	 b;

	buf_init(&b);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	v->s = buf_steal(&b);
	push(o, key, v);
}

void
o_int(struct val *o, const char *key, int64_t i)
{
	struct val	*v = v_new(V_INT);

	v->i = i;
	push(o, key, v);
}

void
o_bool(struct val *o, const char *key, bool b)
{
	struct val	*v = v_new(V_BOOL);

	v->i = b;
	push(o, key, v);
}

struct val *
o_arr(struct val *o, const char *key)
{
	struct val	*v = v_arr();

	push(o, key, v);
	return v;
}

struct val *
o_obj(struct val *o, const char *key)
{
	struct val	*v = v_obj();

	push(o, key, v);
	return v;
}

struct val *
a_obj(struct val *a)
{
	struct val	*v = v_obj();

	push(a, NULL, v);
	return v;
}

void
a_str(struct val *a, const char *s)
{
	o_str(a, NULL, s);
}

size_t
v_len(const struct val *v)
{
	return v->n;
}

const char *
v_str_at(const struct val *v, size_t i)
{
	return i < v->n && v->items[i]->t == V_STR ? v->items[i]->s : "";
}

/* --- JSON --------------------------------------------------------------- */

void
json_string(struct buf *b, const char *s)
{
	buf_puts(b, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c == '\n')
			buf_puts(b, "\\n");
		else if (c == '\t')
			buf_puts(b, "\\t");
		else if (c < 0x20 || c == 0x7f)
			buf_printf(b, "\\u%04x", c);
		else
			buf_add(b, s, 1);
	}
	buf_puts(b, "\"");
}

static void
json_val(struct buf *b, const struct val *v)
{
	switch (v->t) {
	case V_NULL:
		buf_puts(b, "null");
		break;
	case V_STR:
		json_string(b, v->s);
		break;
	case V_INT:
		buf_printf(b, "%lld", (long long)v->i);
		break;
	case V_BOOL:
		buf_puts(b, v->i ? "true" : "false");
		break;
	case V_OBJ:
	case V_ARR:
		buf_puts(b, v->t == V_OBJ ? "{" : "[");
		for (size_t i = 0; i < v->n; i++) {
			if (i)
				buf_puts(b, ",");
			if (v->t == V_OBJ) {
				json_string(b, v->keys[i]);
				buf_puts(b, ":");
			}
			json_val(b, v->items[i]);
		}
		buf_puts(b, v->t == V_OBJ ? "}" : "]");
		break;
	}
}

void
v_json(struct buf *b, const struct val *v)
{
	json_val(b, v);
	buf_puts(b, "\n");
}

/* --- text --------------------------------------------------------------- */

/* A scalar as one line of text: control characters shown escaped. */
static char *
scalar(const struct val *v)
{
	struct buf	b;

	buf_init(&b);
	switch (v->t) {
	case V_NULL:
		buf_puts(&b, "-");
		break;
	case V_INT:
		buf_printf(&b, "%lld", (long long)v->i);
		break;
	case V_BOOL:
		buf_puts(&b, v->i ? "yes" : "no");
		break;
	case V_STR:
		for (const char *s = v->s; *s; s++) {
			if (*s == '\n')
				buf_puts(&b, "\\n");
			else if (*s == '\r')
				buf_puts(&b, "\\r");
			else if ((unsigned char)*s < 0x20 || *s == 0x7f)
				buf_printf(&b, "\\x%02x", (unsigned char)*s);
			else
				buf_add(&b, s, 1);
		}
		if (b.len == 0)
			buf_puts(&b, "-");
		break;
	case V_ARR:
		for (size_t i = 0; i < v->n; i++) {
			char *s = scalar(v->items[i]);
			buf_printf(&b, "%s%s", i ? ", " : "", s);
			free(s);
		}
		if (b.len == 0)
			buf_puts(&b, "-");
		break;
	case V_OBJ:
		buf_puts(&b, "{…}");
		break;
	}
	return buf_steal(&b);
}

static bool
is_table(const struct val *v)
{
	return v->t == V_ARR && v->n > 0 && v->items[0]->t == V_OBJ;
}

static void
pad(struct buf *b, size_t n)
{
	while (n--)
		buf_puts(b, " ");
}

static void
upper(struct buf *b, const char *s)
{
	for (; *s; s++)
		buf_printf(b, "%c", *s >= 'a' && *s <= 'z' ? *s - 32 :
		    *s == '_' ? ' ' : *s);
}

static void
table(struct buf *b, const struct val *a, int indent)
{
	const struct val	*first = a->items[0];
	size_t			 ncol = first->n, *w = xcalloc(ncol, sizeof(*w));
	char			***cell = xcalloc(a->n, sizeof(*cell));

	for (size_t c = 0; c < ncol; c++)
		w[c] = utf8_width(first->keys[c]);
	for (size_t r = 0; r < a->n; r++) {
		cell[r] = xcalloc(ncol, sizeof(**cell));
		for (size_t c = 0; c < ncol && c < a->items[r]->n; c++) {
			cell[r][c] = scalar(a->items[r]->items[c]);
			if (utf8_width(cell[r][c]) > w[c])
				w[c] = utf8_width(cell[r][c]);
		}
	}
	pad(b, (size_t)indent);
	for (size_t c = 0; c < ncol; c++) {
		upper(b, first->keys[c]);
		if (c + 1 < ncol)
			pad(b, w[c] - utf8_width(first->keys[c]) + 2);
	}
	buf_puts(b, "\n");
	for (size_t r = 0; r < a->n; r++) {
		pad(b, (size_t)indent);
		for (size_t c = 0; c < ncol; c++) {
			const char *s = cell[r][c] ? cell[r][c] : "";
			buf_puts(b, s);
			if (c + 1 < ncol)
				pad(b, w[c] - utf8_width(s) + 2);
			free(cell[r][c]);
		}
		buf_puts(b, "\n");
		free(cell[r]);
	}
	free(cell);
	free(w);
}

static void
object(struct buf *b, const struct val *o, int indent)
{
	size_t	w = 0;

	for (size_t i = 0; i < o->n; i++)
		if (!is_table(o->items[i]) && o->items[i]->t != V_OBJ &&
		    utf8_width(o->keys[i]) > w)
			w = utf8_width(o->keys[i]);
	for (size_t i = 0; i < o->n; i++) {
		const struct val *v = o->items[i];

		if (is_table(v) || v->t == V_OBJ) {
			buf_puts(b, "\n");
			pad(b, (size_t)indent);
			buf_printf(b, "%s:\n", o->keys[i]);
			if (v->t == V_OBJ)
				object(b, v, indent + 2);
			else
				table(b, v, indent + 2);
			continue;
		}
		if (v->t == V_ARR && v->n > 1) {
			/* One item a line, under the key. */
			pad(b, (size_t)indent);
			buf_printf(b, "%s:", o->keys[i]);
			for (size_t j = 0; j < v->n; j++) {
				char *s = scalar(v->items[j]);

				pad(b, j ? (size_t)indent + w + 1 :
				    w - utf8_width(o->keys[i]) + 1);
				buf_printf(b, "%s\n", s);
				free(s);
			}
			continue;
		}
		char *s = scalar(v);
		pad(b, (size_t)indent);
		buf_printf(b, "%s:", o->keys[i]);
		pad(b, w - utf8_width(o->keys[i]) + 1);
		buf_printf(b, "%s\n", s);
		free(s);
	}
}

void
v_text(struct buf *b, const struct val *v)
{
	if (is_table(v))
		table(b, v, 0);
	else if (v->t == V_OBJ)
		object(b, v, 0);
	else if (v->t == V_ARR && v->n == 0)
		;
	else {
		char *s = scalar(v);
		buf_printf(b, "%s\n", s);
		free(s);
	}
}
