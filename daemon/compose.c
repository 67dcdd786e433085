/*
 * Mail composition with GMime 3.  GMime would pick the "smallest" charset
 * for text (Latin-1 for æøå); we always send UTF-8, so the body part is
 * built from raw bytes and labelled by hand (LIBRARIES.md §4).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "compose.h"
#include "log.h"
#include "util.h"

void
compose_init(void)
{
	g_mime_init();
}

static void
add_mailbox(InternetAddressList *list, const char *name, const char *addr)
{
	InternetAddress	*ia = internet_address_mailbox_new(name, addr);

	internet_address_set_charset(ia, "utf-8");
	internet_address_list_add(list, ia);
	g_object_unref(ia);
}

static GMimePart *
text_part(const char *body)
{
	GMimePart		*part;
	GMimeStream		*mem;
	GMimeDataWrapper	*dw;

	part = g_mime_part_new_with_type("text", "plain");
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(part),
	    "charset", "utf-8");
	mem = g_mime_stream_mem_new_with_buffer(body, strlen(body));
	dw = g_mime_data_wrapper_new_with_stream(mem,
	    GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(part, dw);
	g_mime_part_set_content_encoding(part,
	    GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	g_object_unref(dw);
	g_object_unref(mem);
	return part;
}

/* A display name on one line: a CR or LF can never reach a header. */
static char *
one_line(const char *s)
{
	char	*p, *r = xstrdup(s ? s : "");

	for (p = r; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return r;
}

static GMimePart *
bytes_part(const char *type, const char *subtype, const void *p, size_t len)
{
	GMimePart		*part = g_mime_part_new_with_type(type, subtype);
	GMimeStream		*mem = g_mime_stream_mem_new_with_buffer(p, len);
	GMimeDataWrapper	*dw = g_mime_data_wrapper_new_with_stream(mem,
	    GMIME_CONTENT_ENCODING_DEFAULT);

	g_mime_part_set_content(part, dw);
	/* Base64 keeps CRLF, folding and UTF-8 byte-exact (IMIP.md §3). */
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
	g_object_unref(dw);
	g_object_unref(mem);
	return part;
}

/*
 * IMIP.md §2: mixed[alternative[text/plain, text/calendar; method=M],
 * application/ics]; older Outlook reads only the first child of mixed.
 */
static GMimeObject *
invitation_body(const struct mail *m)
{
	GMimeMultipart	*mixed = g_mime_multipart_new_with_subtype("mixed");
	GMimeMultipart	*alt = g_mime_multipart_new_with_subtype("alternative");
	GMimePart	*text = text_part(m->body), *cal, *ics;
	size_t		 n = strlen(m->ics);

	cal = bytes_part("text", "calendar", m->ics, n);
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(cal), "method",
	    m->method);
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(cal), "charset",
	    "UTF-8");
	ics = bytes_part("application", "ics", m->ics, n);
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(ics), "name",
	    "invite.ics");
	g_mime_part_set_filename(ics, "invite.ics");
	g_mime_multipart_add(alt, GMIME_OBJECT(text));
	g_mime_multipart_add(alt, GMIME_OBJECT(cal));
	g_mime_multipart_add(mixed, GMIME_OBJECT(alt));
	g_mime_multipart_add(mixed, GMIME_OBJECT(ics));
	g_object_unref(text);
	g_object_unref(cal);
	g_object_unref(ics);
	g_object_unref(alt);
	return GMIME_OBJECT(mixed);
}

/*
 * A received mail forwarded as message/rfc822 (R2).  That type allows no
 * base64 (RFC 2046 §5.2.1), so parts with 8-bit content are re-encoded as
 * 7-bit (quoted-printable or base64): every body and attachment decodes
 * to the same bytes.  What GMime cannot read goes as an .eml file.
 */
static GMimeObject *
forwarded_part(const struct mail *m)
{
	GMimeStream		*mem;
	GMimeParser		*parser;
	GMimeMessage		*orig;
	GMimeMessagePart	*mp;
	GMimePart		*raw;

	mem = g_mime_stream_mem_new_with_buffer(m->attach, m->attach_len);
	parser = g_mime_parser_new_with_stream(mem);
	orig = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(mem);
	if (orig == NULL) {
		raw = bytes_part("application", "octet-stream", m->attach,
		    m->attach_len);
		g_mime_part_set_filename(raw, m->attach_name);
		return GMIME_OBJECT(raw);
	}
	g_mime_object_encode(GMIME_OBJECT(orig), GMIME_ENCODING_CONSTRAINT_7BIT);
	mp = g_mime_message_part_new_with_message("rfc822", orig);
	g_object_unref(orig);
	return GMIME_OBJECT(mp);
}

static GMimeObject *
attachment_body(const struct mail *m)
{
	GMimeMultipart	*mixed = g_mime_multipart_new_with_subtype("mixed");
	GMimePart	*text = text_part(m->body);
	GMimeObject	*att;
	char		 type[64];
	char		*slash;

	snprintf(type, sizeof(type), "%s", m->attach_type);
	if ((slash = strchr(type, '/')) == NULL)
		fatalx("compose: bad attachment type %s", type);
	*slash = '\0';
	if (!strcmp(m->attach_type, "message/rfc822"))
		att = forwarded_part(m);
	else {
		att = GMIME_OBJECT(bytes_part(type, slash + 1, m->attach,
		    m->attach_len));
		g_mime_part_set_filename(GMIME_PART(att), m->attach_name);
	}
	g_mime_multipart_add(mixed, GMIME_OBJECT(text));
	g_mime_multipart_add(mixed, att);
	g_object_unref(text);
	g_object_unref(att);
	return GMIME_OBJECT(mixed);
}

char *
compose_message(const struct config *cfg, const struct mail *m, size_t *len)
{
	GMimeMessage		*msg = g_mime_message_new(TRUE);
	GMimeObject		*obj = GMIME_OBJECT(msg);
	GMimeFormatOptions	*fo;
	GMimeStream		*out;
	GByteArray		*bytes;
	GDateTime		*dt;
	GMimeObject		*body;

	add_mailbox(g_mime_message_get_from(msg), cfg->from_name, cfg->from);
	add_mailbox(g_mime_message_get_reply_to(msg), cfg->from_name,
	    *cfg->reply_to ? cfg->reply_to : cfg->from);
	char *name = one_line(m->to_name);
	add_mailbox(g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_TO),
	    name, m->to);
	free(name);
	g_mime_message_set_subject(msg, m->subject, "utf-8");
	dt = g_date_time_new_from_unix_local(m->date);
	g_mime_message_set_date(msg, dt);
	g_date_time_unref(dt);
	g_mime_message_set_message_id(msg, m->message_id);
	g_mime_object_set_header(obj, "Auto-Submitted", "auto-generated", NULL);
	g_mime_object_set_header(obj, "X-Auto-Response-Suppress", "All", NULL);
	g_mime_object_set_header(obj, "X-Ansvar-Kind", m->kind, NULL);
	if (m->ref)
		g_mime_object_set_header(obj, "X-Ansvar-Ref", m->ref, NULL);
	if (m->verified)
		g_mime_object_set_header(obj, "X-Ansvar-Verified", m->verified,
		    NULL);
	if (m->ics)
		body = invitation_body(m);
	else if (m->attach)
		body = attachment_body(m);
	else
		body = GMIME_OBJECT(text_part(m->body));
	g_mime_message_set_mime_part(msg, body);
	g_object_unref(body);

	fo = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	bytes = g_byte_array_new();
	out = g_mime_stream_mem_new_with_byte_array(bytes);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(out), FALSE);
	if (g_mime_object_write_to_stream(obj, fo, out) == -1)
		fatalx("compose: cannot write message");
	g_object_unref(out);
	g_mime_format_options_free(fo);
	g_object_unref(msg);
	return bytes_take(bytes, len);
}

char *
bytes_take(GByteArray *bytes, size_t *len)
{
	char	*r = xmalloc(bytes->len + 1);

	memcpy(r, bytes->data, bytes->len);
	r[bytes->len] = '\0';
	*len = bytes->len;
	g_byte_array_free(bytes, TRUE);
	return r;
}
