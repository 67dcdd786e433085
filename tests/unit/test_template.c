/*
 * test_template.c: unit tests for the mail template renderer
 * (daemon/template.c): variables, sections, escaping and errors.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"

/* Render and compare; the template must render without error. */
static void
expect_render(const char *tmpl, const struct tvars *v, enum tescape esc,
    const char *want)
{
	char	*out, *err = NULL;

	out = template_render(tmpl, v, esc, &err);
	ck_assert_msg(out != NULL, "render of \"%s\" failed: %s", tmpl,
	    err != NULL ? err : "(null)");
	ck_assert_ptr_null(err);
	ck_assert_str_eq(out, want);
	free(out);
}

/* Both check and render must fail with exactly this message. */
static void
expect_error(const char *tmpl, const char *want)
{
	char	*out, *err = NULL;

	ck_assert_int_eq(template_check(tmpl, &err), -1);
	ck_assert_ptr_nonnull(err);
	ck_assert_str_eq(err, want);
	free(err);
	err = NULL;
	out = template_render(tmpl, NULL, TESC_NONE, &err);
	ck_assert_ptr_null(out);
	ck_assert_ptr_nonnull(err);
	ck_assert_str_eq(err, want);
	free(err);
}

static void
expect_render_error(const char *tmpl, const struct tvars *v,
    enum tescape esc, const char *want)
{
	char	*out, *err = NULL;

	out = template_render(tmpl, v, esc, &err);
	ck_assert_msg(out == NULL, "render unexpectedly gave \"%s\"",
	    out != NULL ? out : "");
	ck_assert_ptr_nonnull(err);
	ck_assert_str_eq(err, want);
	free(err);
}

START_TEST(test_plain_var)
{
	struct tvars	*v = tvars_new();

	tvars_set(v, "name", "Kari");
	expect_render("Hello {{name}}!\n", v, TESC_NONE, "Hello Kari!\n");
	expect_render("Hello {{ name }}!", v, TESC_NONE, "Hello Kari!");
	expect_render("Hello {{\tname\t}}!", v, TESC_NONE, "Hello Kari!");
	expect_render("no tags at all", v, TESC_NONE, "no tags at all");
	expect_render("", v, TESC_NONE, "");
	tvars_free(v);
}
END_TEST

START_TEST(test_name_characters)
{
	struct tvars	*v = tvars_new();

	tvars_set(v, "user.first_name-2", "x");
	expect_render("[{{user.first_name-2}}]", v, TESC_NONE, "[x]");
	tvars_free(v);
}
END_TEST

START_TEST(test_missing_var_empty)
{
	struct tvars	*v = tvars_new();

	expect_render("a{{nope}}b", v, TESC_NONE, "ab");
	expect_render("a{{nope}}b", NULL, TESC_NONE, "ab");
	tvars_free(v);
}
END_TEST

START_TEST(test_utf8)
{
	struct tvars	*v = tvars_new();

	tvars_set(v, "by", "Tromsø");
	expect_render("Blåbær fra {{by}} – æøå ÆØÅ\n", v, TESC_NONE,
	    "Blåbær fra Tromsø – æøå ÆØÅ\n");
	expect_render("Emne: {{by}} æøå", v, TESC_HEADER, "Emne: Tromsø æøå");
	expect_render("<p>{{by}}</p>", v, TESC_HTML, "<p>Tromsø</p>");
	tvars_free(v);
}
END_TEST

START_TEST(test_nested_list_outer_scope)
{
	struct tvars	*v = tvars_new(), *o, *l;

	tvars_set(v, "who", "Per");
	tvars_set(v, "cur", "NOK");
	o = tvars_add(v, "orders");
	tvars_set(o, "id", "1");
	l = tvars_add(o, "lines");
	tvars_set(l, "item", "eple");
	l = tvars_add(o, "lines");
	tvars_set(l, "item", "pære");
	tvars_set(l, "cur", "EUR");	/* shadows the root's cur */
	o = tvars_add(v, "orders");
	tvars_set(o, "id", "2");
	l = tvars_add(o, "lines");
	tvars_set(l, "item", "plomme");
	expect_render(
	    "{{#orders}}\n"
	    "#{{id}} for {{who}}:\n"
	    "{{#lines}}\n"
	    "  {{item}} {{cur}} ({{id}})\n"
	    "{{/lines}}\n"
	    "{{/orders}}\n"
	    "done {{id}}\n", v, TESC_NONE,
	    "#1 for Per:\n"
	    "  eple NOK (1)\n"
	    "  pære EUR (1)\n"
	    "#2 for Per:\n"
	    "  plomme NOK (2)\n"
	    "done \n");
	tvars_free(v);
}
END_TEST

START_TEST(test_scalar_as_conditional)
{
	struct tvars	*v = tvars_new();

	tvars_set(v, "yes", "1");
	tvars_set(v, "empty", "");
	tvars_set(v, "who", "Ola");
	expect_render("[{{#yes}}on {{yes}} {{who}}{{/yes}}]", v, TESC_NONE,
	    "[on 1 Ola]");
	expect_render("[{{#empty}}on{{/empty}}]", v, TESC_NONE, "[]");
	expect_render("[{{#missing}}on{{/missing}}]", v, TESC_NONE, "[]");
	tvars_free(v);
}
END_TEST

START_TEST(test_inverted_section)
{
	struct tvars	*v = tvars_new();

	tvars_set(v, "empty", "");
	tvars_set(v, "null", NULL);
	tvars_set(v, "full", "x");
	tvars_add(v, "list");
	expect_render("[{{^missing}}none{{/missing}}]", v, TESC_NONE,
	    "[none]");
	expect_render("[{{^empty}}none{{/empty}}]", v, TESC_NONE, "[none]");
	expect_render("[{{^null}}none{{/null}}]", v, TESC_NONE, "[none]");
	/* A list that was never added to is the API's empty list. */
	expect_render("[{{^nolist}}none{{/nolist}}]", v, TESC_NONE,
	    "[none]");
	expect_render("[{{^full}}none{{/full}}]", v, TESC_NONE, "[]");
	expect_render("[{{^list}}none{{/list}}]", v, TESC_NONE, "[]");
	expect_render("[{{#list}}one{{/list}}{{^list}}none{{/list}}]", v,
	    TESC_NONE, "[one]");
	tvars_free(v);
}
END_TEST

START_TEST(test_comment)
{
	expect_render("a{{! a note }}b", NULL, TESC_NONE, "ab");
	expect_render("a{{!}}b", NULL, TESC_NONE, "ab");
	/* Comments may span lines and hold any characters. */
	expect_render("a{{! x\n {{y\n}}b", NULL, TESC_NONE, "ab");
}
END_TEST

START_TEST(test_standalone_lines)
{
	struct tvars	*v = tvars_new();

	tvars_set(v, "x", "X");
	expect_render(
	    "begin\n"
	    "{{#x}}\n"
	    "  {{x}}\n"
	    "\t {{/x}} \t\n"
	    "  {{! comment line }}\n"
	    "{{^x}}\n"
	    "never\n"
	    "{{/x}}\n"
	    "end\n", v, TESC_NONE,
	    "begin\n"
	    "  X\n"
	    "end\n");
	/* CRLF line ends and a standalone tag at the very end. */
	expect_render("a\r\n{{#x}}\r\nb\r\n{{/x}}", v, TESC_NONE,
	    "a\r\nb\r\n");
	/* A multi-line comment on lines of its own. */
	expect_render("a\n{{! one\n two }}\nb\n", v, TESC_NONE, "a\nb\n");
	tvars_free(v);
}
END_TEST

START_TEST(test_not_standalone)
{
	struct tvars	*v = tvars_new();

	tvars_set(v, "x", "X");
	/* Variable lines keep their newlines, even when empty. */
	expect_render("{{x}}\n{{nope}}\nb\n", v, TESC_NONE, "X\n\nb\n");
	/* Tags sharing a line with text or other tags are kept inline. */
	expect_render("a {{#x}}b{{/x}}\nc\n", v, TESC_NONE, "a b\nc\n");
	expect_render("{{#x}}{{x}}{{/x}}\n", v, TESC_NONE, "X\n");
	expect_render("{{#x}} y\n{{/x}}", v, TESC_NONE, " y\n");
	tvars_free(v);
}
END_TEST

START_TEST(test_err_unclosed)
{
	expect_error("a\n\n{{#items}}\nb\n", "line 3: unclosed section \"items\"");
	expect_error("{{#a}}\n{{^b}}\n{{/b}}\n", "line 1: unclosed section \"a\"");
}
END_TEST

START_TEST(test_err_mismatch)
{
	expect_error("{{#a}}\nx\n{{#b}}\n{{/a}}\n{{/b}}\n",
	    "line 4: closing \"a\" does not match open section \"b\" of line 3");
}
END_TEST

START_TEST(test_err_close_without_open)
{
	expect_error("one\ntwo {{/a}}\n",
	    "line 2: closing \"a\" without open section");
	expect_error("{{#a}}{{/a}}\n{{/a}}",
	    "line 2: closing \"a\" without open section");
}
END_TEST

START_TEST(test_err_unterminated)
{
	expect_error("a\nb {{name\nc}}\n", "line 2: unterminated \"{{\"");
	expect_error("a\nb\nc {{", "line 3: unterminated \"{{\"");
	expect_error("x\n{{! never closed\n\n", "line 2: unterminated \"{{\"");
	expect_error("{{name}", "line 1: unterminated \"{{\"");
}
END_TEST

START_TEST(test_err_bad_name)
{
	expect_error("a\n\n\n{{na me}}", "line 4: bad character ' ' in name");
	expect_error("{{x}}\n{{#a/b}}{{/a/b}}",
	    "line 2: bad character '/' in name");
	expect_error("{{{x}}}", "line 1: bad character '{' in name");
	expect_error("\n{{blå}}", "line 2: bad byte 0xc3 in name");
	expect_error("a\n{{}}", "line 2: empty tag name");
	expect_error("a\n{{# }}{{/}}", "line 2: empty tag name");
}
END_TEST

/*
 * Builds n nested sections s0..s(n-1), one tag per line, with "deep"
 * in the middle.
 */
static char *
nested(int n)
{
	char	*s, *t;
	int	 i;

	if ((s = strdup("")) == NULL)
		ck_abort_msg("strdup");
	for (i = 0; i < n; i++) {
		if (asprintf(&t, "%s{{#s%d}}\n", s, i) == -1)
			ck_abort_msg("asprintf");
		free(s);
		s = t;
	}
	if (asprintf(&t, "%sdeep\n", s) == -1)
		ck_abort_msg("asprintf");
	free(s);
	s = t;
	for (i = n - 1; i >= 0; i--) {
		if (asprintf(&t, "%s{{/s%d}}\n", s, i) == -1)
			ck_abort_msg("asprintf");
		free(s);
		s = t;
	}
	return s;
}

START_TEST(test_err_deep_nesting)
{
	struct tvars	*v = tvars_new();
	char		*t, *err = NULL, name[16];
	int		 i;

	for (i = 0; i < 17; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		tvars_set(v, name, "on");
	}
	/* Sixteen levels are fine... */
	t = nested(16);
	ck_assert_int_eq(template_check(t, &err), 0);
	ck_assert_ptr_null(err);
	expect_render(t, v, TESC_NONE, "deep\n");
	free(t);
	/* ... and the seventeenth opening tag, on line 17, is refused. */
	t = nested(17);
	expect_error(t, "line 17: sections nested deeper than 16");
	free(t);
	tvars_free(v);
}
END_TEST

START_TEST(test_render_syntax_error)
{
	struct tvars	*v = tvars_new();

	tvars_set(v, "a", "1");
	expect_render_error("ok\n{{#a}}", v, TESC_HTML,
	    "line 2: unclosed section \"a\"");
	tvars_free(v);
}
END_TEST

START_TEST(test_err_null_ok)
{
	char	*out;

	/* A caller not interested in the message may pass NULL. */
	ck_assert_int_eq(template_check("{{#a}}", NULL), -1);
	ck_assert_int_eq(template_check("{{a}}", NULL), 0);
	ck_assert_ptr_null(template_render("{{", NULL, TESC_NONE, NULL));
	out = template_render("x", NULL, TESC_NONE, NULL);
	ck_assert_str_eq(out, "x");
	free(out);
}
END_TEST

START_TEST(test_header_value_sanitized)
{
	struct tvars	*v = tvars_new();
	char		*out, *err = NULL;

	tvars_set(v, "subj", "a\r\nBcc: x@y");
	out = template_render("Subject: {{subj}}\n", v, TESC_HEADER, &err);
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_null(strchr(out, '\r'));
	ck_assert_ptr_null(strchr(out, '\n'));
	ck_assert_str_eq(out, "Subject: a Bcc: x@y");
	free(out);
	tvars_set(v, "subj", "\ta\nb\rc\x01\x7f" "d\n");
	expect_render("S: {{subj}}", v, TESC_HEADER, "S:  a b c d ");
	tvars_set(v, "subj", "a\n\n\n.\r\n");
	expect_render("S: {{subj}}", v, TESC_HEADER, "S: a . ");
	/* The same value passes untouched into a plain text body. */
	tvars_set(v, "subj", "a\r\nb");
	expect_render("{{subj}}", v, TESC_NONE, "a\r\nb");
	tvars_free(v);
}
END_TEST

START_TEST(test_header_multiline_error)
{
	struct tvars	*v = tvars_new();

	tvars_set(v, "x", "X");
	expect_render_error("Subject: {{x}}\nBcc: evil@example.org\n", v,
	    TESC_HEADER, "line 1: header template spans more than one line");
	expect_render_error("{{! c }}\nSubject: {{x}}\r\nBcc: y", v,
	    TESC_HEADER, "line 2: header template spans more than one line");
	expect_render_error("a\tb", v, TESC_HEADER,
	    "line 1: header template spans more than one line");
	expect_render_error("Subject: {{x}}\n\n", v, TESC_HEADER,
	    "line 1: header template spans more than one line");
	/* A line break inside a section that renders is an error too. */
	expect_render_error("S: {{#x}}a\nb{{/x}}", v, TESC_HEADER,
	    "line 1: header template spans more than one line");
	/* ... but not one in a section that renders nothing. */
	expect_render("S: {{#nope}}a\nb{{/nope}}ok", v, TESC_HEADER, "S: ok");
	tvars_free(v);
}
END_TEST

START_TEST(test_header_trailing_newline)
{
	struct tvars	*v = tvars_new();

	tvars_set(v, "x", "X");
	expect_render("Subject: {{x}}\n", v, TESC_HEADER, "Subject: X");
	expect_render("Subject: {{x}}\r\n", v, TESC_HEADER, "Subject: X");
	expect_render("{{! why }}\nSubject: {{x}}\n{{#x}}\n{{/x}}\n", v,
	    TESC_HEADER, "Subject: X");
	expect_render("Subject: {{x}}", v, TESC_HEADER, "Subject: X");
	/* Plain text keeps its final newline. */
	expect_render("Subject: {{x}}\n", v, TESC_NONE, "Subject: X\n");
	tvars_free(v);
}
END_TEST

START_TEST(test_html_escape)
{
	struct tvars	*v = tvars_new();

	tvars_set(v, "x", "<a href=\"x\">Tom & Jerry's</a>");
	expect_render("<p>{{x}}</p>", v, TESC_HTML,
	    "<p>&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;</p>");
	expect_render("{{x}}", v, TESC_NONE, "<a href=\"x\">Tom & Jerry's</a>");
	tvars_set(v, "x", "&&");
	expect_render("{{x}}", v, TESC_HTML, "&amp;&amp;");
	tvars_free(v);
}
END_TEST

START_TEST(test_value_not_reparsed)
{
	struct tvars	*v = tvars_new();

	tvars_set(v, "x", "{{y}} {{#y}}{{/z}} {{");
	tvars_set(v, "y", "SECRET");
	expect_render("[{{x}}]", v, TESC_NONE, "[{{y}} {{#y}}{{/z}} {{]");
	expect_render("[{{x}}]", v, TESC_HEADER, "[{{y}} {{#y}}{{/z}} {{]");
	tvars_free(v);
}
END_TEST

START_TEST(test_set_replaces)
{
	struct tvars	*v = tvars_new(), *r;

	tvars_set(v, "x", "one");
	tvars_set(v, "x", "two");
	ck_assert_str_eq(tvars_get(v, "x"), "two");
	expect_render("{{x}}", v, TESC_NONE, "two");
	tvars_setf(v, "x", "%d-%s", 3, "three");
	ck_assert_str_eq(tvars_get(v, "x"), "3-three");
	/* A list replaced by a scalar, and the other way round. */
	r = tvars_add(v, "l");
	tvars_set(r, "a", "A");
	tvars_set(v, "l", "scalar");
	expect_render("{{#l}}[{{l}}{{a}}]{{/l}}", v, TESC_NONE, "[scalar]");
	r = tvars_add(v, "x");
	tvars_set(r, "a", "A");
	ck_assert_ptr_null(tvars_get(v, "x"));
	expect_render("{{#x}}[{{x}}{{a}}]{{/x}}", v, TESC_NONE, "[A]");
	tvars_free(v);
}
END_TEST

START_TEST(test_set_null_and_get)
{
	struct tvars	*v = tvars_new(), *r;
	char		 buf[] = "abc";

	ck_assert_ptr_null(tvars_get(v, "x"));
	tvars_set(v, "x", NULL);
	ck_assert_str_eq(tvars_get(v, "x"), "");
	/* An empty record field shadows the outer value of its name. */
	tvars_set(v, "note", "outer");
	r = tvars_add(v, "rows");
	tvars_set(r, "note", NULL);
	expect_render("{{#rows}}[{{note}}]{{/rows}}", v, TESC_NONE, "[]");
	/* The value is copied. */
	tvars_set(v, "c", buf);
	buf[0] = 'X';
	ck_assert_str_eq(tvars_get(v, "c"), "abc");
	/* NULL sets are ignored, so tvars_add failures need no checks. */
	tvars_set(NULL, "x", "y");
	tvars_setf(NULL, "x", "%d", 1);
	ck_assert_ptr_null(tvars_add(NULL, "x"));
	ck_assert_ptr_null(tvars_get(NULL, "x"));
	tvars_free(NULL);
	tvars_free(v);
}
END_TEST

START_TEST(test_large_output)
{
	struct tvars	*v = tvars_new(), *r;
	char		*big, *out, *err = NULL;
	size_t		 n = 100000, i;

	big = malloc(n + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', n);
	big[n] = '\0';
	tvars_set(v, "big", big);
	for (i = 0; i < 1000; i++) {
		r = tvars_add(v, "rows");
		tvars_setf(r, "i", "%zu", i);
	}
	out = template_render("{{big}}{{big}}{{#rows}}{{i}},{{/rows}}", v,
	    TESC_NONE, &err);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_gt(strlen(out), 2 * n);
	ck_assert_int_eq(memcmp(out, big, n), 0);
	ck_assert_int_eq(memcmp(out + n, big, n), 0);
	ck_assert_int_eq(strncmp(out + 2 * n, "0,1,2,", 6), 0);
	ck_assert_str_eq(out + strlen(out) - 4, "999,");
	free(out);
	free(big);
	tvars_free(v);
}
END_TEST

static Suite *
template_suite(void)
{
	Suite	*s = suite_create("template");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_plain_var);
	tcase_add_test(tc, test_name_characters);
	tcase_add_test(tc, test_missing_var_empty);
	tcase_add_test(tc, test_utf8);
	tcase_add_test(tc, test_nested_list_outer_scope);
	tcase_add_test(tc, test_scalar_as_conditional);
	tcase_add_test(tc, test_inverted_section);
	tcase_add_test(tc, test_comment);
	tcase_add_test(tc, test_standalone_lines);
	tcase_add_test(tc, test_not_standalone);
	tcase_add_test(tc, test_err_unclosed);
	tcase_add_test(tc, test_err_mismatch);
	tcase_add_test(tc, test_err_close_without_open);
	tcase_add_test(tc, test_err_unterminated);
	tcase_add_test(tc, test_err_bad_name);
	tcase_add_test(tc, test_err_deep_nesting);
	tcase_add_test(tc, test_render_syntax_error);
	tcase_add_test(tc, test_err_null_ok);
	tcase_add_test(tc, test_header_value_sanitized);
	tcase_add_test(tc, test_header_multiline_error);
	tcase_add_test(tc, test_header_trailing_newline);
	tcase_add_test(tc, test_html_escape);
	tcase_add_test(tc, test_value_not_reparsed);
	tcase_add_test(tc, test_set_replaces);
	tcase_add_test(tc, test_set_null_and_get);
	tcase_add_test(tc, test_large_output);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(template_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
