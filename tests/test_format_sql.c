/*
 * test_format_sql.c - the SQL dump reader (issue 13): bidding, tables as
 * sub-items with their columns named from CREATE TABLE or the statement,
 * MySQL and PostgreSQL escapes, COPY data, blobs, and the hostile cases
 * (a dump cut inside a statement, a string never closed, a value over
 * --max-field, a multi-megabyte INSERT).
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
	return bsc_format_sql.bid(&s);
}

/* Scan data written as name; the dump and its tables come back. */
static struct bsc_collect
scan_sql(struct bsc_ctx *ctx, const char *name, const char *data)
{
	struct bsc_collect c;
	const char *path =
	    bsc_write_file(bsc_tmpdir(), name, data, strlen(data));

	bsc_collect_scan(ctx, path, &c);
	return c;
}

/* The item whose path ends with suffix, or NULL. */
static const struct bsc_collected_item *
item_ending(const struct bsc_collect *c, const char *suffix)
{
	size_t n = strlen(suffix);

	for (size_t i = 0; i < c->n; i++) {
		size_t m = strlen(c->items[i].path);

		if (m >= n && !strcmp(c->items[i].path + m - n, suffix))
			return &c->items[i];
	}
	return NULL;
}

static const char mysql_dump[] =
    "-- MySQL dump 10.13  Distrib 8.0.36\n"
    "/*!40101 SET NAMES utf8mb4 */;\n"
    "DROP TABLE IF EXISTS `patients`;\n"
    "CREATE TABLE `patients` (\n"
    "  `id` int NOT NULL AUTO_INCREMENT,\n"
    "  `nom` varchar(50) DEFAULT NULL,\n"
    "  `prenom` varchar(50),\n"
    "  `date_naissance` date,\n"
    "  `email` varchar(100),\n"
    "  `diagnostic` varchar(10),\n"
    "  `photo` blob,\n"
    "  PRIMARY KEY (`id`),\n"
    "  KEY `idx_nom` (`nom`)\n"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n"
    "INSERT INTO `patients` VALUES "
    "(1,'O\\'BRIEN','Jean','1980-02-01','jean.obrien@exemple.fr','E11.9',"
    "_binary 'ab\\0\\'c'),"
    "(2,'MARTIN','Luc','1990-04-03','luc.martin@exemple.fr','I10',NULL),"
    "(3,'DURAND','Zo\xc3\xa9','1975-01-07',NULL,'J45',0x89504E47);\n"
    "CREATE TABLE `stock` (`ref` varchar(10), `qty` int);\n"
    "INSERT INTO `stock` VALUES ('A1',3),('B2',4);\n";

START_TEST(test_format_sql_bid_table)
{
	static const struct {
		const char *text;
		const char *ext;
		bool bids;
	} t[] = {
	    {mysql_dump, "", true},
	    {"--\n-- PostgreSQL database dump\n--\nSET x = 0;\n"
	     "COPY public.t (a) FROM stdin;\n1\n\\.\n",
	     "", true},
	    {"PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n"
	     "CREATE TABLE t(a);\nINSERT INTO t VALUES(1);\nCOMMIT;\n",
	     "", true},
	    {"CREATE INDEX i ON t (a);\n", "sql", true}, /* by its name */
	    {"CREATE INDEX i ON t (a);\n", "", false},
	    {"nom;prenom\nDUPONT;Jean\n", "csv", false},
	    {"Set up the printer, then copy the files.\n", "txt", false},
	    {"Notes: INSERT INTO the form\n", "", false},
	    {NULL, NULL, false},
	};

	for (int i = 0; t[i].text; i++)
		ck_assert_msg((bid(t[i].text, t[i].ext) > 0) == t[i].bids,
			      "case %d: bid %d", i, bid(t[i].text, t[i].ext));
	/* A dump outbids CSV (at most 34). */
	ck_assert_int_gt(bid(mysql_dump, ""), 34);
}
END_TEST

START_TEST(test_format_sql_mysql_tables)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c;
	const struct bsc_collected_item *dump, *p, *s;
	const struct bsc_collected_finding *f;

	ctx->show_values = true;
	c = scan_sql(ctx, "dump.sql", mysql_dump);
	ck_assert_uint_eq(c.n, 3);
	dump = item_ending(&c, "/dump.sql");
	p = item_ending(&c, "/dump.sql!/patients");
	s = item_ending(&c, "/dump.sql!/stock");
	ck_assert_ptr_nonnull(dump);
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(s);
	ck_assert(dump->archive);
	ck_assert_uint_eq(dump->members, 2);
	ck_assert_str_eq(dump->format, "sql");
	ck_assert_uint_eq(p->depth, 1);
	ck_assert_str_eq(p->container, dump->path);
	ck_assert_int_eq(p->status, BSC_ITEM_COMPLETE);
	ck_assert_uint_eq(p->records, 3);
	ck_assert_uint_eq(p->records_linked, 3);
	/* Columns named from CREATE TABLE; constraints are not columns. */
	f = bsc_collect_find(p, "last_name", 2);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->header, "nom");
	/* ... and found at the line that defines them, not in a row */
	ck_assert_uint_eq(f->line, 6);
	ck_assert_uint_eq(bsc_collect_find(p, "birth_date", 4)->line, 8);
	ck_assert_ptr_nonnull(bsc_collect_find(p, "diagnosis", 6));
	ck_assert_ptr_nonnull(p->note);
	ck_assert_ptr_nonnull(strstr(p->note, "2 binary value(s)"));
	ck_assert_uint_eq(s->records, 2);
	ck_assert_uint_eq(s->n_findings, 0);
	bsc_collect_free(&c);
	/* MySQL escapes in strings: \' and '' are quotes. */
	c = scan_sql(ctx, "q.sql",
		     "INSERT INTO t (nom, email) VALUES ('O\\'BRIEN', "
		     "'o''brien@exemple.fr');\n");
	p = item_ending(&c, "q.sql!/t");
	ck_assert_str_eq(bsc_collect_find(p, "last_name", 1)->sample,
			 "O'BRIEN");
	/* the e-mail rule keeps the part after the quote */
	ck_assert_str_eq(bsc_collect_find(p, "email", 2)->sample,
			 "brien@exemple.fr");
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_format_sql_pg_copy)
{
	static const char dump[] =
	    "--\n-- PostgreSQL database dump\n--\n"
	    "SET standard_conforming_strings = on;\n"
	    "COPY public.patients (id, nom, prenom, date_naissance, email, "
	    "diagnostic) FROM stdin;\n"
	    "1\tDUPONT\tZo\\303\\251\t1980-02-01\tjean.dupont@exemple.fr\tE11.9\n"
	    "2\tMARTIN\tL\\\\uc\\tx\t1990-04-03\t\\N\tI10\n"
	    "\\.\n"
	    "INSERT INTO public.patients VALUES (3, 'C:\\', 'Paul', "
	    "'1960-05-05', E'paul.roy@exemple.fr\\n', 'I50');\n";
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c;
	const struct bsc_collected_item *p;

	ctx->show_values = true;
	c = scan_sql(ctx, "pg.sql", dump);
	p = item_ending(&c, "/pg.sql!/public.patients");
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->status, BSC_ITEM_COMPLETE);
	/* The COPY rows and the INSERT row: one table, read in one piece. */
	ck_assert_uint_eq(c.n, 2);
	ck_assert_uint_eq(p->records, 3);
	ck_assert_str_eq(bsc_collect_find(p, "first_name", 3)->sample,
			 "Zoé"); /* octal escapes */
	/* \N is NULL; 'C:\' is a whole string (backslashes are literal
	 * in PostgreSQL), so the E'' string after it is read too. */
	ck_assert_uint_eq(bsc_collect_find(p, "email", 5)->count, 2);
	ck_assert_uint_eq(p->records_linked, 3);
	/* A column points at the line that names it, as a CSV column at
	 * its header: the COPY column list, line 5. */
	ck_assert_uint_eq(bsc_collect_find(p, "last_name", 2)->line, 5);
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* Rows of a table that come back after another table's: a second
 * sub-item, so that one table at a time is held. */
START_TEST(test_format_sql_table_again)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = scan_sql(
	    ctx, "again.sql",
	    "INSERT INTO a (email) VALUES ('a1@exemple.fr');\n"
	    "INSERT INTO b (email) VALUES ('b1@exemple.fr');\n"
	    "INSERT INTO a (email) VALUES ('a2@exemple.fr');\n");

	ck_assert_uint_eq(c.n, 4);
	ck_assert_ptr_nonnull(item_ending(&c, "again.sql!/a"));
	ck_assert_ptr_nonnull(item_ending(&c, "again.sql!/b"));
	ck_assert_ptr_nonnull(item_ending(&c, "again.sql!/a#2"));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* Hostile dumps: each is partial with its reason, rows before kept. */
START_TEST(test_format_sql_truncated)
{
	static const struct {
		const char *text;
		const char *reason;       /* of the table */
		unsigned long long rows;
	} t[] = {
	    /* cut after a row, before ';' */
	    {"INSERT INTO p VALUES ('a@exemple.fr'),('b@exemple.fr')",
	     "ends inside an INSERT statement", 2},
	    /* cut inside a row */
	    {"INSERT INTO p VALUES ('a@exemple.fr'),('b@ex",
	     "string that is never closed (from line 1)", 2},
	    /* a string that swallows the rest of the file */
	    {"INSERT INTO p VALUES ('a@exemple.fr'),('b\n);\n"
	     "INSERT INTO q VALUES ('c@exemple.fr');\n",
	     "string that is never closed", 2},
	    /* COPY without its end line */
	    {"COPY p (email) FROM stdin;\na@exemple.fr\nb@exemple.fr\n",
	     "COPY data without its end line", 2},
	    {NULL, NULL, 0},
	};
	struct bsc_ctx *ctx = bsc_test_ctx();

	for (int i = 0; t[i].text; i++) {
		struct bsc_collect c = scan_sql(ctx, "cut.sql", t[i].text);
		const struct bsc_collected_item *p =
		    item_ending(&c, "cut.sql!/p");
		const struct bsc_collected_item *d = item_ending(&c, "/cut.sql");

		ck_assert_msg(p != NULL, "case %d: no table", i);
		ck_assert_msg(p->status == BSC_ITEM_PARTIAL, "case %d: %d", i,
			      p->status);
		ck_assert_msg(strstr(p->reason, t[i].reason), "case %d: '%s'",
			      i, p->reason);
		ck_assert_msg(p->records == t[i].rows, "case %d: %llu rows", i,
			      p->records);
		ck_assert_int_eq(d->status, BSC_ITEM_PARTIAL);
		bsc_collect_free(&c);
	}
	bsc_ctx_free(ctx);
}
END_TEST

/* A string never closed outside any row still makes the dump partial:
 * the rows it swallowed are not silently lost. */
START_TEST(test_format_sql_unterminated_elsewhere)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = scan_sql(
	    ctx, "set.sql",
	    "SET @x = 'abc;\nINSERT INTO p VALUES (1);\nINSERT INTO p VALUES "
	    "(2);\n");
	const struct bsc_collected_item *d = item_ending(&c, "/set.sql");

	ck_assert_uint_eq(c.n, 1);
	ck_assert_int_eq(d->status, BSC_ITEM_PARTIAL);
	ck_assert_ptr_nonnull(strstr(d->reason, "never closed"));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* A multi-megabyte INSERT streams (one value at a time in memory); a
 * value over --max-field is cut and said so. */
START_TEST(test_format_sql_limits)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	size_t cap = 8u << 20, o = 0;
	char *big = bsc_zalloc(cap);
	struct bsc_collect c;
	const struct bsc_collected_item *p;

	o += (size_t)snprintf(big, cap,
			      "INSERT INTO p (id, email) VALUES ");
	for (int i = 0; i < 100000; i++)
		o += (size_t)snprintf(big + o, cap - o,
				      "%s(%d,'user%d@exemple.fr')",
				      i ? "," : "", i, i);
	snprintf(big + o, cap - o, ";\n");
	c = scan_sql(ctx, "big.sql", big);
	p = item_ending(&c, "big.sql!/p");
	ck_assert_int_eq(p->status, BSC_ITEM_COMPLETE);
	ck_assert_uint_eq(p->records, 100000);
	ck_assert_uint_eq(bsc_collect_find(p, "email", 2)->count, 100000);
	bsc_collect_free(&c);
	free(big);

	bsc_ctx_limits(ctx)->max_field = 16;
	c = scan_sql(ctx, "long.sql",
		     "INSERT INTO p VALUES ('a very long value indeed, over "
		     "sixteen bytes');\n");
	p = item_ending(&c, "long.sql!/p");
	ck_assert_int_eq(p->status, BSC_ITEM_PARTIAL);
	ck_assert_ptr_nonnull(strstr(p->reason, "--max-field"));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* INSERT ... SELECT carries no rows we can read: said, not skipped. */
START_TEST(test_format_sql_insert_select)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = scan_sql(
	    ctx, "sel.sql", "INSERT INTO p SELECT * FROM q;\n");
	const struct bsc_collected_item *d = item_ending(&c, "/sel.sql");

	ck_assert_int_eq(d->status, BSC_ITEM_PARTIAL);
	ck_assert_ptr_nonnull(strstr(d->reason, "without VALUES"));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

static Suite *
suite_format_sql(void)
{
	Suite *s = suite_create("format_sql");
	TCase *tb = tcase_create("bid");
	TCase *tt = tcase_create("tables");
	TCase *tl = tcase_create("limits");

	tcase_add_test(tb, test_format_sql_bid_table);
	tcase_add_test(tt, test_format_sql_mysql_tables);
	tcase_add_test(tt, test_format_sql_pg_copy);
	tcase_add_test(tt, test_format_sql_table_again);
	tcase_add_test(tl, test_format_sql_truncated);
	tcase_add_test(tl, test_format_sql_unterminated_elsewhere);
	tcase_add_test(tl, test_format_sql_limits);
	tcase_add_test(tl, test_format_sql_insert_select);
	tcase_set_timeout(tl, 60);
	suite_add_tcase(s, tb);
	suite_add_tcase(s, tt);
	suite_add_tcase(s, tl);
	return s;
}

BSC_TEST_MAIN(suite_format_sql)
