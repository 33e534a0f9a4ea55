/*
 * format_sqlite.c - the SQLite reader: an application's database file
 * (.db, .sqlite, recognised by its 16-byte magic, whatever its name).
 * Every table is a sub-item ("app.db!/patients", struct bsc_subitems),
 * one record per row, its columns named by the table.
 *
 * Read through libsqlite3, never written: a file on disk is opened by a
 * URI with mode=ro and immutable=1 (no lock, no journal, no -wal or -shm
 * file is created next to it, in the scanned tree or anywhere); an item
 * that is not a plain file (an archive member, a pipe) is copied into
 * memory, up to --max-seek-buffer, and opened with sqlite3_deserialize
 * read-only, so nothing is extracted to disk. Extensions cannot be
 * loaded, the schema is not trusted (defensive mode, trusted_schema off:
 * views and triggers are never run, only tables are read) and a progress
 * handler stops a query past the time budget. Virtual tables are not read
 * (their modules could run code); their shadow tables are.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "format.h"

#define MAGIC "SQLite format 3"
/* Tables reported per database, at most (beyond: said, not read). */
#define CHUNK 65536

static int
sqlite_bid(const struct bsc_sniff *s)
{
	if (s->raw_len >= 16 && !memcmp(s->raw, MAGIC, 16))
		return 90;
	return -1;
}

struct lite {
	struct bsc_reader *r;
	sqlite3 *db;
	long long deadline_ms;
	bool timed_out;
	unsigned char *image; /* in-memory copy, or NULL */
	char where[16];       /* "file" or "memory" */
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Stops a query past the deadline (non-zero interrupts it). */
static int
progress(void *data)
{
	struct lite *l = data;

	if (l->deadline_ms && now_ms() > l->deadline_ms) {
		l->timed_out = true;
		return 1;
	}
	return 0;
}

/* Lock down the connection before anything of the file is read. */
static void
harden(sqlite3 *db)
{
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
	sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
}

/* Open the file behind the item's descriptor, read-only and immutable. */
static bool
open_file(struct lite *l)
{
	char uri[64];
	int fd = l->r->item->fd;

	if (fd < 0)
		return false;
	snprintf(uri, sizeof(uri), "file:/proc/self/fd/%d?mode=ro&immutable=1",
		 fd);
	if (sqlite3_open_v2(uri, &l->db,
			    SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
				SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		sqlite3_close(l->db);
		l->db = NULL;
		return false;
	}
	snprintf(l->where, sizeof(l->where), "file");
	return true;
}

/* Copy the item into memory (bounded) and open the copy. */
static bsc_status
open_memory(struct lite *l)
{
	struct bsc_reader *r = l->r;
	uint64_t max = r->limits->max_seek_buffer;
	size_t cap = CHUNK, len = 0;
	unsigned char *buf = sqlite3_malloc64(cap);

	for (;;) {
		ssize_t n;

		if (len == cap) {
			unsigned char *nb;

			if (cap >= max) {
				char sz[32];

				sqlite3_free(buf);
				bsc_format_size(max, sz, sizeof(sz));
				return bsc_reader_fail(
				    r, BSC_FAILED,
				    "SQLite file not on disk and larger than "
				    "--max-seek-buffer (%s): not read; extract "
				    "it or raise the limit",
				    sz);
			}
			cap = cap * 2 > max ? (size_t)max : cap * 2;
			nb = sqlite3_realloc64(buf, cap);
			if (!nb) {
				sqlite3_free(buf);
				return bsc_reader_fail(r, BSC_FAILED,
						       "out of memory");
			}
			buf = nb;
		}
		n = bsc_item_read(r->item, buf + len, cap - len);
		if (n < 0) {
			sqlite3_free(buf);
			return bsc_reader_fail(r, BSC_FAILED,
					       "read error in the SQLite file");
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	/* A WAL-mode image (bytes 18-19 = 2) is read as a rollback one:
	 * this is our copy, and memory has no WAL. */
	if (len > 19 && buf[18] == 2 && buf[19] == 2)
		buf[18] = buf[19] = 1;
	if (sqlite3_open_v2(":memory:", &l->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		sqlite3_free(buf);
		return bsc_reader_fail(r, BSC_FAILED, "cannot open SQLite");
	}
	harden(l->db);
	/* FREEONCLOSE: SQLite owns buf from here. */
	if (sqlite3_deserialize(l->db, "main", buf, (sqlite3_int64)len,
				(sqlite3_int64)len,
				SQLITE_DESERIALIZE_READONLY |
				    SQLITE_DESERIALIZE_FREEONCLOSE) !=
	    SQLITE_OK)
		return bsc_reader_fail(r, BSC_FAILED,
				       "not a readable SQLite database: %s",
				       sqlite3_errmsg(l->db));
	snprintf(l->where, sizeof(l->where), "memory");
	return BSC_OK;
}

/* "name" with its double quotes doubled, as an SQL identifier. */
static char *
quote_ident(const char *name)
{
	size_t n = strlen(name), o = 0;
	char *q = bsc_zalloc(2 * n + 3);

	q[o++] = '"';
	for (size_t i = 0; i < n; i++) {
		if (name[i] == '"')
			q[o++] = '"';
		q[o++] = name[i];
	}
	q[o++] = '"';
	return q;
}

/* Read one table into its own sub-item. */
static bsc_status
read_table(struct lite *l, const char *name)
{
	struct bsc_reader *r = l->r;
	char *q = quote_ident(name);
	char *sql = bsc_zalloc(strlen(q) + 32);
	sqlite3_stmt *st = NULL;
	struct bsc_fields *f;
	unsigned long long rows = 0, blobs = 0, cut = 0;
	unsigned *slots = NULL;
	int ncols = 0, rc;
	bsc_status status = BSC_OK;
	char reason[300] = "";

	snprintf(sql, strlen(q) + 32, "SELECT * FROM %s", q);
	f = bsc_reader_sub_begin(r, name);
	if (!f) {
		free(q);
		free(sql);
		return BSC_FATAL;
	}
	rc = sqlite3_prepare_v2(l->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		status = BSC_FAILED;
		snprintf(reason, sizeof(reason), "SQLite cannot read it: %s",
			 sqlite3_errmsg(l->db));
		goto out;
	}
	ncols = sqlite3_column_count(st);
	if ((size_t)ncols > r->limits->max_columns)
		ncols = (int)r->limits->max_columns;
	slots = bsc_zalloc(((size_t)ncols + 1) * sizeof(unsigned));
	for (int c = 0; c < ncols; c++)
		slots[c] = bsc_fields_slot(f, sqlite3_column_name(st, c),
					   (unsigned)c + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int c = 0; c < ncols; c++) {
			int t = sqlite3_column_type(st, c);
			const unsigned char *v;
			size_t len;

			if (t == SQLITE_NULL)
				continue;
			if (t == SQLITE_BLOB) {
				blobs++;
				continue;
			}
			v = sqlite3_column_text(st, c);
			len = (size_t)sqlite3_column_bytes(st, c);
			if (!v || !len)
				continue;
			if (len > r->limits->max_field) {
				len = r->limits->max_field;
				cut++;
			}
			bsc_fields_value(f, slots[c], (const char *)v, len);
		}
		bsc_fields_end_record(f);
		rows++;
	}
	if (rc != SQLITE_DONE) {
		status = rows ? BSC_WARN : BSC_FAILED;
		if (l->timed_out)
			snprintf(reason, sizeof(reason),
				 "stopped at the time budget (--max-time) "
				 "after %llu row(s)",
				 rows);
		else
			snprintf(reason, sizeof(reason),
				 "SQLite stopped after %llu row(s): %s", rows,
				 sqlite3_errmsg(l->db));
	} else if (cut) {
		status = BSC_WARN;
		snprintf(reason, sizeof(reason),
			 "%llu value(s) longer than --max-field were cut", cut);
	}
	if (blobs) {
		char note[96];

		snprintf(note, sizeof(note),
			 "%llu binary value(s) (blobs) not scanned", blobs);
		bsc_fields_note(f, note);
	}
out:
	sqlite3_finalize(st);
	free(slots);
	free(q);
	free(sql);
	return bsc_reader_sub_end(r, f, "sqlite", status, reason, rows, 0);
}

/* Every table in creation order; virtual tables are counted, not read. */
static bsc_status
read_tables(struct lite *l)
{
	struct bsc_reader *r = l->r;
	sqlite3_stmt *st = NULL;
	unsigned long long virt = 0, over = 0, n = 0;
	bsc_status ret = BSC_OK;
	int rc;
	/* Names are copied out first: reading a table while this statement
	 * is open is fine for SQLite, but keeps the schema locked. */
	char **names = NULL;

	rc = sqlite3_prepare_v2(l->db,
				"SELECT name, sql FROM sqlite_schema WHERE "
				"type = 'table' ORDER BY rowid",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return bsc_reader_fail(r, BSC_FAILED,
				       "not a readable SQLite database: %s",
				       sqlite3_errmsg(l->db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		const char *sql = (const char *)sqlite3_column_text(st, 1);

		if (!name)
			continue;
		if (sql && !strncasecmp(sql, "CREATE VIRTUAL", 14)) {
			virt++;
			continue;
		}
		if (n >= r->limits->max_members) {
			over++;
			continue;
		}
		names = bsc_reallocarray(names, n + 1, sizeof(char *));
		names[n++] = bsc_strdup(name);
	}
	if (rc != SQLITE_DONE)
		ret = bsc_reader_fail(r, n ? BSC_WARN : BSC_FAILED,
				      "the SQLite schema cannot be read: %s",
				      sqlite3_errmsg(l->db));
	sqlite3_finalize(st);
	for (size_t i = 0; i < n; i++) {
		if (ret != BSC_FATAL && read_table(l, names[i]) == BSC_FATAL)
			ret = BSC_FATAL;
		free(names[i]);
	}
	free(names);
	if (ret == BSC_FATAL)
		return bsc_reader_fail(r, BSC_WARN, "the run was stopped");
	if (virt) {
		char note[96];

		snprintf(note, sizeof(note),
			 "%llu virtual table(s) not read (their shadow tables "
			 "are)",
			 virt);
		bsc_fields_note(r->fields, note);
	}
	if (over && ret == BSC_OK)
		ret = bsc_reader_fail(r, BSC_WARN,
				      "%llu table(s) beyond --max-members not "
				      "read",
				      over);
	return ret;
}

static bsc_status
sqlite_read(struct bsc_reader *r)
{
	struct lite l = {.r = r};
	bsc_status ret;

	r->format = "sqlite";
	if (r->limits->max_time_ms)
		l.deadline_ms = now_ms() + (long long)r->limits->max_time_ms;
	if (open_file(&l)) {
		harden(l.db);
		bsc_reader_read_elsewhere(r);
	} else {
		ret = open_memory(&l);
		if (ret != BSC_OK) {
			sqlite3_close(l.db);
			return ret;
		}
	}
	sqlite3_progress_handler(l.db, 1000, progress, &l);
	ret = read_tables(&l);
	sqlite3_close(l.db);
	return ret;
}

const struct bsc_format bsc_format_sqlite = {
    .name = "sqlite",
    .bid = sqlite_bid,
    .read = sqlite_read,
};
