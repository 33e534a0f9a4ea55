/*
 * test_format_hl7.c - the HL7 v2 reader: bidding, separators, escapes,
 * slot names and qualifiers (unit level, through bsc_hl7_split_segment),
 * then whole scans of the fixtures/hl7/ files and of generated files:
 * records and linkage, subjects, placeholders, NIR keys, malformed input,
 * limits and MSH-18.
 */
#include <string.h>

#include "format.h"
#include "format_hl7.h"
#include "testlib.h"

/* ---- helpers ---------------------------------------------------------- */

/* Values of one segment as "slot=value" lines. */
struct dump {
	char text[4096];
	size_t len;
	unsigned last_rep;
};

static void
dump_emit(void *data, const struct bsc_hl7_loc *loc, const char *v,
	  size_t len)
{
	struct dump *d = data;
	int w = snprintf(d->text + d->len, sizeof(d->text) - d->len,
			 "%s=%.*s\n", loc->slot, (int)len, v);

	if (w > 0 && (size_t)w < sizeof(d->text) - d->len)
		d->len += (size_t)w;
	d->last_rep = loc->rep;
}

static const char *
split(const char *seg, const struct bsc_hl7_delims *dl)
{
	static struct dump d;
	char buf[2048];
	size_t n = strlen(seg);

	memset(&d, 0, sizeof(d));
	ck_assert_uint_lt(n, sizeof(buf));
	memcpy(buf, seg, n);
	ck_assert(bsc_hl7_split_segment(buf, n, dl, dump_emit, &d));
	return d.text;
}

static const struct bsc_collected_finding *
find_at(const struct bsc_collected_item *it, const char *category,
	const char *header)
{
	for (size_t i = 0; i < it->n_findings; i++) {
		const struct bsc_collected_finding *f = &it->findings[i];

		if (!strcmp(f->category, category) && f->header &&
		    !strcmp(f->header, header))
			return f;
	}
	return NULL;
}

/* Is there any finding whose location starts with prefix? */
static bool
any_at(const struct bsc_collected_item *it, const char *prefix)
{
	for (size_t i = 0; i < it->n_findings; i++)
		if (it->findings[i].header &&
		    !strncmp(it->findings[i].header, prefix, strlen(prefix)))
			return true;
	return false;
}

static bool
in_list(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; (p = strstr(p, name)); p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

static struct bsc_collect
scan_fixture(struct bsc_ctx *ctx, const char *rel)
{
	struct bsc_collect c = bsc_collect_fixture(ctx, rel);

	ck_assert_str_eq(c.items[0].format, "hl7");
	return c;
}

static int
bid_of(const char *text, const char *ext)
{
	struct bsc_sniff s = {.text = text,
			      .text_len = strlen(text),
			      .raw = (const unsigned char *)text,
			      .raw_len = strlen(text),
			      .enc = BSC_ENC_UTF8,
			      .ext = ext,
			      .at_eof = true};

	return bsc_format_hl7.bid(&s);
}

/* ---- bid -------------------------------------------------------------- */

START_TEST(test_format_hl7_bid_table)
{
	static const struct {
		const char *text;
		const char *ext;
		int min, max; /* expected bid range; max < 0: no bid */
	} t[] = {
		{"MSH|^~\\&|A|B|||202401010000||ADT^A01|1|P|2.5\rPID|1\r", "",
		 50, 50},
		{"MSH|^~\\&|A|B\rPID|1\r", "hl7", 54, 54},
		{"\x0bMSH|^~\\&|A|B\rPID|1\r\x1c\r", "", 50, 50},
		{"\xEF\xBB\xBFMSH|^~\\&|A\nEVN|A01\n", "", 50, 50},
		{"\r\n\r\nMSH|^~\\&|A\r\nPID|1\r\n", "", 50, 50},
		{"FHS|^~\\&|APP\rBHS|^~\\&|APP\rMSH|^~\\&|A\r", "", 50, 50},
		{"BHS|^~\\&|APP\r", "", 40, 40},
		{"MSH!@~\\%!A!B\rPID!1\r", "", 50, 50},
		{"MSH|^~\\&#|A\rPID|1\r", "", 50, 50},   /* v2.7: 5 chars */
		{"MSH|^~|A\rPID|1\r", "", 30, 30},       /* 2 chars only */
		{"PID|1||X\rMSH|^~\\&|A|B\rPID|1\r", "", 36, 36}, /* lost MSH */
		{"PID|1||X\rPV1|1|I\r", "", -1, -1},     /* no MSH at all */
		{"MSH is a word in this text\n", "", -1, -1},
		{"MSH|^^\\&|A\r", "", -1, -1},           /* duplicate char */
		{"MSH|^~a&|A\r", "", -1, -1},            /* letter */
		{"a|b|c\n1|2|3\n4|5|6\n", "", -1, -1},
		{"", "", -1, -1},
		{NULL, NULL, 0, 0},
	};

	for (int i = 0; t[i].text; i++) {
		int b = bid_of(t[i].text, t[i].ext);

		if (t[i].max < 0)
			ck_assert_msg(b < 0, "case %d: bid %d", i, b);
		else
			ck_assert_msg(b >= t[i].min && b <= t[i].max,
				      "case %d: bid %d", i, b);
	}
}
END_TEST

/* A pipe-separated HL7 file must not go to the CSV reader. */
START_TEST(test_format_hl7_beats_csv)
{
	const char *text = "MSH|^~\\&|A|B|C|D|202401010000||ADT^A01|1|P|2.5\r"
			   "PID|1||1^^^H^PI||DOE^JOHN||19800101|M\r"
			   "PV1|1|I|W1^1^1\r";
	struct bsc_sniff s = {.text = text,
			      .text_len = strlen(text),
			      .raw = (const unsigned char *)text,
			      .raw_len = strlen(text),
			      .enc = BSC_ENC_UTF8,
			      .ext = "txt",
			      .at_eof = true};
	int bid = 0;
	const struct bsc_format *f = bsc_format_select(&s, &bid);

	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->name, "hl7");
	ck_assert_ptr_nonnull(bsc_format_find("hl7"));
	ck_assert_ptr_nonnull(strstr(bsc_format_names(), "hl7"));
}
END_TEST

/* ---- separators, escapes, splitting ----------------------------------- */

START_TEST(test_format_hl7_delims_table)
{
	static const struct {
		const char *seg;
		bool ok;
		struct bsc_hl7_delims d;
	} t[] = {
		{"MSH|^~\\&|A", true, {'|', '^', '~', '\\', '&'}},
		{"FHS|^~\\&|A", true, {'|', '^', '~', '\\', '&'}},
		{"BHS|^~\\&", true, {'|', '^', '~', '\\', '&'}},
		{"MSH!@~\\%!A", true, {'!', '@', '~', '\\', '%'}},
		{"MSH|^~\\&#|A", true, {'|', '^', '~', '\\', '&'}},
		{"MSH|^~|A", true, {'|', '^', '~', 0, 0}},
		{"MSH||A", false, {0}},
		{"MSH|^^\\&|A", false, {0}},
		{"MSH|^~a&|A", false, {0}},
		/* "&" is then MSH-3 */
		{"MSH|^~\\|&|A", true, {'|', '^', '~', '\\', 0}},
		{"MSH|^~\\&#$|A", false, {0}},     /* six characters */
		{"MSH ^~\\&|A", false, {0}},       /* space */
		{"PID|^~\\&|A", false, {0}},       /* no header segment */
		{"MSH|", false, {0}},
		{NULL, false, {0}},
	};

	for (int i = 0; t[i].seg; i++) {
		struct bsc_hl7_delims d = {'x', 'x', 'x', 'x', 'x'};
		bool ok = bsc_hl7_delims_parse(t[i].seg, strlen(t[i].seg), &d);

		ck_assert_msg(ok == t[i].ok, "case %d", i);
		if (ok)
			ck_assert_msg(!memcmp(&d, &t[i].d, sizeof(d)),
				      "case %d: separators", i);
		else
			ck_assert_msg(d.field == 'x' && d.sub == 'x',
				      "case %d: *d touched on failure", i);
	}
}
END_TEST

START_TEST(test_format_hl7_unescape_table)
{
	static const struct bsc_hl7_delims std = BSC_HL7_DELIMS_DEFAULT;
	static const struct bsc_hl7_delims odd = {'!', '@', '~', '?', '%'};
	static const struct {
		const char *in;
		const char *out;
		const struct bsc_hl7_delims *d;
	} t[] = {
		{"plain", "plain", &std},
		{"a\\F\\b", "a|b", &std},
		{"a\\S\\b\\T\\c\\R\\d\\E\\e", "a^b&c~d\\e", &std},
		{"\\X41\\", "A", &std},
		{"\\X40\\", "@", &std},
		{"H\\Xe9\\l\\Xe8\\ne", "H\xC3\xA9l\xC3\xA8ne", &std},
		{"\\XC3A9\\", "\xC3\xA9", &std},  /* valid UTF-8 kept */
		{"a\\X0D0A\\b", "a  b", &std},     /* controls -> spaces */
		{"\\X4\\", "\\X4\\", &std},        /* odd digits: literal */
		{"\\XZZ\\", "\\XZZ\\", &std},      /* not hex: literal */
		{"a\\.br\\b", "a b", &std},
		{"\\H\\bold\\N\\", "bold", &std},
		{"x\\Zlocal\\y", "xy", &std},
		{"x\\C2842\\y", "xy", &std},
		{"\\Q\\", "\\Q\\", &std},          /* unknown: literal */
		{"a\\Fb", "a\\Fb", &std},          /* unterminated */
		{"a\\", "a\\", &std},
		{"a?F?b?S?c", "a!b@c", &odd},
		{"a\\F\\b", "a\\F\\b", &odd},      /* '\' is no escape here */
		{NULL, NULL, NULL},
	};

	for (int i = 0; t[i].in; i++) {
		char buf[64];
		size_t n = strlen(t[i].in);

		memcpy(buf, t[i].in, n);
		n = bsc_hl7_unescape(buf, n, t[i].d);
		ck_assert_msg(n == strlen(t[i].out) &&
				      !memcmp(buf, t[i].out, n),
			      "case %d: got '%.*s'", i, (int)n, buf);
	}
}
END_TEST

START_TEST(test_format_hl7_split_table)
{
	static const struct bsc_hl7_delims std = BSC_HL7_DELIMS_DEFAULT;
	static const struct {
		const char *seg;
		const char *values;
	} t[] = {
		/* MSH: MSH-1/2 are not values; MSH-3 is the first one */
		{"MSH|^~\\&|APP|FAC|||20240101||ADT^A01^ADT_A01|42|P|2.5",
		 "MSH-3=APP\nMSH-4=FAC\nMSH-7=20240101\nMSH-9.1=ADT\n"
		 "MSH-9.2=A01\nMSH-9.3=ADT_A01\nMSH-10=42\nMSH-11=P\n"
		 "MSH-12=2.5\n"},
		/* CX: the type code qualifies component 1 only */
		{"PID|1||123^^^H&1.2.3&ISO^PI~279035121518989^^^ASIP&"
		 "1.2.250.1.213.1.4.10&ISO^INS",
		 "PID-1=1\nPID-3.1[PI]=123\nPID-3.4.1=H\nPID-3.4.2=1.2.3\n"
		 "PID-3.4.3=ISO\nPID-3.5=PI\nPID-3.1[INS]=279035121518989\n"
		 "PID-3.4.1=ASIP\nPID-3.4.2=1.2.250.1.213.1.4.10\n"
		 "PID-3.4.3=ISO\nPID-3.5=INS\n"},
		/* CX without a type: the authority's OID qualifies */
		{"PID|||999^^^X&1.2.250.1.213.1.4.8&ISO",
		 "PID-3.1[1.2.250.1.213.1.4.8]=999\nPID-3.4.1=X\n"
		 "PID-3.4.2=1.2.250.1.213.1.4.8\nPID-3.4.3=ISO\n"},
		/* a composite without separators is its component 1 */
		{"PID|||PATID||DOE", "PID-3.1=PATID\nPID-5.1=DOE\n"},
		/* XPN, TS, IS */
		{"PID|||||DOE^JOHN^J^^^^L||19800101|M",
		 "PID-5.1=DOE\nPID-5.2=JOHN\nPID-5.3=J\nPID-5.7=L\n"
		 "PID-7=19800101\nPID-8=M\n"},
		/* XAD: every component gets the address type */
		{"PID|||||||||||1 rue A^^PARIS^^75001^FRA^H~^^^^^^BDL^^63220",
		 "PID-11.1[H]=1 rue A\nPID-11.3[H]=PARIS\nPID-11.5[H]=75001\n"
		 "PID-11.6[H]=FRA\nPID-11.7[H]=H\nPID-11.7[BDL]=BDL\n"
		 "PID-11.9[BDL]=63220\n"},
		/* XTN: equipment type (else use code) qualifies component 1 */
		{"PID|||||||||||||^PRN^PH^^^^^^^^^0612345678~"
		 "a@b.fr^NET^Internet~(555)555-2004",
		 "PID-13.2=PRN\nPID-13.3=PH\nPID-13.12=0612345678\n"
		 "PID-13.1[Internet]=a@b.fr\nPID-13.2=NET\nPID-13.3=Internet\n"
		 "PID-13.1=(555)555-2004\n"},
		{"PID|||||||||||||x@y.fr^NET",
		 "PID-13.1[NET]=x@y.fr\nPID-13.2=NET\n"},
		/* OBX-5 gets the value type OBX-2 */
		{"OBX|1|NM|2345-7^Glucose^LN||5.4|mmol/L",
		 "OBX-1=1\nOBX-2=NM\nOBX-3.1=2345-7\nOBX-3.2=Glucose\n"
		 "OBX-3.3=LN\nOBX-5[NM]=5.4\nOBX-6=mmol/L\n"},
		{"OBX|1|ED|X||^TEXT^XML^Base64^QUJD",
		 "OBX-1=1\nOBX-2=ED\nOBX-3=X\nOBX-5.2[ED]=TEXT\n"
		 "OBX-5.3[ED]=XML\nOBX-5.4[ED]=Base64\nOBX-5.5[ED]=QUJD\n"},
		/* RXA-5 gets its coding system */
		{"RXA|0|1|20240101||08^HepB^CVX",
		 "RXA-1=0\nRXA-2=1\nRXA-3=20240101\nRXA-5.1[CVX]=08\n"
		 "RXA-5.2[CVX]=HepB\nRXA-5.3[CVX]=CVX\n"},
		/* XCN: the identifier type qualifies component 1 */
		{"PV1|1|I|||||10000000009^GARNIER^Paul^^^^^^A&1.2&ISO^D^^^RPPS",
		 "PV1-1=1\nPV1-2=I\nPV1-7.1[RPPS]=10000000009\n"
		 "PV1-7.2=GARNIER\n"
		 "PV1-7.3=Paul\nPV1-7.9.1=A\nPV1-7.9.2=1.2\nPV1-7.9.3=ISO\n"
		 "PV1-7.10=D\nPV1-7.13=RPPS\n"},
		/* subcomponents without components keep component 1 */
		{"OBR||||||||||||||||||||||||||||||||L07&LABBIO&JULIE",
		 "OBR-32.1.1=L07\nOBR-32.1.2=LABBIO\nOBR-32.1.3=JULIE\n"},
		/* "" is the HL7 null; spaces trimmed; escapes decoded */
		{"NTE|1|\"\"|  a\\T\\b  ", "NTE-1=1\nNTE-3=a&b\n"},
		/* a qualifier keeps [A-Za-z0-9.-], at most 48 bytes */
		{"PID|||1^^^^A B/C", "PID-3.1[A-B-C]=1\nPID-3.5=A B/C\n"},
		/* Z-segments and trailing separators */
		{"ZBE|001^CHU|20240306||INSERT|",
		 "ZBE-1.1=001\nZBE-1.2=CHU\nZBE-2=20240306\nZBE-4=INSERT\n"},
		{"PV1", ""},
		{NULL, NULL},
	};

	for (int i = 0; t[i].seg; i++) {
		const char *got = split(t[i].seg, &std);

		ck_assert_msg(!strcmp(got, t[i].values),
			      "case %d:\n--- got\n%s--- want\n%s", i, got,
			      t[i].values);
	}
}
END_TEST

START_TEST(test_format_hl7_split_rejects)
{
	static const struct bsc_hl7_delims std = BSC_HL7_DELIMS_DEFAULT;
	static const char *const bad[] = {"", "PI", "pid|1", "1ID|1",
					  "PID^1", "PID 1", NULL};
	static struct dump d;

	for (int i = 0; bad[i]; i++) {
		char buf[16];
		size_t n = strlen(bad[i]);

		memcpy(buf, bad[i], n);
		ck_assert_msg(!bsc_hl7_split_segment(buf, n, &std, dump_emit,
						     &d),
			      "case %d", i);
	}
	ck_assert_uint_eq(d.len, 0);
}
END_TEST

START_TEST(test_format_hl7_repetition_index)
{
	static const struct bsc_hl7_delims std = BSC_HL7_DELIMS_DEFAULT;

	static struct dump d;
	char buf[] = "PID|||1^^^^PI~2^^^^INS~3";

	/* the last value seen (3) is in repetition 3 */
	bsc_hl7_split_segment(buf, strlen(buf), &std, dump_emit, &d);
	ck_assert_uint_eq(d.last_rep, 3);
	ck_assert_str_eq(d.text, "PID-3.1[PI]=1\nPID-3.5=PI\nPID-3.1[INS]=2\n"
				 "PID-3.5=INS\nPID-3.1=3\n");
}
END_TEST

START_TEST(test_format_hl7_custom_separators_split)
{
	static const struct bsc_hl7_delims odd = {'!', '@', '~', '\\', '%'};

	ck_assert_str_eq(split("PID!1!!7@@@H%1.2%M@PI~9@@@X@INS!!DOE@JOHN",
			       &odd),
			 "PID-1=1\nPID-3.1[PI]=7\nPID-3.4.1=H\nPID-3.4.2=1.2\n"
			 "PID-3.4.3=M\nPID-3.5=PI\nPID-3.1[INS]=9\n"
			 "PID-3.4=X\nPID-3.5=INS\nPID-5.1=DOE\nPID-5.2=JOHN\n");
}
END_TEST

START_TEST(test_format_hl7_types_sorted)
{
	ck_assert(bsc_hl7_types_sorted());
}
END_TEST

START_TEST(test_format_hl7_head_charset)
{
	char cs[32];
	const char *h1 = "\x0bMSH|^~\\&|A|B|C|D|2024||ADT^A01|1|P|2.5|||||FRA|"
			 "8859/1~UNICODE UTF-8|FR\rPID|1\r";
	const char *h2 = "MSH|^~\\&|A|B|C|D|2024||ADT^A01|1|P|2.5\r";
	const char *h3 = "PID|1\rMSH!@~\\%!A!B!C!D!2024!!ADT@A01!1!P!2.5!!!!"
			 "!FRA!UNICODE UTF-8\r";

	ck_assert(bsc_hl7_head_charset(h1, strlen(h1), cs, sizeof(cs)));
	ck_assert_str_eq(cs, "8859/1");
	ck_assert(!bsc_hl7_head_charset(h2, strlen(h2), cs, sizeof(cs)));
	ck_assert(bsc_hl7_head_charset(h3, strlen(h3), cs, sizeof(cs)));
	ck_assert_str_eq(cs, "UNICODE UTF-8");
	ck_assert(!bsc_hl7_head_charset(h1, strlen(h1), cs, 4));
}
END_TEST

/* ---- fixtures --------------------------------------------------------- */

START_TEST(test_format_hl7_adt_pam_fr)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c =
		scan_fixture(ctx, "hl7/adt-a28-a01-a08-a04.hl7");
	const struct bsc_collected_item *it = &c.items[0];
	const struct bsc_collected_finding *f;

	ck_assert_int_eq(it->status, BSC_ITEM_COMPLETE);
	ck_assert_uint_eq(it->records, 4);
	ck_assert_uint_eq(it->records_identity, 4);
	ck_assert_uint_eq(it->records_medical, 3); /* not the A28 */
	ck_assert_uint_eq(it->records_linked, 3);
	/* INS (key valid) apart from the IPP */
	f = find_at(it, "national_id", "PID-3.1[INS]");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->confidence, BSC_CONF_HIGH);
	ck_assert_uint_eq(f->evidence,
			  BSC_EVIDENCE_HEADER | BSC_EVIDENCE_VALUE);
	ck_assert_int_eq(f->subject, BSC_SUBJECT_PATIENT);
	ck_assert_ptr_nonnull(
		find_at(it, "national_id", "PID-3.1[1.2.250.1.213.1.4.10]"));
	ck_assert_ptr_nonnull(find_at(it, "national_id", "PID-3.1[NH]"));
	f = find_at(it, "patient_id", "PID-3.1[PI]");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->count, 4);
	ck_assert_ptr_nonnull(find_at(it, "patient_id", "PID-18.1[AN]"));
	ck_assert_ptr_null(find_at(it, "national_id", "PID-3.1[PI]"));
	/* names, birth, sex, address; the BDL repetition is a birth place */
	ck_assert_ptr_nonnull(find_at(it, "last_name", "PID-5.1"));
	ck_assert_ptr_nonnull(find_at(it, "first_name", "PID-5.2"));
	ck_assert_ptr_nonnull(find_at(it, "birth_date", "PID-7"));
	ck_assert_ptr_nonnull(find_at(it, "sex", "PID-8"));
	ck_assert_ptr_nonnull(find_at(it, "address", "PID-11.1[H]"));
	ck_assert_ptr_nonnull(find_at(it, "postal_code", "PID-11.5[H]"));
	ck_assert_ptr_nonnull(find_at(it, "city", "PID-11.9[BDL]"));
	ck_assert_ptr_nonnull(find_at(it, "city", "PID-11.3[BDL]"));
	ck_assert(!any_at(it, "PID-11.1[BDL]"));
	ck_assert_ptr_null(find_at(it, "postal_code", "PID-11.9[BDL]"));
	/* telecom: phone in XTN.12, e-mail with NET / Internet */
	f = find_at(it, "phone", "PID-13.12");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->confidence, BSC_CONF_HIGH);
	ck_assert_ptr_nonnull(find_at(it, "email", "PID-13.4"));
	ck_assert_ptr_null(find_at(it, "phone", "PID-13.4"));
	/* professionals apart from the patient */
	f = find_at(it, "last_name", "PV1-7.2");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->subject, BSC_SUBJECT_PROFESSIONAL);
	/* the RPPS type code gives the Luhn rule its context */
	f = find_at(it, "professional_id", "PV1-7.1[RPPS]");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->subject, BSC_SUBJECT_PROFESSIONAL);
	ck_assert_uint_eq(f->evidence,
			  BSC_EVIDENCE_HEADER | BSC_EVIDENCE_VALUE);
	ck_assert_int_eq(find_at(it, "last_name", "PD1-4.2")->subject,
			 BSC_SUBJECT_PROFESSIONAL);
	ck_assert_int_eq(find_at(it, "phone", "ROL-12.12")->subject,
			 BSC_SUBJECT_PROFESSIONAL);
	ck_assert_int_eq(find_at(it, "address", "ROL-11.1[O]")->subject,
			 BSC_SUBJECT_PROFESSIONAL);
	/* related persons */
	ck_assert_int_eq(find_at(it, "last_name", "NK1-2.1")->subject,
			 BSC_SUBJECT_RELATED);
	ck_assert_int_eq(find_at(it, "phone", "NK1-5.12")->subject,
			 BSC_SUBJECT_RELATED);
	ck_assert_int_eq(find_at(it, "last_name", "IN1-16.1")->subject,
			 BSC_SUBJECT_RELATED);
	ck_assert_int_eq(find_at(it, "birth_date", "IN1-18")->subject,
			 BSC_SUBJECT_RELATED);
	/* medical */
	f = find_at(it, "diagnosis", "DG1-3.1");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->confidence, BSC_CONF_HIGH);
	ck_assert_int_eq(f->subject, BSC_SUBJECT_PATIENT);
	ck_assert_ptr_nonnull(find_at(it, "encounter", "PV1-2"));
	ck_assert_ptr_nonnull(find_at(it, "encounter", "PV2-3.2"));
	/* routing data is not a diagnosis (MSH-9.2 A01, EVN) */
	ck_assert(!any_at(it, "MSH-"));
	ck_assert(!any_at(it, "EVN-"));
	ck_assert(in_list(it->medical, "diagnosis"));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_format_hl7_oru_lf)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = scan_fixture(ctx, "hl7/oru-r01-lf.hl7");
	const struct bsc_collected_item *it = &c.items[0];
	const struct bsc_collected_finding *f;

	ck_assert_int_eq(it->status, BSC_ITEM_COMPLETE);
	ck_assert_uint_eq(it->records, 2);
	ck_assert_uint_eq(it->records_linked, 2);
	f = find_at(it, "observation", "OBX-5[NM]");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->count, 3);
	ck_assert_int_eq(f->subject, BSC_SUBJECT_PATIENT);
	ck_assert_ptr_nonnull(find_at(it, "observation", "OBX-3.1"));
	ck_assert_ptr_nonnull(find_at(it, "observation", "OBX-5.1[CE]"));
	ck_assert_ptr_nonnull(find_at(it, "observation", "OBX-5[ST]"));
	ck_assert_ptr_nonnull(find_at(it, "observation", "OBR-4.1"));
	ck_assert_int_eq(find_at(it, "last_name", "OBR-16.2")->subject,
			 BSC_SUBJECT_PROFESSIONAL);
	ck_assert_int_eq(find_at(it, "last_name", "ORC-12.2")->subject,
			 BSC_SUBJECT_PROFESSIONAL);
	ck_assert_int_eq(find_at(it, "last_name", "PID-5.1")->subject,
			 BSC_SUBJECT_PATIENT);
	ck_assert_ptr_nonnull(find_at(it, "clinical_note", "NTE-3"));
	/* Findings point at the line of their segment. */
	ck_assert_uint_eq(find_at(it, "last_name", "PID-5.1")->line, 2);
	ck_assert_uint_eq(find_at(it, "last_name", "ORC-12.2")->line, 3);
	ck_assert_uint_eq(find_at(it, "clinical_note", "NTE-3")->line, 8);
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* CR, LF and CRLF each end one line; MLLP bytes end none. */
START_TEST(test_format_hl7_segment_lines)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = bsc_collect_text(
		ctx, "lines.hl7",
		"\x0bMSH|^~\\&|APP|FAC|APP|FAC|202401010000||ADT^A01|1|P|2.5\r\n"
		"EVN|A01|202401010000\r"
		"PID|1||123456^^^HOP^PI||DUPONT^JEAN||19800101|M\n"
		"PV1|1|I\r\x1c\r\n");
	const struct bsc_collected_item *it = &c.items[0];

	ck_assert_int_eq(it->status, BSC_ITEM_COMPLETE);
	ck_assert_uint_eq(find_at(it, "last_name", "PID-5.1")->line, 3);
	ck_assert_uint_eq(find_at(it, "birth_date", "PID-7")->line, 3);
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_format_hl7_mllp_mdm)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = scan_fixture(ctx, "hl7/oru-mdm-mllp.hl7");
	const struct bsc_collected_item *it = &c.items[0];
	const struct bsc_collected_finding *f;

	ck_assert_int_eq(it->status, BSC_ITEM_COMPLETE);
	ck_assert_uint_eq(it->records, 2);
	ck_assert_uint_eq(it->records_linked, 2);
	f = find_at(it, "clinical_note", "OBX-5.5[ED]");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->subject, BSC_SUBJECT_PATIENT);
	/* the ED code components are not observations */
	ck_assert(!any_at(it, "OBX-5.4[ED]"));
	/* TXA-2 is the document type, a code: not a note (issue 12) */
	ck_assert_ptr_null(find_at(it, "clinical_note", "TXA-2.1"));
	ck_assert_int_eq(find_at(it, "last_name", "TXA-5.2")->subject,
			 BSC_SUBJECT_PROFESSIONAL);
	ck_assert_ptr_nonnull(find_at(it, "observation", "OBX-5[NM]"));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_format_hl7_batch)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = scan_fixture(ctx, "hl7/batch-fhs-bhs.hl7");
	const struct bsc_collected_item *it = &c.items[0];

	ck_assert_int_eq(it->status, BSC_ITEM_COMPLETE);
	ck_assert_uint_eq(it->records, 3);
	ck_assert_uint_eq(it->records_identity, 3);
	ck_assert_uint_eq(it->records_medical, 0);
	ck_assert_uint_eq(find_at(it, "last_name", "PID-5.1")->count, 3);
	ck_assert_uint_eq(find_at(it, "national_id", "PID-3.1[INS]")->count,
			  3);
	ck_assert(!any_at(it, "FHS-") && !any_at(it, "BHS-"));
	ck_assert(!any_at(it, "BTS-") && !any_at(it, "FTS-"));
	ck_assert_str_eq(it->medical, "");
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* Separators come from each MSH: both messages give the same slots. */
START_TEST(test_format_hl7_custom_separators)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = scan_fixture(ctx, "hl7/custom-separators.hl7");
	const struct bsc_collected_item *it = &c.items[0];

	ck_assert_int_eq(it->status, BSC_ITEM_COMPLETE);
	ck_assert_uint_eq(it->records, 2);
	ck_assert_uint_eq(it->records_linked, 2);
	ck_assert_uint_eq(find_at(it, "last_name", "PID-5.1")->count, 2);
	ck_assert_uint_eq(find_at(it, "national_id", "PID-3.1[INS]")->count,
			  2);
	ck_assert_uint_eq(find_at(it, "patient_id", "PID-3.1[PI]")->count, 2);
	ck_assert_uint_eq(find_at(it, "diagnosis", "DG1-3.1")->count, 2);
	ck_assert_uint_eq(find_at(it, "postal_code", "PID-11.5[H]")->count, 2);
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_format_hl7_escapes)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c;
	const struct bsc_collected_item *it;
	const struct bsc_collected_finding *f;

	bsc_ctx_set_show_values(ctx, true);
	c = scan_fixture(ctx, "hl7/escapes.hl7");
	it = &c.items[0];
	ck_assert_int_eq(it->status, BSC_ITEM_COMPLETE);
	/* \Xe9\ and \Xe8\ are ISO-8859-1 bytes: decoded to UTF-8 */
	ck_assert_str_eq(find_at(it, "first_name", "PID-5.2")->sample,
			 "H\xC3\xA9l\xC3\xA8ne");
	ck_assert_ptr_null(strstr(find_at(it, "address", "PID-11.1[H]")->sample,
				  "\\T\\"));
	/* the e-mail exists only once \X40\ is decoded */
	f = find_at(it, "email", "NTE-3");
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->sample, "helene.dartois@exemple.fr");
	ck_assert_int_eq(f->confidence, BSC_CONF_HIGH);
	/* The sample is the lab-result match in the decoded text: \H\ and
	 * \N\ (highlighting) are gone. \F\, \R\ and the others are
	 * checked one by one in test_format_hl7_unescape_table. */
	f = find_at(it, "observation", "OBX-5[FT]");
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->sample, "HbA1c \xC3\xA9lev\xC3\xA9" "e");
	ck_assert_ptr_null(strstr(f->sample, "\\H\\"));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* An ACK-only file gives zero findings: MSH-9.2 "A01" is no CIM-10. */
START_TEST(test_format_hl7_ack_clean)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = scan_fixture(ctx, "hl7/clean-ack.hl7");
	const struct bsc_collected_item *it = &c.items[0];

	ck_assert_int_eq(it->status, BSC_ITEM_COMPLETE);
	ck_assert_uint_eq(it->records, 2);
	ck_assert_uint_eq(it->n_findings, 0);
	ck_assert_str_eq(it->identity, "");
	ck_assert_str_eq(it->medical, "");
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_format_hl7_placeholders)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c =
		scan_fixture(ctx, "hl7/oru-r01-placeholders.hl7");
	const struct bsc_collected_item *it = &c.items[0];

	ck_assert_int_eq(it->status, BSC_ITEM_COMPLETE);
	ck_assert_uint_eq(it->records, 2);
	ck_assert_str_eq(it->identity, "");
	ck_assert_str_eq(it->medical, "observation");
	ck_assert_uint_eq(it->records_identity, 0);
	ck_assert_uint_eq(it->records_linked, 0);
	/* the positions are listed, low, with the reason */
	for (size_t i = 0; i < it->n_findings; i++) {
		const struct bsc_collected_finding *f = &it->findings[i];

		if (strncmp(f->header, "PID-", 4))
			continue;
		ck_assert_int_eq(f->confidence, BSC_CONF_LOW);
		ck_assert_uint_eq(f->count, 0);
	}
	ck_assert_ptr_nonnull(find_at(it, "last_name", "PID-5.1"));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_format_hl7_latin1_msh18)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c;
	const struct bsc_collected_item *it;

	bsc_ctx_set_show_values(ctx, true);
	c = scan_fixture(ctx, "hl7/adt-a08-latin1.hl7");
	it = &c.items[0];
	ck_assert_int_eq(it->status, BSC_ITEM_COMPLETE);
	ck_assert_str_eq(it->encoding, "windows-1252");
	ck_assert_str_eq(find_at(it, "first_name", "PID-5.2")->sample,
			 "J\xC3\xA9r\xC3\xB4me");
	ck_assert_str_eq(find_at(it, "city", "PID-11.3[H]")->sample,
			 "\xC3\x89vreux");
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* ---- malformed input -------------------------------------------------- */

START_TEST(test_format_hl7_bad_no_msh)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c;
	const struct bsc_collected_item *it;

	bsc_ctx_set_show_values(ctx, true);
	c = scan_fixture(ctx, "hl7/bad-no-msh.hl7");
	it = &c.items[0];
	ck_assert_int_eq(it->status, BSC_ITEM_PARTIAL);
	ck_assert_ptr_nonnull(strstr(it->reason, "outside any message"));
	ck_assert_ptr_nonnull(strstr(it->reason, "first at segment 1"));
	ck_assert_uint_eq(it->records, 1);
	/* the orphan PID was skipped, the next message read */
	for (size_t i = 0; i < it->n_findings; i++)
		ck_assert_ptr_null(
			strstr(it->findings[i].sample, "SANSENTETE"));
	ck_assert_uint_eq(find_at(it, "last_name", "PID-5.1")->count, 1);
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_format_hl7_bad_truncated)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c;
	const struct bsc_collected_item *it;

	bsc_ctx_set_show_values(ctx, true);
	c = scan_fixture(ctx, "hl7/bad-truncated.hl7");
	it = &c.items[0];
	ck_assert_int_eq(it->status, BSC_ITEM_PARTIAL);
	ck_assert_ptr_nonnull(strstr(it->reason, "unusable MSH"));
	ck_assert_ptr_nonnull(strstr(it->reason, "MLLP frame not closed"));
	ck_assert_uint_eq(it->records, 2);
	for (size_t i = 0; i < it->n_findings; i++)
		ck_assert_ptr_null(strstr(it->findings[i].sample, "TRONQUE"));
	/* the cut message was still read */
	ck_assert_ptr_nonnull(find_at(it, "observation", "OBX-3.1"));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* Any message count of damage, in any order: never a crash. */
START_TEST(test_format_hl7_damage_mix)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = bsc_collect_text(
		ctx, "mix.hl7",
		"MSH|^~\\&|A\r"                          /* no MSH-9 */
		"PID|1||1^^^H^PI||LOST^ONE\r"
		"\x0b\x0b"                               /* frame in frame */
		"MSH|^~\\&|A|B|||2024||ADT^A01|2|P|2.5\r"
		"PID|1||2^^^H^PI||KEPT^TWO\r"
		"this line is no segment: jean.dupont@exemple.fr\r"
		"\x1c\r"
		"BTS|1\r"
		"PID|1||3^^^H^PI||ORPHAN^THREE\r"        /* after the batch */
		"MSH|\r"                                 /* bad separators */
		"MSH|^~\\&|A|B|||2024||ADT^A01|4|P|2.5\r"
		"PID|1||4^^^H^PI||KEPT^FOUR\r");
	const struct bsc_collected_item *it = &c.items[0];
	const struct bsc_collected_finding *f;

	ck_assert_int_eq(it->status, BSC_ITEM_PARTIAL);
	ck_assert_uint_eq(it->records, 2);
	ck_assert_uint_eq(find_at(it, "last_name", "PID-5.1")->count, 2);
	/* a non-segment line inside a message is free text */
	f = bsc_collect_find(it, "email", 0);
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_null(f->header);
	ck_assert_ptr_nonnull(strstr(it->reason, "2 messages with an "
						 "unusable MSH"));
	ck_assert_ptr_nonnull(strstr(it->reason, "1 group of segments"));
	ck_assert_ptr_nonnull(strstr(it->reason, "MLLP frame"));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* ---- values, subjects, linkage ---------------------------------------- */

START_TEST(test_format_hl7_nir_key)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	/* 185057800608491 has a valid key, 185057800608492 does not */
	struct bsc_collect c = bsc_collect_text(
		ctx, "bad.hl7",
		"MSH|^~\\&|A|B|||2024||ADT^A28|1|P|2.5\r"
		"PID|1||185057800608492^^^ASIP-SANTE-INS-NIR&"
		"1.2.250.1.213.1.4.8&ISO^INS||DOE^JOHN\r");
	const struct bsc_collected_finding *f =
		find_at(&c.items[0], "national_id", "PID-3.1[INS]");

	/* key-invalid in an INS position: the structure says it is a
	 * social-security number (issue 12): high, with the key noted */
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->confidence, BSC_CONF_HIGH);
	ck_assert_ptr_nonnull(f->note);
	ck_assert_ptr_nonnull(strstr(f->note, "key invalid"));
	ck_assert(in_list(c.items[0].identity, "national_id"));
	bsc_collect_free(&c);
	c = bsc_collect_text(ctx, "good.hl7",
		      "MSH|^~\\&|A|B|||2024||ADT^A28|1|P|2.5\r"
		      "PID|1||185057800608491^^^ASIP-SANTE-INS-NIR&1.2.250.1."
		      "213.1.4.8&ISO^INS||DOE^JOHN\r");
	f = find_at(&c.items[0], "national_id", "PID-3.1[INS]");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->confidence, BSC_CONF_HIGH);
	ck_assert(in_list(c.items[0].identity, "national_id"));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* PID + OBX or DG1 is linked; a doctor's name next to results is not. */
START_TEST(test_format_hl7_linkage)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = bsc_collect_text(
		ctx, "link.hl7",
		/* 1: patient name + result: linked */
		"MSH|^~\\&|A|B|||2024||ORU^R01|1|P|2.5\r"
		"PID|1||1^^^H^PI||DOE^JOHN\r"
		"OBX|1|NM|2345-7^Glucose^LN||5.4\r"
		/* 2: patient name + diagnosis: linked */
		"MSH|^~\\&|A|B|||2024||ADT^A08|2|P|2.5\r"
		"PID|1||2^^^H^PI||ROE^JANE\r"
		"DG1|1||E11.9^Diabete^I10\r"
		/* 3: only the IPP and the ordering doctor: not linked */
		"MSH|^~\\&|A|B|||2024||ORU^R01|3|P|2.5\r"
		"PID|1||3^^^H^PI\r"
		"OBR|1|||2345-7^Glucose^LN||||||||||||"
		"10000000009^GARNIER^Paul\r"
		"OBX|1|NM|2345-7^Glucose^LN||6.1\r"
		/* 4: patient name only */
		"MSH|^~\\&|A|B|||2024||ADT^A28|4|P|2.5\r"
		"PID|1||4^^^H^PI||POE^JIM\r");
	const struct bsc_collected_item *it = &c.items[0];

	ck_assert_uint_eq(it->records, 4);
	ck_assert_uint_eq(it->records_identity, 4);
	ck_assert_uint_eq(it->records_medical, 3);
	ck_assert_uint_eq(it->records_linked, 2);
	ck_assert_int_eq(find_at(it, "last_name", "OBR-16.2")->subject,
			 BSC_SUBJECT_PROFESSIONAL);
	bsc_collect_free(&c);
	/* a doctor named in a result text is a professional, and does not
	 * link the result to a person */
	c = bsc_collect_text(ctx, "dr.hl7",
		      "MSH|^~\\&|A|B|||2024||ORU^R01|1|P|2.5\r"
		      "PID|1||5^^^H^PI\r"
		      "OBX|1|TX|8251-1^Note^LN||Revu par le Dr Martin.\r");
	it = &c.items[0];
	ck_assert_int_eq(find_at(it, "last_name", "OBX-5[TX]")->subject,
			 BSC_SUBJECT_PROFESSIONAL);
	ck_assert_uint_eq(it->records_identity, 1);
	ck_assert_uint_eq(it->records_linked, 0);
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* Z-segments and unknown segments still go through the value rules. */
START_TEST(test_format_hl7_z_segment_free_text)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = bsc_collect_text(
		ctx, "z.hl7",
		"MSH|^~\\&|A|B|||2024||ADT^A01|1|P|2.5\r"
		"PID|1||1^^^H^PI\r"
		"ZFD|||Y|N|INSI|2021|jean.dupont@exemple.fr\r"
		"ZZZ|NIR 185057800608491\r");
	const struct bsc_collected_item *it = &c.items[0];
	const struct bsc_collected_finding *f;

	f = find_at(it, "email", "ZFD-7");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->subject, BSC_SUBJECT_UNKNOWN);
	ck_assert_ptr_nonnull(find_at(it, "national_id", "ZZZ-1"));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* ---- limits and encodings --------------------------------------------- */

START_TEST(test_format_hl7_segment_limit)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	size_t big = 20000;
	char *data = malloc(big + 512);
	const char *path;
	struct bsc_collect c;
	size_t n = 0;

	n += (size_t)sprintf(data + n, "MSH|^~\\&|A|B|||2024||ORU^R01|1|P|2.5\r"
				       "OBX|1|ED|X||^TEXT^XML^Base64^");
	memset(data + n, 'Q', big);
	n += big;
	n += (size_t)sprintf(data + n, "\rPID|1||1^^^H^PI||DOE^JOHN\r");
	path = bsc_write_file(bsc_tmpdir(), "long.hl7", data, n);
	bsc_ctx_limits(ctx)->max_record = 8192;
	c = bsc_collect_one(ctx, path);
	ck_assert_int_eq(c.items[0].status, BSC_ITEM_PARTIAL);
	ck_assert_ptr_nonnull(strstr(c.items[0].reason, "--max-record"));
	ck_assert_ptr_nonnull(strstr(c.items[0].reason, "8K"));
	/* the rest of the message was read */
	ck_assert_uint_eq(c.items[0].records, 1);
	ck_assert_ptr_nonnull(find_at(&c.items[0], "last_name", "PID-5.1"));
	bsc_collect_free(&c);
	free(data);
	bsc_ctx_free(ctx);
}
END_TEST

/* A value longer than --max-field is scanned in pieces, nothing lost. */
START_TEST(test_format_hl7_long_value)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	size_t big = 200000;
	char *data = malloc(big + 512);
	const char *path;
	struct bsc_collect c;
	size_t n = 0;

	n += (size_t)sprintf(data + n, "MSH|^~\\&|A|B|||2024||ORU^R01|1|P|2.5\r"
				       "NTE|1||");
	memset(data + n, 'a', big);
	n += big;
	n += (size_t)sprintf(data + n, " jean.dupont@exemple.fr\r");
	path = bsc_write_file(bsc_tmpdir(), "longv.hl7", data, n);
	bsc_ctx_limits(ctx)->max_field = 65536;
	c = bsc_collect_one(ctx, path);
	ck_assert_int_eq(c.items[0].status, BSC_ITEM_COMPLETE);
	ck_assert_ptr_nonnull(find_at(&c.items[0], "email", "NTE-3"));
	bsc_collect_free(&c);
	free(data);
	bsc_ctx_free(ctx);
}
END_TEST

/*
 * MSH-18 8859/1 with an all-ASCII head: the Latin-1 bytes past the head
 * are read as Windows-1252, not replaced. Without MSH-18 the same bytes
 * are invalid UTF-8: replaced, and the item is partial.
 */
static char *
latin1_file(const char *charset, size_t *len)
{
	size_t cap = 200000, n = 0;
	char *d = malloc(cap);

	while (n < 80000) {
		n += (size_t)sprintf(d + n,
				     "MSH|^~\\&|A|B|||2024||ADT^A28|%zu|P|2.5||"
				     "|||FRA|%s\rPID|1||%zu^^^H^PI||DOE^JOHN\r",
				     n, charset, n);
	}
	n += (size_t)sprintf(d + n,
			     "MSH|^~\\&|A|B|||2024||ADT^A28|x|P|2.5|||||FRA|"
			     "%s\rPID|1||9^^^H^PI||H\xE9LOISE^Ren\xE9\r",
			     charset);
	*len = n;
	return d;
}

START_TEST(test_format_hl7_msh18_switch)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	size_t n;
	char *d = latin1_file("8859/1", &n);
	const char *path = bsc_write_file(bsc_tmpdir(), "l1.hl7", d, n);
	struct bsc_collect c;

	c = bsc_collect_one(ctx, path);
	ck_assert_str_eq(c.items[0].encoding, "windows-1252");
	ck_assert_int_eq(c.items[0].status, BSC_ITEM_COMPLETE);
	bsc_collect_free(&c);
	free(d);
	d = latin1_file("UNICODE UTF-8", &n);
	path = bsc_write_file(bsc_tmpdir(), "u8.hl7", d, n);
	c = bsc_collect_one(ctx, path);
	ck_assert_str_eq(c.items[0].encoding, "utf-8");
	ck_assert_int_eq(c.items[0].status, BSC_ITEM_PARTIAL);
	ck_assert_ptr_nonnull(strstr(c.items[0].reason, "not valid utf-8"));
	bsc_collect_free(&c);
	free(d);
	bsc_ctx_free(ctx);
}
END_TEST

/* Deterministic junk made of HL7 separators and segment ids. */
START_TEST(test_format_hl7_junk_no_crash)
{
	static const char alphabet[] = "MSHPIDOBX|^~\\&\r\n\x0b\x1c 019aZ";
	static const char head[] = "MSH|^~\\&|A|B|||2024||ADT^A01|1|P|2.5\r";
	struct bsc_ctx *ctx = bsc_test_ctx();
	size_t n = 60000;
	char *d = malloc(n);
	unsigned long long x = 0x9E3779B97F4A7C15ull;

	memcpy(d, head, sizeof(head) - 1);
	for (size_t i = sizeof(head) - 1; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		d[i] = alphabet[x % (sizeof(alphabet) - 1)];
	}
	for (int round = 0; round < 3; round++) {
		struct bsc_collect c;
		char name[32];

		snprintf(name, sizeof(name), "junk%d.hl7", round);
		bsc_ctx_limits(ctx)->max_record = round == 2 ? 64 : 1 << 20;
		bsc_ctx_limits(ctx)->max_field = round == 1 ? 16 : 1 << 20;
		c = bsc_collect_one(ctx, bsc_write_file(bsc_tmpdir(), name, d, n));
		ck_assert_str_eq(c.items[0].format, "hl7");
		ck_assert(c.items[0].status == BSC_ITEM_COMPLETE ||
			  c.items[0].status == BSC_ITEM_PARTIAL);
		bsc_collect_free(&c);
	}
	free(d);
	bsc_ctx_free(ctx);
}
END_TEST

static Suite *
suite_format_hl7(void)
{
	Suite *s = suite_create("format_hl7");
	TCase *tb = tcase_create("bid");
	TCase *tp = tcase_create("parse");
	TCase *tf = tcase_create("fixtures");
	TCase *tm = tcase_create("malformed");
	TCase *tv = tcase_create("values");
	TCase *tl = tcase_create("limits");

	tcase_add_test(tb, test_format_hl7_bid_table);
	tcase_add_test(tb, test_format_hl7_beats_csv);
	tcase_add_test(tp, test_format_hl7_delims_table);
	tcase_add_test(tp, test_format_hl7_unescape_table);
	tcase_add_test(tp, test_format_hl7_split_table);
	tcase_add_test(tp, test_format_hl7_split_rejects);
	tcase_add_test(tp, test_format_hl7_repetition_index);
	tcase_add_test(tp, test_format_hl7_custom_separators_split);
	tcase_add_test(tp, test_format_hl7_types_sorted);
	tcase_add_test(tp, test_format_hl7_head_charset);
	tcase_add_test(tf, test_format_hl7_adt_pam_fr);
	tcase_add_test(tf, test_format_hl7_oru_lf);
	tcase_add_test(tf, test_format_hl7_segment_lines);
	tcase_add_test(tf, test_format_hl7_mllp_mdm);
	tcase_add_test(tf, test_format_hl7_batch);
	tcase_add_test(tf, test_format_hl7_custom_separators);
	tcase_add_test(tf, test_format_hl7_escapes);
	tcase_add_test(tf, test_format_hl7_ack_clean);
	tcase_add_test(tf, test_format_hl7_placeholders);
	tcase_add_test(tf, test_format_hl7_latin1_msh18);
	tcase_add_test(tm, test_format_hl7_bad_no_msh);
	tcase_add_test(tm, test_format_hl7_bad_truncated);
	tcase_add_test(tm, test_format_hl7_damage_mix);
	tcase_add_test(tv, test_format_hl7_nir_key);
	tcase_add_test(tv, test_format_hl7_linkage);
	tcase_add_test(tv, test_format_hl7_z_segment_free_text);
	tcase_add_test(tl, test_format_hl7_segment_limit);
	tcase_add_test(tl, test_format_hl7_long_value);
	tcase_add_test(tl, test_format_hl7_msh18_switch);
	tcase_add_test(tl, test_format_hl7_junk_no_crash);
	tcase_set_timeout(tl, 60);
	suite_add_tcase(s, tb);
	suite_add_tcase(s, tp);
	suite_add_tcase(s, tf);
	suite_add_tcase(s, tm);
	suite_add_tcase(s, tv);
	suite_add_tcase(s, tl);
	return s;
}

BSC_TEST_MAIN(suite_format_hl7)
