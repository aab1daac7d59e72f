/* SPDX-License-Identifier: MIT */
/*
 * Scenario parameter overrides (override.c), and the two loader entry
 * points (load.c) that take them. Internal to src/scenario.
 */
#ifndef MS_SCENARIO_OVERRIDE_H
#define MS_SCENARIO_OVERRIDE_H

#include <stddef.h>

#include <memsim/scenario.h>

#include "scenario/tree.h"

/*
 * Apply ov[0..n) to the parsed document doc, in order. Nodes made for
 * override i carry line 0, column i + 1.
 * @retval 0 applied
 * @retval -EINVAL a malformed override (empty or repeated key, a path
 *         through a scalar, an array element by a name no element has,
 *         a table or array as the value or the target): err says which
 * @retval -ENOMEM the host could not provide memory
 */
int ms__override_apply(struct ms__tnode *doc,
		       const struct ms_scenario_override *ov, size_t n,
		       const char *file, struct ms_scenario_error *err);

/*
 * After a failed load with overrides: an error placed at an override's
 * node is rewritten to name it ("--set KEY=VALUE: ..."); an error in the
 * file gets a note listing the overrides.
 */
void ms__override_explain(const struct ms_scenario_override *ov, size_t n,
			  struct ms_scenario_error *err);

/* ms_scenario_load_file and _load_string with overrides (n may be 0). */
int ms__scenario_load_file(const char *path,
			   const struct ms_scenario_override *ov, size_t n,
			   struct ms_scenario **out,
			   struct ms_scenario_error *err);
int ms__scenario_load_text(const char *text, size_t len, const char *file,
			   const struct ms_scenario_override *ov, size_t n,
			   struct ms_scenario **out,
			   struct ms_scenario_error *err);

#endif
