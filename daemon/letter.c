/*
 * Letters by post (SPEC M5): an A4 PDF drawn with cairo and pango into
 * memory, laid out for a window envelope after DIN 5008 form B.
 */
#include <cairo.h>
#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "letter.h"
#include "util.h"

/* All positions are in PDF points (1/72 in); the layout is given in mm. */
#define MM(x)		((x) * 72.0 / 25.4)

#define PAGE_W		595.2756	/* A4, 210 mm */
#define PAGE_H		841.8898	/* A4, 297 mm */

/*
 * The address field of DIN 5008 form B ("tiefgestelltes Anschriftfeld"),
 * which is what C4, C5 and DL window envelopes after DIN 680 show: 20 mm
 * from the left edge, 45 mm from the top, 85 mm wide and 45 mm high.  Its
 * upper 17.7 mm are the zone for the return address and postal remarks
 * (8 pt), the lower 27.3 mm hold the recipient's name and address, six
 * lines at most.  Text starts 5 mm inside the field (25 mm from the edge,
 * the same line as the body) and keeps 5 mm clear on the right.
 */
#define FIELD_X		MM(20.0)
#define FIELD_Y		MM(45.0)
#define FIELD_W		MM(85.0)
#define FIELD_H		MM(45.0)
#define REMARK_H	MM(17.7)
#define FIELD_INSET	MM(5.0)
#define WINDOW_TEXT_X	(FIELD_X + FIELD_INSET)
#define WINDOW_TEXT_W	(FIELD_W - 2 * FIELD_INSET)
#define ADDRESS_Y	(FIELD_Y + REMARK_H)
#define ADDRESS_H	(FIELD_H - REMARK_H)

/*
 * Form B's information block, right of the window: 125 mm from the left
 * and 50 mm from the top.  It holds the sender in full and the date, and
 * ends at the body's right margin.
 */
#define INFO_X		MM(125.0)
#define INFO_Y		MM(50.0)
#define INFO_W		(BODY_X + BODY_W - INFO_X)
#define INFO_SENDER_H	MM(35.0)

/*
 * Body: 25 mm left and 20 mm right margin (165 mm of text).  On the first
 * page the title (form B's "Betreff") starts 98.46 mm from the top, two
 * lines below the address field, or lower if the information block
 * reaches further down; further pages start 20 mm from the top.  Text
 * stays 25 mm clear of the bottom edge, where "side N av M" goes.
 */
#define BODY_X		MM(25.0)
#define BODY_W		MM(165.0)
#define TITLE_Y		MM(98.46)
#define TITLE_MAXLINES	4
#define NEXT_TOP	MM(20.0)
#define BODY_BOTTOM	(PAGE_H - MM(25.0))
#define FOOTER_Y	(PAGE_H - MM(17.0))

/* Fold marks for form B (105 and 210 mm) and the hole mark (148.5 mm). */
#define MARK_X		MM(5.0)
#define FOLD_LEN	MM(5.0)
#define HOLE_LEN	MM(7.0)

#define FONT		"Sans"
#define PT_RETURN	8.0
#define PT_ADDRESS	10.0
#define PT_INFO		9.0
#define PT_DATE		10.0
#define PT_TITLE	12.0
#define PT_BODY		11.0
#define PT_FOOTER	9.0

static void
set_err(char *err, size_t errlen, const char *msg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", msg);
}

static cairo_status_t
write_buf(void *closure, const unsigned char *data, unsigned int len)
{
	buf_add(closure, data, len);
	return CAIRO_STATUS_SUCCESS;
}

/*
 * User text made safe to lay out: CR LF and lone CR become LF, other
 * control characters a space; with oneline, line breaks and tabs too.
 * NULL is taken as "".  Returns a malloc'd string.
 */
static char *
clean_text(const char *s, bool oneline)
{
	struct buf	b;
	unsigned char	c;

	buf_init(&b);
	for (; s != NULL && *s; s++) {
		c = (unsigned char)*s;
		if (c == '\r') {
			if (s[1] == '\n')
				continue;
			c = '\n';
		}
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ||
		    (oneline && (c == '\n' || c == '\t')))
			c = ' ';
		buf_add(&b, &c, 1);
	}
	return buf_steal(&b);
}

/*
 * The non-blank lines of s, trimmed and joined by sep: an address or a
 * sender as given, without the empty lines DIN 5008 does not allow.
 */
static char *
join_lines(const char *s, const char *sep)
{
	struct buf	 b;
	char		*t = clean_text(s, false), *line, *next, *end;

	buf_init(&b);
	for (line = t; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		end = line + strlen(line);
		while (end > line && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (end == line)
			continue;
		if (b.len > 0)
			buf_puts(&b, sep);
		buf_add(&b, line, (size_t)(end - line));
	}
	free(t);
	return buf_steal(&b);
}

/*
 * A plain-text layout (never markup: the text is user data) in FONT at
 * size points, wrapped at width.  A max_h above zero ellipsizes the text
 * to that height.
 */
static PangoLayout *
text_layout(PangoContext *pc, const char *text, double size, bool bold,
    double width, double max_h)
{
	PangoLayout		*l = pango_layout_new(pc);
	PangoFontDescription	*fd = pango_font_description_from_string(FONT);
	PangoAttrList		*attrs;

	pango_font_description_set_size(fd, (gint)(size * PANGO_SCALE));
	if (bold)
		pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
	pango_layout_set_font_description(l, fd);
	pango_font_description_free(fd);
	pango_layout_set_width(l, (int)(width * PANGO_SCALE));
	/* Word wrap; a word wider than the line (a URL) is broken too. */
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	/* ... without adding a hyphen, which would change it. */
	attrs = pango_attr_list_new();
	pango_attr_list_insert(attrs, pango_attr_insert_hyphens_new(FALSE));
	pango_layout_set_attributes(l, attrs);
	pango_attr_list_unref(attrs);
	if (max_h > 0) {
		pango_layout_set_height(l, (int)(max_h * PANGO_SCALE));
		pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
	}
	pango_layout_set_text(l, text, -1);
	return l;
}

static double
layout_height(PangoLayout *l)
{
	int	w, h;

	pango_layout_get_size(l, &w, &h);
	return (double)h / PANGO_SCALE;
}

static void
show_at(cairo_t *cr, PangoLayout *l, double x, double y)
{
	cairo_move_to(cr, x, y);
	pango_cairo_show_layout(cr, l);
}

static void
hline(cairo_t *cr, double x, double y, double len)
{
	cairo_move_to(cr, x, y);
	cairo_line_to(cr, x + len, y);
	cairo_stroke(cr);
}

/* "side N av M" at the foot of a page, right-aligned with the body. */
static void
footer(cairo_t *cr, PangoContext *pc, int page, int npages)
{
	PangoLayout	*l;
	char		 s[64];

	if (npages < 2)
		return;
	snprintf(s, sizeof(s), "side %d av %d", page, npages);
	l = text_layout(pc, s, PT_FOOTER, false, BODY_W, 0);
	pango_layout_set_alignment(l, PANGO_ALIGN_RIGHT);
	show_at(cr, l, BODY_X, FOOTER_Y);
	g_object_unref(l);
}

/*
 * Lays the body's lines out from top on page 1, starting a new page
 * whenever a line would cross BODY_BOTTOM; blank lines (paragraph gaps)
 * are dropped at the top of a new page.  With cr NULL it only counts;
 * otherwise it draws, ending every page with its footer.  Returns the
 * number of pages.
 */
static int
flow_body(cairo_t *cr, PangoContext *pc, PangoLayout *body, double top,
    int npages)
{
	PangoLayoutIter	*it = pango_layout_get_iter(body);
	PangoLayoutLine	*line;
	PangoRectangle	 r;
	double		 y, h, origin = 0, pos;
	bool		 placed = false;	/* a line on this page yet */
	int		 page = 1;

	do {
		line = pango_layout_iter_get_line_readonly(it);
		pango_layout_iter_get_line_extents(it, NULL, &r);
		y = (double)r.y / PANGO_SCALE;
		h = (double)r.height / PANGO_SCALE;
		pos = placed ? top + (y - origin) : top;
		/* A line too tall for an empty page is set anyway. */
		if (pos + h > BODY_BOTTOM && (placed || page == 1)) {
			if (cr != NULL) {
				footer(cr, pc, page, npages);
				cairo_show_page(cr);
			}
			page++;
			top = NEXT_TOP;
			placed = false;
		}
		if (!placed) {
			if (page > 1 && line->length == 0)
				continue;
			origin = y;
			placed = true;
		}
		if (cr != NULL) {
			cairo_move_to(cr, BODY_X + (double)r.x / PANGO_SCALE,
			    top + (double)pango_layout_iter_get_baseline(it) /
			    PANGO_SCALE - origin);
			pango_cairo_show_layout_line(cr, line);
		}
	} while (pango_layout_iter_next_line(it));
	pango_layout_iter_free(it);
	if (cr != NULL) {
		footer(cr, pc, page, npages);
		cairo_show_page(cr);
	}
	return page;
}

static void
fold_marks(cairo_t *cr)
{
	cairo_save(cr);
	cairo_set_line_width(cr, 0.5);
	hline(cr, MARK_X, MM(105.0), FOLD_LEN);
	hline(cr, MARK_X, MM(148.5), HOLE_LEN);
	hline(cr, MARK_X, MM(210.0), FOLD_LEN);
	cairo_restore(cr);
}

/* Text fields of a letter, cleaned; owned. */
struct parts {
	char	*ret;		/* sender on one line, for the window */
	char	*sender;	/* sender, its lines */
	char	*address;	/* recipient's name and address lines */
	char	*date;
	char	*title;
	char	*body;
};

static void
parts_free(struct parts *p)
{
	free(p->ret);
	free(p->sender);
	free(p->address);
	free(p->date);
	free(p->title);
	free(p->body);
}

static int
parts_make(const struct letter *lt, struct parts *p, char *err,
    size_t errlen)
{
	const char	*f[] = { lt->sender, lt->recipient, lt->address,
			    lt->date, lt->title, lt->body };
	char		*name, *addr;
	size_t		 i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (f[i] != NULL && !utf8_valid(f[i], strlen(f[i]))) {
			set_err(err, errlen, "letter text is not valid UTF-8");
			return -1;
		}
	p->ret = join_lines(lt->sender, ", ");
	name = join_lines(lt->recipient, " ");
	addr = join_lines(lt->address, "\n");
	if (*p->ret == '\0' || *name == '\0' || *addr == '\0') {
		set_err(err, errlen, *p->ret == '\0' ? "letter has no sender" :
		    *name == '\0' ? "letter has no recipient name" :
		    "letter has no postal address");
		free(name);
		free(addr);
		free(p->ret);
		p->ret = NULL;
		return -1;
	}
	p->address = xasprintf("%s\n%s", name, addr);
	free(name);
	free(addr);
	p->sender = join_lines(lt->sender, "\n");
	p->date = clean_text(lt->date, true);
	p->title = clean_text(lt->title, true);
	p->body = clean_text(lt->body, false);
	return 0;
}

/*
 * Page 1 above the body: marks, return address and address in the
 * window, sender and date at right, the title.  Returns where the body
 * starts.
 */
static double
first_page(cairo_t *cr, PangoContext *pc, PangoLayout *addr,
    const struct parts *p)
{
	PangoLayout	*l;
	double		 y, h;

	fold_marks(cr);

	/* The return address, set on the bottom of the remark zone. */
	l = text_layout(pc, p->ret, PT_RETURN, false, WINDOW_TEXT_W,
	    REMARK_H);
	show_at(cr, l, WINDOW_TEXT_X, ADDRESS_Y - layout_height(l));
	g_object_unref(l);
	show_at(cr, addr, WINDOW_TEXT_X, ADDRESS_Y);

	l = text_layout(pc, p->sender, PT_INFO, false, INFO_W, INFO_SENDER_H);
	show_at(cr, l, INFO_X, INFO_Y);
	y = INFO_Y + layout_height(l);
	g_object_unref(l);
	if (*p->date != '\0') {
		l = text_layout(pc, p->date, PT_DATE, false, INFO_W, 0);
		h = layout_height(l);
		show_at(cr, l, INFO_X, y + h);	/* one line's gap */
		y += 2 * h;
		g_object_unref(l);
	}

	y = y + MM(8.46) > TITLE_Y ? y + MM(8.46) : TITLE_Y;
	if (*p->title != '\0') {
		l = text_layout(pc, p->title, PT_TITLE, true, BODY_W, 0);
		/* Ellipsize a title that would take more than a few lines. */
		pango_layout_set_height(l, -TITLE_MAXLINES);
		pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
		h = layout_height(l);
		show_at(cr, l, BODY_X, y);
		y += h + h / pango_layout_get_line_count(l);
		g_object_unref(l);
	}
	return y;
}

int
letter_pdf(const struct letter *lt, char **pdf, size_t *len, char *err,
    size_t errlen)
{
	struct parts		 p;
	struct buf		 out;
	cairo_surface_t		*sf;
	cairo_t			*cr;
	PangoFontMap		*fm;
	PangoContext		*pc;
	PangoLayout		*addr, *body;
	cairo_status_t		 st;
	double			 top;
	int			 npages, rc = -1;

	if (parts_make(lt, &p, err, errlen) == -1)
		return -1;
	buf_init(&out);
	sf = cairo_pdf_surface_create_for_stream(write_buf, &out, PAGE_W,
	    PAGE_H);
	if ((st = cairo_surface_status(sf)) != CAIRO_STATUS_SUCCESS) {
		set_err(err, errlen, cairo_status_to_string(st));
		cairo_surface_destroy(sf);
		buf_free(&out);
		parts_free(&p);
		return -1;
	}
	cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_TITLE,
	    *p.title != '\0' ? p.title : "Brev");
	cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_CREATOR,
	    "ansvar");
	cr = cairo_create(sf);

	/*
	 * A font map of our own, not pango's per-thread default, and 72 dpi
	 * so that a point in pango is a point on the PDF page.
	 */
	fm = pango_cairo_font_map_new();
	pc = pango_font_map_create_context(fm);
	pango_cairo_context_set_resolution(pc, 72.0);
	pango_cairo_update_context(cr, pc);

	addr = text_layout(pc, p.address, PT_ADDRESS, false, WINDOW_TEXT_W,
	    0);
	body = text_layout(pc, p.body, PT_BODY, false, BODY_W, 0);
	if (layout_height(addr) > ADDRESS_H + 0.01) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "name and address take %d lines "
			    "of %.0f mm; the envelope window holds 6",
			    pango_layout_get_line_count(addr),
			    WINDOW_TEXT_W * 25.4 / 72.0);
		goto out;
	}

	top = first_page(cr, pc, addr, &p);
	npages = flow_body(NULL, pc, body, top, 0);
	flow_body(cr, pc, body, top, npages);

	if ((st = cairo_status(cr)) != CAIRO_STATUS_SUCCESS) {
		set_err(err, errlen, cairo_status_to_string(st));
		goto out;
	}
	cairo_surface_finish(sf);
	if ((st = cairo_surface_status(sf)) != CAIRO_STATUS_SUCCESS) {
		set_err(err, errlen, cairo_status_to_string(st));
		goto out;
	}
	*len = out.len;
	*pdf = buf_steal(&out);
	rc = 0;
out:
	g_object_unref(body);
	g_object_unref(addr);
	g_object_unref(pc);
	g_object_unref(fm);
	cairo_destroy(cr);
	cairo_surface_destroy(sf);
	buf_free(&out);
	parts_free(&p);
	return rc;
}
