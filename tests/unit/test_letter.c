/*
 * test_letter.c: unit tests for the letter by post (daemon/letter.c):
 * PDF framing, A4 pages, text, the address in the envelope window, page
 * breaks and refusals.  The PDFs are read back with poppler-utils.
 */

#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "letter.h"
#include "util.h"

#define MM(x)		((x) * 72.0 / 25.4)

/* DIN 5008 form B, as letter.c lays the page out (points, from top left). */
#define WIN_X		MM(20.0)	/* the address field: the window */
#define WIN_Y		MM(45.0)
#define WIN_W		MM(85.0)
#define WIN_H		MM(45.0)
#define ADDR_Y		MM(62.7)	/* below the return address zone */
#define RIGHT_EDGE	MM(190.0)	/* 20 mm right margin */
#define BODY_BOTTOM	MM(272.0)	/* 25 mm bottom margin */
#define NEXT_TOP	MM(20.0)
#define SLACK		1.0		/* poppler rounds to 0.01 pt */

/*
 * fontconfig, which pango loads, keeps part of its parsed configuration
 * until exit.  LeakSanitizer ignores leaks with fontconfig on the stack
 * (the list in lsan.supp, built in so that no environment is needed);
 * nothing of ansvar's is suppressed.
 */
const char	*__lsan_default_suppressions(void);
const char	*__lsan_default_options(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}

const char *
__lsan_default_options(void)
{
	return "print_suppressions=0";
}

/*
 * A letter in a temporary file for the poppler tools.  The file is
 * unlinked as soon as it is written and the tools read it through
 * /dev/fd/N, so a failing test leaves nothing behind.
 */
struct pdf {
	char	 path[32];	/* /dev/fd/N */
	char	*data;
	size_t	 len;
	int	 fd;
};

/* One word of `pdftotext -tsv`: page, box in points and text. */
struct word {
	long	 page;
	double	 x0, y0, x1, y1;
	char	*text;
};

struct words {
	struct word	*w;
	size_t		 n;
};

static const struct letter	 base = {
	.sender = "Barne- og familietjenesten\nOslo kommune\n"
	    "Postboks 6999 St. Olavs plass, 0130 Oslo",
	.recipient = "Kari Nordmann",
	.address = "Storgata 1\n0155 Oslo",
	.date = "Oslo, 2027-03-01",
	.title = "Innkalling til møte i ansvarsgruppe BUF-2027-014",
	.body = "Velkommen til møte i ansvarsgruppen.\n\n"
	    "Dagsorden: status for tiltakene, evaluering og eventuelt.",
};

static void
pdf_make(struct pdf *p, const struct letter *lt)
{
	char	 err[256] = "", tmp[] = "/tmp/test_letter.XXXXXX";
	ssize_t	 n;
	size_t	 off;

	ck_assert_msg(letter_pdf(lt, &p->data, &p->len, err,
	    sizeof(err)) == 0, "letter_pdf failed: %s", err);
	ck_assert_ptr_nonnull(p->data);
	p->fd = mkstemp(tmp);
	ck_assert_int_ne(p->fd, -1);
	ck_assert_int_eq(unlink(tmp), 0);
	for (off = 0; off < p->len; off += (size_t)n) {
		n = write(p->fd, p->data + off, p->len - off);
		ck_assert_int_gt(n, 0);
	}
	snprintf(p->path, sizeof(p->path), "/dev/fd/%d", p->fd);
}

static void
pdf_done(struct pdf *p)
{
	ck_assert_int_eq(close(p->fd), 0);
	free(p->data);
}

/* Runs argv with its output into out; the tool must exit with 0. */
static void
run_tool(char *const argv[], struct buf *out)
{
	char	chunk[4096];
	ssize_t	n;
	pid_t	pid;
	int	fd[2], status;

	ck_assert_int_eq(pipe(fd), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		dup2(fd[1], STDOUT_FILENO);
		close(fd[0]);
		close(fd[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fd[1]);
	buf_init(out);
	while ((n = read(fd[0], chunk, sizeof(chunk))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		ck_assert_int_gt(n, 0);
		buf_add(out, chunk, (size_t)n);
	}
	close(fd[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "%s exited with status %d", argv[0], status);
}

/* `pdftotext -layout` of the whole letter. */
static void
pdf_text(struct pdf *p, struct buf *out)
{
	char	*argv[] = { "pdftotext", "-layout", p->path, "-", NULL };

	run_tool(argv, out);
}

/* A value of `pdfinfo`, e.g. "Pages", without the padding; malloc'd. */
static char *
pdf_info(struct pdf *p, const char *key)
{
	char		*argv[] = { "pdfinfo", p->path, NULL };
	char		*line, *next, *v = NULL;
	struct buf	 out;
	size_t		 klen = strlen(key);

	run_tool(argv, &out);
	for (line = out.data; v == NULL && line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (strncmp(line, key, klen) == 0 && line[klen] == ':')
			v = xstrdup(line + klen + 1 + strspn(line + klen + 1,
			    " "));
	}
	buf_free(&out);
	ck_assert_msg(v != NULL, "pdfinfo gave no %s", key);
	return v;
}

static long
pdf_pages(struct pdf *p)
{
	char	*s = pdf_info(p, "Pages");
	long	 n;

	ck_assert_msg(parse_int(s, 1, 100000, &n), "Pages: %s", s);
	free(s);
	return n;
}

/* Splits line at tabs into at most max fields; returns how many. */
static size_t
split_tabs(char *line, char **f, size_t max)
{
	size_t	n = 0;

	while (n < max) {
		f[n++] = line;
		if ((line = strchr(line, '\t')) == NULL)
			break;
		*line++ = '\0';
	}
	return n;
}

static double
num(const char *s)
{
	char	*end;
	double	 d = strtod(s, &end);

	ck_assert_msg(end != s && *end == '\0', "not a number: %s", s);
	return d;
}

/* Every word with its box, from `pdftotext -tsv`. */
static void
words_read(struct pdf *p, struct words *ws)
{
	char		*argv[] = { "pdftotext", "-tsv", p->path, "-", NULL };
	char		*line, *next, *f[12];
	struct buf	 out;
	struct word	*w;

	run_tool(argv, &out);
	ws->w = NULL;
	ws->n = 0;
	for (line = out.data; line != NULL && *line; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (split_tabs(line, f, 12) != 12 || strcmp(f[0], "5") != 0)
			continue;
		ws->w = xrealloc(ws->w, (ws->n + 1) * sizeof(*ws->w));
		w = &ws->w[ws->n++];
		ck_assert(parse_int(f[1], 1, 100000, &w->page));
		w->x0 = num(f[6]);
		w->y0 = num(f[7]);
		w->x1 = w->x0 + num(f[8]);
		w->y1 = w->y0 + num(f[9]);
		w->text = xstrdup(f[11]);
	}
	buf_free(&out);
}

static void
words_free(struct words *ws)
{
	for (size_t i = 0; i < ws->n; i++)
		free(ws->w[i].text);
	free(ws->w);
}

static bool
inside(const struct word *w, double x, double y, double wd, double ht)
{
	return w->x0 >= x - SLACK && w->y0 >= y - SLACK &&
	    w->x1 <= x + wd + SLACK && w->y1 <= y + ht + SLACK;
}

static bool
overlaps(const struct word *w, double x, double y, double wd, double ht)
{
	return w->x1 > x && w->x0 < x + wd && w->y1 > y && w->y0 < y + ht;
}

/* The first word on page 1 with this text; it must exist. */
static const struct word *
word_find(const struct words *ws, const char *text)
{
	for (size_t i = 0; i < ws->n; i++)
		if (ws->w[i].page == 1 && strcmp(ws->w[i].text, text) == 0)
			return &ws->w[i];
	ck_abort_msg("no word \"%s\" on page 1", text);
	return NULL;
}

/* Is there a word with this text on page 1 inside the rectangle? */
static bool
word_inside(const struct words *ws, const char *text, double x, double y,
    double wd, double ht)
{
	for (size_t i = 0; i < ws->n; i++)
		if (ws->w[i].page == 1 && strcmp(ws->w[i].text, text) == 0 &&
		    inside(&ws->w[i], x, y, wd, ht))
			return true;
	return false;
}

static bool
word_in(const char *w, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(w, *list) == 0)
			return true;
	return false;
}

static void
expect_text(const char *text, const char *want)
{
	ck_assert_msg(strstr(text, want) != NULL, "\"%s\" not in the text",
	    want);
}

static void
expect_error(const struct letter *lt, const char *want)
{
	char	err[256] = "", *pdf = (char *)"untouched";
	size_t	len = 42;

	ck_assert_int_eq(letter_pdf(lt, &pdf, &len, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, want) != NULL, "error \"%s\", expected "
	    "\"%s\"", err, want);
	ck_assert_str_eq(pdf, "untouched");
	ck_assert_uint_eq(len, 42);
}

/* A body of n paragraphs "Avsnitt I: ...", malloc'd. */
static char *
long_body(int n)
{
	struct buf	b;

	buf_init(&b);
	for (int i = 0; i < n; i++)
		buf_printf(&b, "Avsnitt %d: Tiltakene i planen gjennomgås, og "
		    "hver tjeneste forteller hva som er gjort siden forrige "
		    "møte og hva som gjenstår før neste.\n\n", i);
	return buf_steal(&b);
}

START_TEST(test_pdf_framing)
{
	struct pdf	p;
	size_t		end;

	pdf_make(&p, &base);
	ck_assert_uint_gt(p.len, 1000);
	ck_assert_int_eq(memcmp(p.data, "%PDF-", 5), 0);
	end = p.len;
	while (end > 0 && (p.data[end - 1] == '\n' || p.data[end - 1] == '\r'))
		end--;
	ck_assert_uint_ge(end, 5);
	ck_assert_int_eq(memcmp(p.data + end - 5, "%%EOF", 5), 0);
	ck_assert_uint_ge(end, p.len - 2);
	pdf_done(&p);
}
END_TEST

START_TEST(test_short_letter_a4)
{
	struct pdf	 p;
	struct buf	 t;
	char		*s;

	pdf_make(&p, &base);
	ck_assert_int_eq(pdf_pages(&p), 1);
	s = pdf_info(&p, "Page size");
	ck_assert_str_eq(s, "595.276 x 841.89 pts (A4)");
	free(s);
	s = pdf_info(&p, "Title");
	ck_assert_str_eq(s, base.title);
	free(s);
	/* One page needs no page numbers. */
	pdf_text(&p, &t);
	ck_assert_ptr_null(strstr(t.data, "side 1"));
	buf_free(&t);
	pdf_done(&p);
}
END_TEST

START_TEST(test_text_content)
{
	struct letter	lt = base;
	struct pdf	p;
	struct buf	t;

	lt.recipient = "Åse Ødegård Ærøy";
	lt.address = "Bjørkeveien 7 B\nLeilighet H0201\n9008 Tromsø";
	lt.body = "Blåbærsyltetøy og æøå ÆØÅ.\r\n\r\nTo linjer:\nførste og "
	    "andre, med\ttab og \f sideskift.";
	pdf_make(&p, &lt);
	pdf_text(&p, &t);
	expect_text(t.data, "Åse Ødegård Ærøy");
	expect_text(t.data, "Bjørkeveien 7 B");
	expect_text(t.data, "Leilighet H0201");
	expect_text(t.data, "9008 Tromsø");
	expect_text(t.data, "Innkalling til møte i ansvarsgruppe BUF-2027-014");
	expect_text(t.data, "Blåbærsyltetøy og æøå ÆØÅ.");
	expect_text(t.data, "første og andre");
	expect_text(t.data, "Oslo, 2027-03-01");
	expect_text(t.data, "Barne- og familietjenesten");
	ck_assert_ptr_null(strchr(t.data, '\r'));
	buf_free(&t);
	pdf_done(&p);
}
END_TEST

START_TEST(test_markup_is_literal)
{
	struct letter	 lt = base;
	struct pdf	 p;
	struct buf	 t;
	char		*s;

	lt.recipient = "Ola <b>Nordmann</b> & Co";
	lt.address = "c/o \"Hansen\" &amp; Sønn\nGate <i>2</i>\n0150 Oslo";
	lt.title = "Møte <om> saken & \"planen\"";
	lt.body = "Ikke fet: <b>fet</b> &amp; &lt; <span size=\"99\">x</span>"
	    " 'sitat' <";
	pdf_make(&p, &lt);
	pdf_text(&p, &t);
	expect_text(t.data, "Ola <b>Nordmann</b> & Co");
	expect_text(t.data, "c/o \"Hansen\" &amp; Sønn");
	expect_text(t.data, "Gate <i>2</i>");
	expect_text(t.data, "Møte <om> saken & \"planen\"");
	expect_text(t.data, "Ikke fet: <b>fet</b> &amp; &lt;");
	expect_text(t.data, "<span size=\"99\">x</span> 'sitat' <");
	buf_free(&t);
	s = pdf_info(&p, "Title");
	ck_assert_str_eq(s, lt.title);
	free(s);
	pdf_done(&p);
}
END_TEST

START_TEST(test_address_in_window)
{
	static const char *const	 addr[] = { "Kari", "Nordmann",
					    "Storgata", "1", "0155", "Oslo",
					    NULL };
	static const char *const	 ret[] = { "Barne-", "og",
					    "familietjenesten,", "Oslo",
					    "kommune,", "Postboks", "6999",
					    "St.", "Olavs", "plass,", "0130",
					    NULL };
	char				*crop[] = { "pdftotext", "-f", "1",
					    "-l", "1", "-r", "72", "-x", "57",
					    "-y", "128", "-W", "240", "-H",
					    "127", "-layout", NULL, "-",
					    NULL };
	const struct word		*w;
	struct words			 ws;
	struct pdf			 p;
	struct buf			 t;

	pdf_make(&p, &base);
	words_read(&p, &ws);
	/* Name and address lie in the address zone of the window. */
	for (size_t i = 0; addr[i] != NULL; i++)
		ck_assert_msg(word_inside(&ws, addr[i], WIN_X, ADDR_Y, WIN_W,
		    WIN_Y + WIN_H - ADDR_Y), "\"%s\" is not in the window",
		    addr[i]);
	/* The return address above it, still in the window. */
	ck_assert(word_inside(&ws, "familietjenesten,", WIN_X, WIN_Y, WIN_W,
	    ADDR_Y - WIN_Y));
	/* Nothing else shows through the window. */
	for (size_t i = 0; i < ws.n; i++) {
		w = &ws.w[i];
		if (w->page == 1 && overlaps(w, WIN_X, WIN_Y, WIN_W, WIN_H))
			ck_assert_msg(word_in(w->text, addr) ||
			    word_in(w->text, ret), "\"%s\" shows in the "
			    "window", w->text);
	}
	/* Title and body come below it, the date right of it. */
	ck_assert_double_ge(word_find(&ws, "Innkalling")->y0, WIN_Y + WIN_H);
	ck_assert_double_ge(word_find(&ws, "Velkommen")->y0, WIN_Y + WIN_H);
	ck_assert_double_ge(word_find(&ws, "2027-03-01")->x0, WIN_X + WIN_W);
	words_free(&ws);

	/* The same seen through a crop to the window. */
	crop[16] = p.path;
	run_tool(crop, &t);
	expect_text(t.data, "Kari Nordmann");
	expect_text(t.data, "Storgata 1");
	expect_text(t.data, "0155 Oslo");
	ck_assert_ptr_null(strstr(t.data, "Velkommen"));
	ck_assert_ptr_null(strstr(t.data, "Innkalling"));
	ck_assert_ptr_null(strstr(t.data, "2027"));
	buf_free(&t);
	pdf_done(&p);
}
END_TEST

START_TEST(test_many_pages)
{
	struct letter		 lt = base;
	const struct word	*w;
	struct words		 ws;
	struct pdf		 p;
	struct buf		 t;
	char			 s[64], *body = long_body(300);
	long			 n;

	lt.body = body;
	pdf_make(&p, &lt);
	n = pdf_pages(&p);
	ck_assert_int_ge(n, 5);
	pdf_text(&p, &t);
	for (long i = 1; i <= n; i++) {
		snprintf(s, sizeof(s), "side %ld av %ld", i, n);
		expect_text(t.data, s);
	}
	/* No paragraph lost at a page break. */
	for (int i = 0; i < 300; i++) {
		snprintf(s, sizeof(s), "Avsnitt %d: ", i);
		expect_text(t.data, s);
	}
	buf_free(&t);

	/* The text keeps to the margins on every page. */
	words_read(&p, &ws);
	for (size_t i = 0; i < ws.n; i++) {
		w = &ws.w[i];
		ck_assert_msg(w->x1 <= RIGHT_EDGE + SLACK, "\"%s\" on page %ld "
		    "ends at x %.1f", w->text, w->page, w->x1);
		if (w->page > 1)
			ck_assert_msg(w->y0 >= NEXT_TOP - SLACK, "\"%s\" on "
			    "page %ld at y %.1f", w->text, w->page, w->y0);
		if (w->y1 > BODY_BOTTOM + SLACK)
			ck_assert_msg(strcmp(w->text, "side") == 0 ||
			    strcmp(w->text, "av") == 0 ||
			    parse_int(w->text, 1, n, &(long){ 0 }), "\"%s\" on "
			    "page %ld below the margin", w->text, w->page);
	}
	words_free(&ws);
	pdf_done(&p);
	free(body);
}
END_TEST

START_TEST(test_long_word)
{
	struct letter	 lt = base;
	struct words	 ws;
	struct pdf	 p;
	struct buf	 t, b;
	const char	*c;
	double		 r, lo = 1e9, hi = 0;
	size_t		 q = 0, n, lines = 0;

	buf_init(&b);
	buf_puts(&b, "Lenke: ");
	for (int i = 0; i < 400; i++)
		buf_puts(&b, "q");
	lt.body = b.data;
	pdf_make(&p, &lt);
	words_read(&p, &ws);
	for (size_t i = 0; i < ws.n; i++) {
		ck_assert_msg(ws.w[i].x1 <= RIGHT_EDGE + SLACK, "\"%s\" ends "
		    "at x %.1f", ws.w[i].text, ws.w[i].x1);
		/*
		 * pdftotext drops a hyphen at the end of a line, so look for
		 * the hyphen's width instead: a broken line of q's is as wide
		 * per letter as the last piece.
		 */
		n = strlen(ws.w[i].text);
		if (n > 0 && strspn(ws.w[i].text, "q") == n) {
			r = (ws.w[i].x1 - ws.w[i].x0) / (double)n;
			lo = r < lo ? r : lo;
			hi = r > hi ? r : hi;
			lines++;
		}
	}
	words_free(&ws);
	ck_assert_uint_ge(lines, 2);
	ck_assert_msg(hi - lo < 0.03, "q is %.3f to %.3f pt wide: a hyphen "
	    "was added", lo, hi);
	/* Broken across lines, but whole. */
	pdf_text(&p, &t);
	for (c = t.data; *c; c++)
		q += *c == 'q';
	ck_assert_uint_eq(q, 400);
	buf_free(&t);
	buf_free(&b);
	pdf_done(&p);
}
END_TEST

START_TEST(test_optional_fields)
{
	struct letter	 lt = base;
	struct pdf	 p;
	char		*s;

	lt.date = NULL;
	lt.title = "";
	lt.body = NULL;
	pdf_make(&p, &lt);
	ck_assert_int_eq(pdf_pages(&p), 1);
	s = pdf_info(&p, "Title");
	ck_assert_str_eq(s, "Brev");
	free(s);
	pdf_done(&p);
}
END_TEST

START_TEST(test_refusals)
{
	struct letter	 lt = base;
	char		*pdf;
	size_t		 len;

	lt.address = "";
	expect_error(&lt, "no postal address");
	lt.address = " \n\t\n  ";
	expect_error(&lt, "no postal address");
	lt.address = NULL;
	expect_error(&lt, "no postal address");
	lt = base;
	lt.recipient = "";
	expect_error(&lt, "no recipient name");
	lt = base;
	lt.sender = NULL;
	expect_error(&lt, "no sender");
	lt = base;
	lt.body = "ugyldig \xc3\x28 UTF-8";
	expect_error(&lt, "not valid UTF-8");
	lt = base;
	lt.recipient = "Ol\xe5";
	expect_error(&lt, "not valid UTF-8");
	/* The window holds six lines: the name and five of address. */
	lt = base;
	lt.address = "1\n2\n3\n4\n5\n6";
	expect_error(&lt, "envelope window");
	lt.address = "1\n2\n3\n4\n5";
	pdf = NULL;
	ck_assert_int_eq(letter_pdf(&lt, &pdf, &len, NULL, 0), 0);
	free(pdf);
	/* A caller may pass no error buffer. */
	lt.address = "";
	ck_assert_int_eq(letter_pdf(&lt, &pdf, &len, NULL, 0), -1);
}
END_TEST

static Suite *
letter_suite(void)
{
	Suite	*s = suite_create("letter");
	TCase	*tc = tcase_create("core");

	/* Font set-up and the poppler tools take a moment under ASan. */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_pdf_framing);
	tcase_add_test(tc, test_short_letter_a4);
	tcase_add_test(tc, test_text_content);
	tcase_add_test(tc, test_markup_is_literal);
	tcase_add_test(tc, test_address_in_window);
	tcase_add_test(tc, test_many_pages);
	tcase_add_test(tc, test_long_word);
	tcase_add_test(tc, test_optional_fields);
	tcase_add_test(tc, test_refusals);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(letter_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
