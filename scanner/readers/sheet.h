/*
 * sheet.h - a table being read from a spreadsheet (reader stage, used by
 * format_sheet.c for XLSX and ODS): cells in, records out, one sub-item
 * per sheet. The first rows are held until the header is decided the way
 * CSV decides it (bsc_csv_sniff on the rows as TSV, with the known column
 * names), then every row is one record, its cells named by the header.
 * Empty rows are no records; a row's bytes are bounded by --max-record.
 */
#ifndef BSC_SHEET_H
#define BSC_SHEET_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include "format.h"

struct bsc_sheet;

/* A sheet called name (a sub-item of the reader's item), or NULL when the
 * run is stopping. */
struct bsc_sheet *bsc_sheet_begin(struct bsc_reader *r, const char *name,
				  const char *format);
/* Start row number rownum (1-based, for reports). */
void bsc_sheet_row(struct bsc_sheet *s, unsigned long rownum);
/* One cell of the current row at column col (0-based). v is copied. */
void bsc_sheet_cell(struct bsc_sheet *s, size_t col, const char *v,
		    size_t len);
/* The current row is complete; repeat > 1 emits it that many times
 * (ODS number-rows-repeated; an empty row is never emitted). */
void bsc_sheet_row_end(struct bsc_sheet *s, unsigned long repeat);
/* End the sheet and report it: partial with reason when reason is not
 * NULL. Returns BSC_FATAL when the run must stop. Frees s. */
bsc_status bsc_sheet_end(struct bsc_sheet *s, const char *reason);

#endif
