/* SPDX-License-Identifier: MIT */
/*
 * memsim's Zephyr layer: a testcase.yaml scenario's configuration.
 *
 * testcase.yaml (Twister's format) maps "tests:" to scenarios, each with
 * optional extra_configs (a list of CONFIG_X=V) and extra_args (a string
 * or list; CONFIG_X=V entries and CONF_FILE="f" are used). Both the
 * mapping form and the list-of-one-key-mappings form are read. The parse
 * is libyaml's; errors give line and column.
 */
#include "gen.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

static const yaml_node_t *map_get(yaml_document_t *doc, const yaml_node_t *map,
				  const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);

		if (k && k->type == YAML_SCALAR_NODE &&
		    !strcmp((char *)k->data.scalar.value, key))
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

static void add_arg(const char *arg, GPtrArray *configs, char **conf_file)
{
	gchar **words = g_strsplit_set(arg, " \t", -1);

	for (int i = 0; words[i]; i++) {
		char *w = words[i];

		if (g_str_has_prefix(w, "CONFIG_")) {
			g_ptr_array_add(configs, g_strdup(w));
		} else if (g_str_has_prefix(w, "CONF_FILE=")) {
			char *v = g_strdup(w + strlen("CONF_FILE="));

			g_strdelimit(v, "\"", ' ');
			g_free(*conf_file);
			*conf_file = g_strstrip(v);
		}
	}
	g_strfreev(words);
}

static void scalars(yaml_document_t *doc, const yaml_node_t *n,
		    void (*fn)(const char *, GPtrArray *, char **),
		    GPtrArray *configs, char **conf_file)
{
	if (!n)
		return;
	if (n->type == YAML_SCALAR_NODE) {
		fn((const char *)n->data.scalar.value, configs, conf_file);
		return;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return;
	for (yaml_node_item_t *it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top; it++) {
		yaml_node_t *v = yaml_document_get_node(doc, *it);

		if (v && v->type == YAML_SCALAR_NODE)
			fn((const char *)v->data.scalar.value, configs, conf_file);
	}
}

static void add_config(const char *c, GPtrArray *configs, char **conf_file)
{
	(void)conf_file;
	g_ptr_array_add(configs, g_strdup(c));
}

int zms_testcase_scenario(const char *path, const char *scenario,
			  GPtrArray *configs, char **conf_file,
			  GPtrArray *names, char **err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	FILE *f = fopen(path, "r");
	const yaml_node_t *tests, *found = NULL;
	int ret = 0;

	if (!f) {
		*err = g_strdup_printf("%s: %s", path, g_strerror(errno));
		return -errno;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		*err = g_strdup_printf("%s:%zu:%zu: %s", path,
				       parser.problem_mark.line + 1,
				       parser.problem_mark.column + 1,
				       parser.problem ? parser.problem : "bad YAML");
		yaml_parser_delete(&parser);
		fclose(f);
		return -EINVAL;
	}
	tests = map_get(&doc, yaml_document_get_root_node(&doc), "tests");
	if (!tests) {
		*err = g_strdup_printf("%s:1:1: expected a 'tests:' mapping", path);
		ret = -EINVAL;
		goto out;
	}
	if (tests->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = tests->data.mapping.pairs.start;
		     p < tests->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(&doc, p->key);
			const char *name = (const char *)k->data.scalar.value;

			if (names)
				g_ptr_array_add(names, g_strdup(name));
			if (scenario && !strcmp(name, scenario))
				found = yaml_document_get_node(&doc, p->value);
		}
	} else if (tests->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = tests->data.sequence.items.start;
		     it < tests->data.sequence.items.top; it++) {
			yaml_node_t *m = yaml_document_get_node(&doc, *it);
			yaml_node_pair_t *p;
			yaml_node_t *k;

			if (!m || m->type != YAML_MAPPING_NODE ||
			    m->data.mapping.pairs.start == m->data.mapping.pairs.top)
				continue;
			p = m->data.mapping.pairs.start;
			k = yaml_document_get_node(&doc, p->key);
			if (names)
				g_ptr_array_add(names, g_strdup((char *)k->data.scalar.value));
			if (scenario && !strcmp((char *)k->data.scalar.value, scenario))
				found = yaml_document_get_node(&doc, p->value);
		}
	}
	if (scenario && !found) {
		*err = g_strdup_printf("%s: no scenario '%s'", path, scenario);
		ret = -ENOENT;
		goto out;
	}
	if (found) {
		scalars(&doc, map_get(&doc, found, "extra_configs"), add_config,
			configs, conf_file);
		scalars(&doc, map_get(&doc, found, "extra_args"), add_arg,
			configs, conf_file);
	}
out:
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	fclose(f);
	return ret;
}
