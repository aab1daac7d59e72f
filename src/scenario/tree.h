/* SPDX-License-Identifier: MIT */
/*
 * memsim's own document tree: what a parsed TOML file looks like to the C
 * code. The TOML library is seen only by toml_adapter.cpp, which builds this
 * tree and is the project's only C++ file.
 *
 * Every node remembers where it came from (1-based line and column), so
 * that the loader can point at the offending text. A table's entries are
 * in file order (the order their keys appear), whatever order the TOML
 * library keeps them in.
 */
#ifndef MS_SCENARIO_TREE_H
#define MS_SCENARIO_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum ms__tnode_type {
	MS__T_TABLE = 0,
	MS__T_ARRAY,
	MS__T_STRING,
	MS__T_INT,
	MS__T_FLOAT,
	MS__T_BOOL,
	MS__T_DATETIME,		/* kept as text; the schema never accepts one */
};

struct ms__tnode;

struct ms__tentry {
	char *key;
	unsigned line, column;	/* of the key */
	struct ms__tnode *val;
};

struct ms__tnode {
	enum ms__tnode_type type;
	unsigned line, column;	/* of the value */
	union {
		char *s;	/* STRING, DATETIME */
		int64_t i;
		double f;
		bool b;
		struct {
			size_t n;
			struct ms__tentry *e;
		} table;
		struct {
			size_t n;
			struct ms__tnode **v;
		} array;
	} u;
};

/* A parse failure: where and what (the library's own words). */
struct ms__toml_error {
	unsigned line, column;
	char message[256];
};

/*
 * Parse TOML text. Never throws; never lets an exception out.
 * @retval 0 and *out set (free with ms__tnode_free)
 * @retval -EINVAL a syntax error, described in *err
 * @retval -ENOMEM out of memory
 */
int ms__toml_parse(const char *text, size_t len, const char *file,
		   struct ms__tnode **out, struct ms__toml_error *err);

void ms__tnode_free(struct ms__tnode *n);

/* "a table", "an integer", ... for error messages. */
const char *ms__tnode_type_name(enum ms__tnode_type t);

/* The entry of table t with this key, or NULL. */
const struct ms__tentry *ms__table_find(const struct ms__tnode *t,
					const char *key);

#ifdef __cplusplus
}
#endif
#endif
