/*
 * format_mail.c - the mail reader: one message (.eml, a Maildir file) or
 * an mbox, parsed by GMime (MIME structure, encodings, charsets, address
 * lists), never by hand. Records:
 *  - each correspondent in From, Sender, Reply-To, To, Cc and Bcc is a
 *    record of its own (name at /mail/<header>/name, address at
 *    /mail/<header>/email): the people of a compromised mailbox count;
 *  - each message is a record: its Subject and the lines of its text and
 *    HTML bodies (tags removed) as free text, so a message about one
 *    patient links them.
 * Attachments (and text parts too big for a body) are members: each is
 * scanned through the whole pipeline, one level down ("inbox.mbox!/
 * 3/results.zip!/a.csv"), decoded as it is read. Forwarded messages
 * (message/rfc822) are read as messages. MIME nesting is bounded by
 * --max-depth (GMime's own parser stops at 1024); deeper parts are
 * counted and make the item partial. A file on disk is parsed from its
 * descriptor; a mail inside an archive or on a pipe is copied into
 * memory up to --max-seek-buffer.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "format.h"


static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

static void
gmime_start(void)
{
	g_mime_init();
}

/* ---- bidding ---------------------------------------------------------- */

/* "Name: value" with a header-like name. */
static bool
header_line(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') ||
			   (*q >= '0' && *q <= '9') || *q == '-'))
		q++;
	return q > p && q < end && *q == ':';
}

/*
 * 0: not a header mail writers always write; 1: a common one; 2: one that
 * only a mail has (a YAML or properties file can have "date:" and
 * "subject:", in lower case, but not "Message-ID:"). Case-sensitive: mail
 * writers use the canonical spelling.
 */
static int
known(const char *p, const char *end)
{
	static const struct {
		const char *h;
		int w;
	} kw[] = {{"From:", 2},		{"Received:", 2}, {"Message-ID:", 2},
		  {"Message-Id:", 2},	{"Return-Path:", 2},
		  {"Delivered-To:", 2}, {"MIME-Version:", 2},
		  {"Date:", 1},		{"Subject:", 1},  {"To:", 1}};

	for (size_t i = 0; i < BSC_ARRAY_SIZE(kw); i++) {
		size_t n = strlen(kw[i].h);

		if ((size_t)(end - p) >= n && !strncmp(p, kw[i].h, n))
			return kw[i].w;
	}
	return 0;
}

/*
 * A mail starts with header lines (3 at least, 2 of them well known)
 * up to a blank line; an mbox with a "From " separator line first.
 */
static int
mail_bid(const struct bsc_sniff *s)
{
	const char *p, *end;
	int headers = 0, kn = 0, strong = 0;
	bool mbox = false;

	if (!s->text)
		return -1;
	p = s->text;
	end = p + s->text_len;
	if (end - p > 5 && !memcmp(p, "From ", 5)) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl)
			return -1;
		mbox = true;
		p = nl + 1;
	}
	while (p < end && headers < 64) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;

		if (e == p || (e == p + 1 && *p == '\r'))
			break; /* the blank line */
		if (*p == ' ' || *p == '\t') {
			if (!headers)
				return -1;
		} else if (header_line(p, e)) {
			int k = known(p, e);

			headers++;
			kn += k > 0;
			strong += k == 2;
		} else {
			return -1;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	if (headers < 3 || kn < 2 || !strong)
		return -1;
	return (mbox ? 70 : 60) +
	       (!strcmp(s->ext, "eml") || !strcmp(s->ext, "mbox") ? 5 : 0);
}

/* ---- reading ---------------------------------------------------------- */

struct mail {
	struct bsc_reader *r;
	unsigned text_slot, subject_slot;
	unsigned long msgno;
	bool mbox;
	unsigned long long too_deep, parts;
	long long deadline_ms;
	bool stopped;
	char prefix[32]; /* "3/" in an mbox, "" for one message */
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
emit_lines(struct mail *m, const char *t, size_t len)
{
	const char *p = t, *end = t + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		while (n && (p[n - 1] == '\r' || p[n - 1] == ' '))
			n--;
		if (n > m->r->limits->max_field)
			n = m->r->limits->max_field;
		if (n)
			bsc_fields_value(m->r->fields, m->text_slot, p, n);
		p = nl ? nl + 1 : end;
	}
}

/* HTML to text: tags become line breaks or spaces, common entities. */
static void
emit_html(struct mail *m, const char *s, size_t len)
{
	char *out = bsc_zalloc(len + 1);
	size_t o = 0;
	bool tag = false, skip = false;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (tag) {
			if (c == '>')
				tag = false;
			continue;
		}
		if (c == '<') {
			tag = true;
			/* <style> and <script> hold no text */
			if (!g_ascii_strncasecmp(s + i + 1, "style", 5) ||
			    !g_ascii_strncasecmp(s + i + 1, "script", 6))
				skip = true;
			else if (!g_ascii_strncasecmp(s + i + 1, "/style", 6) ||
				 !g_ascii_strncasecmp(s + i + 1, "/script", 7))
				skip = false;
			if (o && out[o - 1] != '\n')
				out[o++] = '\n';
			continue;
		}
		if (skip)
			continue;
		if (c == '&' && !strncmp(s + i, "&nbsp;", 6)) {
			out[o++] = ' ';
			i += 5;
		} else if (c == '&' && !strncmp(s + i, "&amp;", 5)) {
			out[o++] = '&';
			i += 4;
		} else if (c == '&' && !strncmp(s + i, "&#64;", 5)) {
			out[o++] = '@';
			i += 4;
		} else {
			out[o++] = c;
		}
	}
	emit_lines(m, out, o);
	free(out);
}

/* One correspondent: a record. */
static void
address_record(struct mail *m, const char *hdr, InternetAddress *a)
{
	struct bsc_fields *f = m->r->fields;
	char slot[64];
	const char *name = internet_address_get_name(a);

	if (INTERNET_ADDRESS_IS_GROUP(a)) {
		InternetAddressList *l =
		    internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a));

		for (int i = 0; l && i < internet_address_list_length(l); i++)
			address_record(m, hdr,
				       internet_address_list_get_address(l, i));
		return;
	}
	if (name && *name) {
		snprintf(slot, sizeof(slot), "/mail/%s/name", hdr);
		bsc_fields_value(f, bsc_fields_slot(f, slot, 0), name,
				 strlen(name));
	}
	if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
		const char *addr =
		    internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));

		if (addr && *addr) {
			snprintf(slot, sizeof(slot), "/mail/%s/email", hdr);
			bsc_fields_value(f, bsc_fields_slot(f, slot, 0), addr,
					 strlen(addr));
		}
	}
	bsc_fields_end_record(f);
	m->r->records++;
}

static void
addresses(struct mail *m, GMimeMessage *msg)
{
	static const struct {
		GMimeAddressType t;
		const char *name;
	} hdrs[] = {{GMIME_ADDRESS_TYPE_FROM, "from"},
		    {GMIME_ADDRESS_TYPE_SENDER, "sender"},
		    {GMIME_ADDRESS_TYPE_REPLY_TO, "reply-to"},
		    {GMIME_ADDRESS_TYPE_TO, "to"},
		    {GMIME_ADDRESS_TYPE_CC, "cc"},
		    {GMIME_ADDRESS_TYPE_BCC, "bcc"}};

	for (size_t k = 0; k < BSC_ARRAY_SIZE(hdrs); k++) {
		InternetAddressList *l =
		    g_mime_message_get_addresses(msg, hdrs[k].t);

		for (int i = 0; l && i < internet_address_list_length(l); i++)
			address_record(m, hdrs[k].name,
				       internet_address_list_get_address(l, i));
	}
}

/* The decoded content of a part, read as a stream (for members). */
struct part_src {
	GMimeStream *s;
};

static ssize_t
part_read(void *src, void *buf, size_t n)
{
	struct part_src *ps = src;
	ssize_t k = g_mime_stream_read(ps->s, buf, n);

	return k < 0 ? -1 : k;
}

static GMimeStream *
decoded_stream(GMimePart *part)
{
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	GMimeStream *raw, *fs;
	GMimeFilter *f;

	if (!dw)
		return NULL;
	raw = g_mime_data_wrapper_get_stream(dw);
	if (!raw)
		return NULL;
	g_mime_stream_reset(raw);
	fs = g_mime_stream_filter_new(raw);
	f = g_mime_filter_basic_new(g_mime_data_wrapper_get_encoding(dw),
				    FALSE);
	g_mime_stream_filter_add(GMIME_STREAM_FILTER(fs), f);
	g_object_unref(f);
	return fs;
}

/* A name for a member: its file name (no '/'), or part-N. */
static void
member_name(struct mail *m, GMimePart *part, char *out, size_t len)
{
	const char *fn = g_mime_part_get_filename(part);
	char clean[200];
	size_t o = 0;

	for (size_t i = 0; fn && fn[i] && o + 1 < sizeof(clean); i++)
		clean[o++] = fn[i] == '/' || (unsigned char)fn[i] < 0x20
				 ? '_'
				 : fn[i];
	clean[o] = '\0';
	if (!o)
		snprintf(clean, sizeof(clean), "part-%llu", m->parts);
	snprintf(out, len, "%s%s", m->prefix, clean);
}

static void walk(struct mail *m, GMimeObject *o, unsigned depth);

static void
leaf(struct mail *m, GMimePart *part)
{
	GMimeContentType *ct = g_mime_object_get_content_type(GMIME_OBJECT(part));
	bool text = ct && g_mime_content_type_is_type(ct, "text", "*");
	bool html = ct && g_mime_content_type_is_type(ct, "text", "html");
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	gint64 size = dw && g_mime_data_wrapper_get_stream(dw)
			  ? g_mime_stream_length(
				g_mime_data_wrapper_get_stream(dw))
			  : 0;

	m->parts++;
	if (text && !g_mime_part_is_attachment(part) &&
	    size <= (gint64)m->r->limits->max_document) {
		char *t = g_mime_text_part_get_text(GMIME_TEXT_PART(part));

		if (t) {
			if (html)
				emit_html(m, t, strlen(t));
			else
				emit_lines(m, t, strlen(t));
			g_free(t);
		}
		return;
	}
	{
		/* an attachment, or a body too big to hold: a member */
		struct part_src ps = {decoded_stream(part)};
		char name[256];

		if (!ps.s)
			return;
		member_name(m, part, name, sizeof(name));
		if (bsc_reader_sub_member(m->r, name, part_read, &ps) ==
		    BSC_FATAL)
			m->stopped = true;
		g_object_unref(ps.s);
	}
}

static void message(struct mail *m, GMimeMessage *msg, unsigned depth);

static void
walk(struct mail *m, GMimeObject *o, unsigned depth)
{
	if (!o || m->stopped)
		return;
	if (depth > m->r->limits->max_nesting) {
		m->too_deep++;
		return;
	}
	if (GMIME_IS_MULTIPART(o)) {
		GMimeMultipart *mp = GMIME_MULTIPART(o);
		int n = g_mime_multipart_get_count(mp);

		for (int i = 0; i < n && !m->stopped; i++)
			walk(m, g_mime_multipart_get_part(mp, i), depth + 1);
	} else if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *inner =
		    g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));

		if (inner) {
			/* the outer message's record ends here */
			bsc_fields_end_record(m->r->fields);
			m->r->records++;
			message(m, inner, depth + 1);
		}
	} else if (GMIME_IS_PART(o)) {
		leaf(m, GMIME_PART(o));
	}
}

/* Headers read otherwise (addresses, Subject) or that carry no person
 * data (transport, MIME, signatures). Case-insensitive prefixes. */
static bool
skip_header(const char *name)
{
	static const char *const skip[] = {
	    "from",	   "to",	   "cc",	"bcc",
	    "sender",	   "reply-to",	   "subject",	"received",
	    "message-id",  "in-reply-to",  "references", "mime-version",
	    "content-",	   "dkim-",	   "arc-",	"authentication-results",
	    "x-ms-",	   "x-google-",	   "return-path", "date",
	    "delivered-to", "list-",	   "x-mailer",	"user-agent",
	    "thread-",	   "x-spam",	   "received-spf"};

	for (size_t i = 0; i < BSC_ARRAY_SIZE(skip); i++) {
		size_t n = strlen(skip[i]);

		if (skip[i][n - 1] == '-' ? !g_ascii_strncasecmp(name, skip[i], n)
					  : !g_ascii_strcasecmp(name, skip[i]))
			return true;
	}
	return false;
}

/* Other headers (X-Patient, Organization, Comments...) are text of the
 * message: nothing a mail carries is dropped unseen. */
static void
other_headers(struct mail *m, GMimeMessage *msg)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	int n = hl ? g_mime_header_list_get_count(hl) : 0;

	for (int i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *name = g_mime_header_get_name(h);
		const char *v = g_mime_header_get_value(h);

		if (!name || !v || !*v || skip_header(name))
			continue;
		emit_lines(m, v, strlen(v));
	}
}

/*
 * One message: its correspondents, then its own record (Subject, other
 * headers and text). A forwarded message inside ends the outer one's
 * record first.
 */
static void
message(struct mail *m, GMimeMessage *msg, unsigned depth)
{
	const char *subject = g_mime_message_get_subject(msg);

	addresses(m, msg);
	if (subject && *subject)
		bsc_fields_value(m->r->fields, m->subject_slot, subject,
				 strlen(subject));
	other_headers(m, msg);
	walk(m, g_mime_message_get_mime_part(msg), depth);
	bsc_fields_end_record(m->r->fields);
	m->r->records++;
}

/* The stream to parse: the file itself, or a bounded copy in memory. */
static GMimeStream *
open_stream(struct bsc_reader *r)
{
	unsigned char *buf;
	size_t len = 0;

	if (r->item->fd >= 0) {
		char path[64];
		int fd;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", r->item->fd);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			bsc_reader_read_elsewhere(r);
			return g_mime_stream_fs_new(fd); /* owns fd */
		}
	}
	buf = bsc_reader_slurp(r, "mail", &len);
	if (!buf)
		return NULL;
	/* The stream owns the array, which owns buf (freed with free). */
	return g_mime_stream_mem_new_with_byte_array(
		g_byte_array_new_take(buf, len));
}

static bsc_status
mail_read(struct bsc_reader *r)
{
	struct mail m = {.r = r};
	GMimeStream *stream;
	GMimeParser *parser;
	bsc_status ret = BSC_OK;

	pthread_once(&gmime_once, gmime_start);
	m.mbox = r->sniff->text_len > 5 && !memcmp(r->sniff->text, "From ", 5);
	r->format = m.mbox ? "mbox" : "eml";
	stream = open_stream(r);
	if (!stream)
		return BSC_FAILED;
	if (r->limits->max_time_ms)
		m.deadline_ms = now_ms() + (long long)r->limits->max_time_ms;
	m.text_slot = bsc_fields_slot(r->fields, BSC_SLOT_TEXT_NAME, 0);
	m.subject_slot = bsc_fields_slot(r->fields, "/mail/subject", 0);
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, m.mbox ? GMIME_FORMAT_MBOX
						: GMIME_FORMAT_MESSAGE);
	while (!m.stopped && !g_mime_parser_eos(parser)) {
		GMimeMessage *msg;

		if (m.deadline_ms && now_ms() > m.deadline_ms) {
			ret = bsc_reader_fail(r, BSC_WARN,
					      "stopped at --max-time after %lu "
					      "message(s)",
					      m.msgno);
			break;
		}
		msg = g_mime_parser_construct_message(parser, NULL);
		if (!msg) {
			if (!m.msgno)
				ret = bsc_reader_fail(r, BSC_FAILED,
						      "GMime found no message");
			else if (!g_mime_parser_eos(parser))
				ret = bsc_reader_fail(
				    r, BSC_WARN,
				    "the mailbox is damaged after message %lu",
				    m.msgno);
			break;
		}
		m.msgno++;
		if (m.mbox)
			snprintf(m.prefix, sizeof(m.prefix), "%lu/", m.msgno);
		bsc_fields_set_line(r->fields, m.msgno);
		message(&m, msg, 0);
		g_object_unref(msg);
		if (!m.mbox)
			break;
	}
	if (ret == BSC_OK && m.too_deep)
		ret = bsc_reader_fail(r, BSC_WARN,
				      "%llu MIME part(s) nested deeper than "
				      "--max-depth (%zu) not read",
				      m.too_deep, r->limits->max_nesting);
	if (m.stopped && ret == BSC_OK)
		ret = bsc_reader_fail(r, BSC_WARN, "the run was stopped");
	g_object_unref(parser);
	g_object_unref(stream);
	return ret;
}

const struct bsc_format bsc_format_mail = {
    .name = "mail",
    .bid = mail_bid,
    .read = mail_read,
};
