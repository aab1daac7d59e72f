// SPDX-License-Identifier: MIT
/*
 * The TOML adapter: the project's only C++ and the only code that sees the
 * TOML library (toml++). It parses a document and copies it into memsim's
 * own C tree (tree.h), with the line and column of every key and value.
 *
 * Invariant: no C++ exception leaves this file. Everything the library or
 * the standard library may throw is caught at the C boundary and turned
 * into -EINVAL (a syntax error, described) or -ENOMEM.
 */
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <sstream>
#include <string>

#include <toml++/toml.h>

#include "scenario/tree.h"

namespace {

struct oom {};

char *dup_str(std::string_view s)
{
	char *p = static_cast<char *>(malloc(s.size() + 1));

	if (!p)
		throw oom();
	memcpy(p, s.data(), s.size());
	p[s.size()] = '\0';
	return p;
}

ms__tnode *new_node(ms__tnode_type type, const toml::source_region &src)
{
	auto *n = static_cast<ms__tnode *>(calloc(1, sizeof(ms__tnode)));

	if (!n)
		throw oom();
	n->type = type;
	n->line = src.begin.line;
	n->column = src.begin.column;
	return n;
}

template <typename T> std::string to_text(const T &v)
{
	std::ostringstream os;

	os << v;
	return os.str();
}

ms__tnode *convert(const toml::node &node);

/* Entries in file order: toml++ keeps a table's keys sorted by name. */
bool entry_before(const ms__tentry &a, const ms__tentry &b)
{
	if (a.line != b.line)
		return a.line < b.line;
	return a.column < b.column;
}

ms__tnode *convert_table(const toml::table &t)
{
	ms__tnode *n = new_node(MS__T_TABLE, t.source());

	try {
		if (!t.empty()) {
			n->u.table.e = static_cast<ms__tentry *>(
				calloc(t.size(), sizeof(ms__tentry)));
			if (!n->u.table.e)
				throw oom();
		}
		for (auto &&[k, v] : t) {
			ms__tentry *e = &n->u.table.e[n->u.table.n];

			e->key = dup_str(k.str());
			e->line = k.source().begin.line;
			e->column = k.source().begin.column;
			n->u.table.n++;
			e->val = convert(v);
		}
	} catch (...) {
		ms__tnode_free(n);
		throw;
	}
	std::stable_sort(n->u.table.e, n->u.table.e + n->u.table.n,
			 entry_before);
	return n;
}

ms__tnode *convert_array(const toml::array &a)
{
	ms__tnode *n = new_node(MS__T_ARRAY, a.source());

	try {
		if (!a.empty()) {
			n->u.array.v = static_cast<ms__tnode **>(
				calloc(a.size(), sizeof(ms__tnode *)));
			if (!n->u.array.v)
				throw oom();
		}
		for (const toml::node &v : a) {
			n->u.array.v[n->u.array.n] = convert(v);
			n->u.array.n++;
		}
	} catch (...) {
		ms__tnode_free(n);
		throw;
	}
	return n;
}

ms__tnode *convert(const toml::node &node)
{
	ms__tnode *n;

	switch (node.type()) {
	case toml::node_type::table:
		return convert_table(*node.as_table());
	case toml::node_type::array:
		return convert_array(*node.as_array());
	case toml::node_type::string:
		n = new_node(MS__T_STRING, node.source());
		try {
			n->u.s = dup_str(node.as_string()->get());
		} catch (...) {
			free(n);
			throw;
		}
		return n;
	case toml::node_type::integer:
		n = new_node(MS__T_INT, node.source());
		n->u.i = node.as_integer()->get();
		return n;
	case toml::node_type::floating_point:
		n = new_node(MS__T_FLOAT, node.source());
		n->u.f = node.as_floating_point()->get();
		return n;
	case toml::node_type::boolean:
		n = new_node(MS__T_BOOL, node.source());
		n->u.b = node.as_boolean()->get();
		return n;
	case toml::node_type::date:
	case toml::node_type::time:
	case toml::node_type::date_time:
	default: {
		std::string text;

		if (node.is_date())
			text = to_text(node.as_date()->get());
		else if (node.is_time())
			text = to_text(node.as_time()->get());
		else if (node.is_date_time())
			text = to_text(node.as_date_time()->get());
		n = new_node(MS__T_DATETIME, node.source());
		try {
			n->u.s = dup_str(text);
		} catch (...) {
			free(n);
			throw;
		}
		return n;
	}
	}
}

void set_error(ms__toml_error *err, unsigned line, unsigned column,
	       std::string_view msg)
{
	if (!err)
		return;
	err->line = line;
	err->column = column;
	snprintf(err->message, sizeof(err->message), "%.*s",
		 static_cast<int>(msg.size()), msg.data());
}

} // namespace

extern "C" int ms__toml_parse(const char *text, size_t len, const char *file,
			      ms__tnode **out, ms__toml_error *err)
{
	*out = nullptr;
	try {
		toml::table doc = toml::parse(std::string_view(text, len),
					      std::string_view(file ? file : ""));
		*out = convert_table(doc);
		/* The document root has no place of its own. */
		(*out)->line = 1;
		(*out)->column = 1;
		return 0;
	} catch (const toml::parse_error &e) {
		set_error(err, e.source().begin.line, e.source().begin.column,
			  e.description());
		return -EINVAL;
	} catch (const oom &) {
		return -ENOMEM;
	} catch (const std::bad_alloc &) {
		return -ENOMEM;
	} catch (const std::exception &e) {
		set_error(err, 0, 0, e.what());
		return -EINVAL;
	} catch (...) {
		set_error(err, 0, 0, "the TOML parser failed");
		return -EINVAL;
	}
}
