/* SPDX-License-Identifier: MIT */
/*
 * The C side of the document tree (tree.h): freeing and lookup. The tree
 * is built by toml_adapter.cpp with malloc, so it is freed here with free.
 */
#include <stdlib.h>
#include <string.h>

#include "scenario/tree.h"

void ms__tnode_free(struct ms__tnode *n)
{
	if (!n)
		return;
	switch (n->type) {
	case MS__T_TABLE:
		for (size_t i = 0; i < n->u.table.n; i++) {
			free(n->u.table.e[i].key);
			ms__tnode_free(n->u.table.e[i].val);
		}
		free(n->u.table.e);
		break;
	case MS__T_ARRAY:
		for (size_t i = 0; i < n->u.array.n; i++)
			ms__tnode_free(n->u.array.v[i]);
		free(n->u.array.v);
		break;
	case MS__T_STRING:
	case MS__T_DATETIME:
		free(n->u.s);
		break;
	default:
		break;
	}
	free(n);
}

const char *ms__tnode_type_name(enum ms__tnode_type t)
{
	switch (t) {
	case MS__T_TABLE: return "a table";
	case MS__T_ARRAY: return "an array";
	case MS__T_STRING: return "a string";
	case MS__T_INT: return "an integer";
	case MS__T_FLOAT: return "a float";
	case MS__T_BOOL: return "a boolean";
	case MS__T_DATETIME: return "a date or time";
	}
	return "a value";
}

const struct ms__tentry *ms__table_find(const struct ms__tnode *t,
					const char *key)
{
	if (!t || t->type != MS__T_TABLE)
		return NULL;
	for (size_t i = 0; i < t->u.table.n; i++)
		if (strcmp(t->u.table.e[i].key, key) == 0)
			return &t->u.table.e[i];
	return NULL;
}
