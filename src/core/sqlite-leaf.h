/* SPDX-License-Identifier: MPL-2.0 */
/*
 * sqlite-leaf.h: the rows of an SQLite file read straight off its table-leaf
 * pages, without the b-tree above them: what is left when an interior page
 * (a table's root page among them) is destroyed and SQLite can reach none of
 * the rows below it. Pure: a buffer in, rows out through a callback.
 */
#ifndef MOZCERT_SQLITE_LEAF_H
#define MOZCERT_SQLITE_LEAF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One column value of a record: type is SQLITE_NULL, _INTEGER, _FLOAT, _BLOB or _TEXT. */
struct sqlpage_value {
	int type;
	const unsigned char *p;  /* BLOB and TEXT bytes (valid during the callback only) */
	size_t n;
	int64_t i;               /* INTEGER */
};

/* Called once per row: its rowid, page number and its values (column order of the table). */
typedef void (*sqlpage_row_fn)(void *ctx, int64_t rowid, uint32_t page, const struct sqlpage_value *v,
			       size_t ncols);

/*
 * Walk every table-leaf page (type 0x0d) of the file in buf, except page 1
 * (the schema) and the pages on the freelist (stale contents of deleted
 * rows), and call fn for each cell whose record parses, overflow chains
 * followed. The page size and reserved bytes come from the header when it is
 * sane, else 4096 and 0. Cells that do not parse are counted in *bad (may be
 * NULL). A last page the file's end cuts gives the cells that lie wholly
 * before the cut. Returns the number of rows passed to fn. *truncated (may be NULL)
 * says whether the header counts more pages than the file holds.
 */
size_t sqlpage_scan_leaves(const unsigned char *buf, size_t len, sqlpage_row_fn fn, void *ctx, size_t *bad,
			   bool *truncated);

/*
 * The rows of page 1 (sqlite_master: type, name, tbl_name, rootpage, sql)
 * when it is a table-leaf page: the schema read when SQLite refuses the file
 * (a truncated file whose indexes lie past its end). Returns the rows passed
 * to fn; 0 when the header or page 1 is unusable.
 */
size_t sqlpage_scan_schema(const unsigned char *buf, size_t len, sqlpage_row_fn fn, void *ctx);

/*
 * Rows of exactly want columns found at any offset of the pages a damaged
 * cell pointer array or page header no longer lets the leaf walk read (pages
 * of an unknown type, leaf pages with cells that do not parse): a record is
 * taken when its header and body fill its payload exactly. Rows the leaf walk
 * read come again (the caller drops rowids it has). Returns the rows passed.
 */
size_t sqlpage_carve_rows(const unsigned char *buf, size_t len, size_t want, sqlpage_row_fn fn, void *ctx);

/* What the b-tree of one table reaches. */
struct sqlpage_table {
	size_t leaves;   /* leaf pages present */
	size_t missing;  /* pages it points to past the end of the file (a partly cut one among them) */
	size_t damaged;  /* pages that are no b-tree page of a table, or a loop */
};

/*
 * Walk the table b-tree from its root page: a table whose every page is
 * present and sound lost no row to truncation, whatever else the file lost
 * (its indexes). A root that cannot be read counts as damaged.
 */
void sqlpage_table_pages(const unsigned char *buf, size_t len, uint32_t root, struct sqlpage_table *t);

#endif
