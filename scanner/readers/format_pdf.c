/*
 * format_pdf.c - the PDF reader: the text of each page through poppler
 * (poppler-glib), in-process. A page is a record (medical reports repeat
 * the patient's identity in each page's header), its lines free text as
 * the text reader yields them, located by page number.
 *
 * Bounded: pages (--max-members), text per page (--max-document), time
 * (--max-time, checked between pages), and the file itself: a PDF on disk
 * is read through its descriptor, one inside an archive or on a pipe is
 * copied into memory up to --max-seek-buffer. An encrypted PDF is opened
 * with the --password values; without the right one it is failed with
 * that reason. poppler's own messages are kept off stderr. It does not
 * OCR images: a scanned PDF has no text, and the note says so.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <poppler.h>

#include "format.h"

static int
pdf_bid(const struct bsc_sniff *s)
{
	size_t n = s->raw_len < 1024 ? s->raw_len : 1024;

	/* "%PDF-" may follow junk (readers look in the first KiB), but
	 * junk that is a container's header (a zip or tar holding a PDF
	 * stored first) is the container's: it must not bid as high as
	 * an office package, or the archive's other members go unread. */
	if (n >= 5 && !memcmp(s->raw, "%PDF-", 5))
		return 90;
	return memmem(s->raw, n, "%PDF-", 5) ? BSC_BID_PACKAGE - 1 : -1;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
quiet(const gchar *domain, GLogLevelFlags level, const gchar *msg,
      gpointer data)
{
	(void)domain;
	(void)level;
	(void)msg;
	(void)data;
}

/* poppler reports damaged files through GLib's log: not on our stderr
 * (README: only breachscope's own messages go there). Once per process. */
static void
silence_poppler(void)
{
	g_log_set_handler("Poppler", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL |
					 G_LOG_FLAG_RECURSION,
			  quiet, NULL);
}

static pthread_once_t silence_once = PTHREAD_ONCE_INIT;

/* The item in memory, at most --max-seek-buffer; NULL with r->reason. */
static GBytes *
load(struct bsc_reader *r)
{
	size_t len = 0;
	unsigned char *buf = bsc_reader_slurp(r, "PDF", &len);

	return buf ? g_bytes_new_with_free_func(buf, len, free, buf) : NULL;
}

/* Open with no password, then each --password. */
static PopplerDocument *
open_doc(struct bsc_reader *r, GBytes *bytes, bool *encrypted, char *why,
	 size_t whylen)
{
	size_t np = r->ctx->passwords.n;

	for (size_t i = 0; i <= np; i++) {
		const char *pw = i ? r->ctx->passwords.v[i - 1] : NULL;
		GError *err = NULL;
		PopplerDocument *doc;

		if (bytes) {
			doc = poppler_document_new_from_bytes(bytes, pw, &err);
		} else {
			/* A description of its own (a dup would share the
			 * item's offset); poppler takes it and closes it. */
			char path[64];
			int fd;

			snprintf(path, sizeof(path), "/proc/self/fd/%d",
				 r->item->fd);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				snprintf(why, whylen, "cannot reopen the file");
				return NULL;
			}
			doc = poppler_document_new_from_fd(fd, pw, &err);
		}
		if (doc)
			return doc;
		*encrypted = g_error_matches(err, POPPLER_ERROR,
					     POPPLER_ERROR_ENCRYPTED);
		snprintf(why, whylen, "%s", err ? err->message : "unknown");
		g_clear_error(&err);
		if (!*encrypted)
			return NULL;
	}
	return NULL;
}

/* One page's text: its lines, up to max bytes; true when cut. */
static bool
emit_page(struct bsc_reader *r, unsigned slot, const char *text,
	  unsigned long page)
{
	size_t len = strlen(text), max = r->limits->max_document;
	const char *p = text, *end;
	bool cut = len > max;

	end = text + (cut ? max : len);
	bsc_fields_set_line(r->fields, page);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		while (n > r->limits->max_field) {
			bsc_fields_value(r->fields, slot, p,
					 r->limits->max_field);
			p += r->limits->max_field;
			n -= r->limits->max_field;
		}
		if (n)
			bsc_fields_value(r->fields, slot, p, n);
		p += n + 1;
	}
	bsc_fields_end_record(r->fields);
	r->records++;
	return cut;
}

static bsc_status
pdf_read(struct bsc_reader *r)
{
	GBytes *bytes = NULL;
	PopplerDocument *doc;
	bool encrypted = false;
	char why[256];
	long long deadline = 0;
	int n, i;
	unsigned long long cut = 0, empty = 0;
	unsigned slot;
	bsc_status ret = BSC_OK;

	pthread_once(&silence_once, silence_poppler);
	r->format = "pdf";
	if (r->item->fd < 0) {
		bytes = load(r);
		if (!bytes)
			return BSC_FAILED;
	}
	doc = open_doc(r, bytes, &encrypted, why, sizeof(why));
	if (!bytes)
		bsc_reader_read_elsewhere(r);
	if (!doc) {
		if (bytes)
			g_bytes_unref(bytes);
		if (encrypted)
			return bsc_reader_fail(
			    r, BSC_FAILED,
			    "encrypted PDF: it needs a password (%s); give it "
			    "with --password",
			    r->ctx->passwords.n ? "none of the --password "
						  "values opened it"
						: "none given");
		return bsc_reader_fail(r, BSC_FAILED,
				       "not a readable PDF: %s", why);
	}
	if (r->limits->max_time_ms)
		deadline = now_ms() + (long long)r->limits->max_time_ms;
	slot = bsc_fields_slot(r->fields, BSC_SLOT_TEXT_NAME, 0);
	n = poppler_document_get_n_pages(doc);
	for (i = 0; i < n; i++) {
		PopplerPage *page;
		char *text;

		if ((uint64_t)i >= r->limits->max_members) {
			ret = bsc_reader_fail(r, BSC_WARN,
					      "pages after %d not read "
					      "(--max-members)",
					      i);
			break;
		}
		if (deadline && now_ms() > deadline) {
			ret = bsc_reader_fail(r, BSC_WARN,
					      "stopped at --max-time after "
					      "page %d of %d",
					      i, n);
			break;
		}
		page = poppler_document_get_page(doc, i);
		if (!page)
			continue;
		text = poppler_page_get_text(page);
		if (!text || !*text)
			empty++;
		else if (emit_page(r, slot, text, (unsigned long)i + 1))
			cut++;
		g_free(text);
		g_object_unref(page);
	}
	if (ret == BSC_OK && cut)
		ret = bsc_reader_fail(r, BSC_WARN,
				      "%llu page(s) with more text than "
				      "--max-document were cut",
				      cut);
	if (empty) {
		char note[128];

		snprintf(note, sizeof(note),
			 "%llu of %d page(s) have no text (scanned images are "
			 "not read: no OCR)",
			 empty, n);
		bsc_fields_note(r->fields, note);
	}
	g_object_unref(doc);
	if (bytes)
		g_bytes_unref(bytes);
	return ret;
}

const struct bsc_format bsc_format_pdf = {
    .name = "pdf",
    .bid = pdf_bid,
    .read = pdf_read,
};
