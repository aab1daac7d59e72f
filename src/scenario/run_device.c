/* SPDX-License-Identifier: MIT */
/*
 * A run's devices: declaring them on the run's sim, making the run's
 * device-policy combination active, and collecting the devices' stats.
 *
 * Invariant: through the public API only (<memsim/device.h>), as the rest
 * of the runner; a run's result depends on its combination, and memsim
 * compare varies it as it varies the quota policy.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <memsim/device.h>

#include "scenario/run.h"

int ms__devpol_resolve(const struct ms_scenario *sc, const char *label,
		       struct ms_scenario_error *err)
{
	const GPtrArray *labels = sc->devpol.labels;
	char hint[MS_SCENARIO_MSG_MAX];
	size_t len;

	if (!label)
		return 0;
	for (guint i = 0; sc->devices->len && i < labels->len; i++)
		if (!strcmp(labels->pdata[i], label))
			return (int)i;
	if (!sc->devices->len) {
		ms__error_set(err, sc->file, 0, 0, NULL,
			      "device policy '%s': the scenario declares no "
			      "[[device]]", label);
		return -EINVAL;
	}
	len = (size_t)snprintf(hint, sizeof(hint), "the scenario runs: ");
	for (guint i = 0; i < labels->len && len < sizeof(hint); i++)
		len += (size_t)snprintf(hint + len, sizeof(hint) - len, "%s%s",
					i ? ", " : "",
					(const char *)labels->pdata[i]);
	ms__error_set(err, sc->file, 0, 0, hint,
		      "device policy '%s' is not one the scenario names "
		      "([device_policy])", label);
	return -EINVAL;
}

/* The names of combination i, in label order. */
static void combination(const struct ms__devpol *p, int i,
			const char *out[MS_DEVPOL__COUNT])
{
	guint rest = (guint)i;

	for (int k = MS_DEVPOL__COUNT - 1; k >= 0; k--) {
		out[k] = p->names[k]->pdata[rest % p->names[k]->len];
		rest /= p->names[k]->len;
	}
}

static int dev_error(struct ms__run *run, struct ms__pos pos, int ret,
		     const char *what)
{
	ms__error_set(run->err, run->sc->file, pos.line, pos.column, NULL,
		      "%s: %s", what, g_strerror(-ret));
	return ret == -ENOMEM ? -ENOMEM : -EINVAL;
}

int ms__build_devices(struct ms__run *run)
{
	const struct ms_scenario *sc = run->sc;
	const char *names[MS_DEVPOL__COUNT];
	ms_device_id id;
	int ret;

	if (!sc->devices->len)
		return 0;
	for (guint i = 0; i < sc->devices->len; i++) {
		const struct ms__device *d = &g_array_index(sc->devices,
							    struct ms__device, i);

		ret = ms_device_add(run->sim, &d->attr, &id);
		if (ret)
			return dev_error(run, d->pos, ret,
					 "the simulation refused the device "
					 "(its block size must be a multiple "
					 "of the host page)");
	}
	combination(&sc->devpol, run->devpol, names);
	for (int k = 0; k < MS_DEVPOL__COUNT; k++) {
		ret = ms_device_policy_set(run->sim, k, names[k],
					   &sc->devpol.params);
		if (ret)
			return dev_error(run, sc->devpol.pos, ret,
					 "the device policy refused its "
					 "parameters");
	}
	if (sc->devpol.ram) {
		ret = ms_device_ram_set(run->sim, sc->devpol.ram);
		if (ret)
			return dev_error(run, sc->devpol.pos, ret,
					 "cannot limit system RAM");
	}
	return 0;
}

static double stat_of(const struct ms_device_stats *st, const char *name)
{
#define F(field) if (!strcmp(name, #field)) return (double)st->field
	F(blocks_online); F(frames_used); F(frames_pinned); F(pages_placed);
	F(pages_freed); F(pgmigrate_success); F(pgmigrate_fail);
	F(pgmigrate_to_device); F(pgmigrate_to_ram); F(bytes_to_device);
	F(bytes_to_ram); F(copy_ticks); F(cpu_faults); F(device_faults);
	F(remote_accesses); F(local_accesses); F(evictions); F(pin_blocked);
	F(pin_refused); F(offline_retries); F(offline_busy); F(pages_lost);
	F(threads_killed); F(kernel_allocs_lost); F(kernel_bytes_lost);
	F(dangling_mappings);
#undef F
	return 0;
}

void ms__device_stats(struct ms__run *run, GArray *stats)
{
	const struct ms_scenario *sc = run->sc;
	const char *const *names = ms__device_stat_names();
	char name[128];

	for (guint i = 0; i < sc->devices->len; i++) {
		const struct ms__device *d = &g_array_index(sc->devices,
							    struct ms__device, i);
		struct ms_device_stats st;

		if (ms_device_stats_get(run->sim, i, &st))
			continue;
		for (size_t k = 0; names[k]; k++) {
			snprintf(name, sizeof(name), "device.%s.%s", d->name,
				 names[k]);
			ms__run_stat(stats, name, stat_of(&st, names[k]));
		}
	}
}
