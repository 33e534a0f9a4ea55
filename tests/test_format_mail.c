/*
 * test_format_mail.c - the mail reader (issue 13): bidding (a message, an
 * mbox, and text that only looks like headers), correspondents and
 * messages as records, headers that are not addresses read as text,
 * attachments as members, and MIME nesting past --max-depth.
 */
#include <string.h>

#include "ctx.h"
#include "format.h"
#include "testlib.h"

static int
bid(const char *text, const char *ext)
{
	struct bsc_sniff s;

	memset(&s, 0, sizeof(s));
	s.raw = (const unsigned char *)text;
	s.raw_len = strlen(text);
	s.text = text;
	s.text_len = strlen(text);
	s.ext = ext;
	s.at_eof = true;
	return bsc_format_mail.bid(&s);
}

START_TEST(test_format_mail_bid_table)
{
	static const struct {
		const char *text;
		bool bids;
	} t[] = {
	    {"From: a@exemple.fr\nTo: b@exemple.fr\nSubject: x\n\nhi\n", true},
	    {"Received: from mx\n\tby mx2\nMessage-ID: <1@x>\nDate: Mon\n\n",
	     true},
	    {"From MAILER-DAEMON Mon Jun 30 12:00:00 2025\nFrom: a@x.fr\n"
	     "To: b@x.fr\nSubject: s\n\nbody\n",
	     true},
	    /* YAML keys in lower case are not mail headers */
	    {"date: 2024-01-01\nsubject: x\nfrom: y\nto: z\n\nname: a\n",
	     false},
	    /* common headers only: an HTTP-ish or notes file */
	    {"Date: Mon\nSubject: x\nTo: y\n\n", false},
	    {"HTTP/1.1 200 OK\nDate: Mon\nFrom: x\n\n", false},
	    {"nom;prenom\nDUPONT;Jean\n", false},
	    {NULL, false},
	};

	for (int i = 0; t[i].text; i++)
		ck_assert_msg((bid(t[i].text, "") > 0) == t[i].bids,
			      "case %d: bid %d", i, bid(t[i].text, ""));
	/* above CSV (at most 34) */
	ck_assert_int_gt(bid(t[0].text, ""), 34);
}
END_TEST

static const char mail[] =
    "From: Dr Martine LEFEBVRE <martine.lefebvre@exemple.fr>\n"
    "To: Secretariat <secretariat@exemple.fr>, Paul ROY "
    "<paul.roy@exemple.fr>\n"
    "Subject: Dossier de Jean DUPONT\n"
    "Message-ID: <1@exemple.fr>\n"
    "X-Patient: jean.dupont@exemple.fr\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\n"
    "\n"
    "--b1\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "Patient : Jean DUPONT, n=C3=A9 le 01/02/1980\n"
    "Diagnostic principal (CIM-10) : E11.9\n"
    "--b1\n"
    "Content-Type: text/csv; name=\"liste.csv\"\n"
    "Content-Disposition: attachment; filename=\"liste.csv\"\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    /* "email\nluc.martin@exemple.fr\n" */
    "ZW1haWwKbHVjLm1hcnRpbkBleGVtcGxlLmZyCg==\n"
    "--b1--\n";

START_TEST(test_format_mail_records_and_members)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c;
	const struct bsc_collected_item *m, *a;
	const char *path = bsc_write_file(bsc_tmpdir(), "m.eml", mail,
					  strlen(mail));

	bsc_collect_scan(ctx, path, &c);
	ck_assert_uint_eq(c.n, 2);
	m = &c.items[0];
	a = &c.items[1];
	if (strstr(m->path, "liste.csv")) {
		const struct bsc_collected_item *t = m;

		m = a;
		a = t;
	}
	ck_assert_str_eq(m->format, "eml");
	ck_assert_int_eq(m->status, BSC_ITEM_COMPLETE);
	/* 3 correspondents, and the message */
	ck_assert_uint_eq(m->records, 4);
	ck_assert_uint_eq(m->records_linked, 1);
	ck_assert_ptr_nonnull(
	    bsc_collect_find_at(m, "email", "/mail/from/email"));
	ck_assert_ptr_nonnull(bsc_collect_find_at(m, "email", "/mail/to/email"));
	ck_assert_ptr_nonnull(bsc_collect_find(m, "diagnosis", 0));
	ck_assert_ptr_nonnull(strstr(a->path, "m.eml!/liste.csv"));
	ck_assert_uint_eq(a->depth, 1);
	ck_assert_ptr_nonnull(bsc_collect_find(a, "email", 0));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* A bomb of nested multiparts stops at --max-depth: partial, said. */
START_TEST(test_format_mail_nesting)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	size_t cap = 1u << 20, o = 0;
	char *b = bsc_zalloc(cap);
	struct bsc_collect c;

	o += (size_t)snprintf(b, cap,
			      "From: a@exemple.fr\nTo: b@exemple.fr\n"
			      "Message-ID: <2@x>\nMIME-Version: 1.0\n");
	for (int k = 0; k < 300; k++)
		o += (size_t)snprintf(b + o, cap - o,
				      "Content-Type: multipart/mixed; "
				      "boundary=\"b%d\"\n\n--b%d\n",
				      k, k);
	o += (size_t)snprintf(b + o, cap - o,
			      "Content-Type: text/plain\n\nbottom@exemple.fr\n");
	for (int k = 299; k >= 0; k--)
		o += (size_t)snprintf(b + o, cap - o, "--b%d--\n", k);
	bsc_ctx_limits(ctx)->max_nesting = 16;
	c = bsc_collect_text(ctx, "bomb.eml", b);
	ck_assert_int_eq(c.items[0].status, BSC_ITEM_PARTIAL);
	ck_assert_ptr_nonnull(
	    strstr(c.items[0].reason, "deeper than --max-depth (16)"));
	bsc_collect_free(&c);
	free(b);
	bsc_ctx_free(ctx);
}
END_TEST

static Suite *
suite_format_mail(void)
{
	Suite *s = suite_create("format_mail");
	TCase *tb = tcase_create("bid");
	TCase *tr = tcase_create("records");
	TCase *tl = tcase_create("limits");

	tcase_add_test(tb, test_format_mail_bid_table);
	tcase_add_test(tr, test_format_mail_records_and_members);
	tcase_add_test(tl, test_format_mail_nesting);
	suite_add_tcase(s, tb);
	suite_add_tcase(s, tr);
	suite_add_tcase(s, tl);
	return s;
}

BSC_TEST_MAIN(suite_format_mail)
