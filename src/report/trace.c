/* SPDX-License-Identifier: MIT */
/*
 * Chrome trace-event JSON (the "JSON Object Format" that Perfetto and
 * chrome://tracing open), rebuilt from the event log of each run.
 *
 * One process per run (per policy in a comparison), one track per
 * simulated thread (tid 0 holds events of no thread: the scheduler's),
 * named after the run's thread table (ms_scenario_result.threads); a tid
 * outside it is "thread <tid>".
 * A thread's running intervals are complete ("X") slices reconstructed
 * from SWITCH events; syscalls, allocations, frees, denials, faults and
 * every other event are thread-scoped instants with their operands as
 * arguments. Time: one simulated tick is written as one microsecond (the
 * format's unit); otherData says so.
 *
 * How running intervals are rebuilt: SWITCH(tid=next, a=prev) ends the
 * running slice and opens next's. The scheduler emits no SWITCH when it
 * goes idle on the host or when the thread that went to sleep is the next
 * to run again, so a SLEEP/BLOCK of the running thread closes its slice and
 * "parks" it; its next event without a SWITCH in between reopens the slice
 * (at the wake tick of a SLEEP). THREAD_EXIT, THREAD_ABORT and FAULT of the
 * running thread close its slice for good. Invariant: slices of one run
 * never overlap, since at most one slice is open at a time.
 */
#include <errno.h>
#include <inttypes.h>

#include "report/report_priv.h"

#define FLUSH_AT (1u << 20)

struct tw {
	GString *s;
	FILE *out;
	int err;
	bool first;
};

static void tw_begin(struct tw *w)
{
	if (!w->first)
		g_string_append(w->s, ",\n");
	w->first = false;
}

static void tw_maybe_flush(struct tw *w)
{
	if (w->s->len < FLUSH_AT)
		return;
	if (fwrite(w->s->str, 1, w->s->len, w->out) != w->s->len)
		w->err = -EIO;
	g_string_truncate(w->s, 0);
}

static void meta(struct tw *w, const char *what, unsigned pid, ms_tid tid,
		 const char *name)
{
	tw_begin(w);
	g_string_append_printf(w->s, "{\"name\":\"%s\",\"ph\":\"M\",\"pid\":%u,"
			       "\"tid\":%u,\"args\":{\"name\":", what, pid, tid);
	ms__json_str(w->s, name);
	g_string_append(w->s, "}}");
}

static void sort_index(struct tw *w, const char *what, unsigned pid,
		       ms_tid tid, uint64_t idx)
{
	tw_begin(w);
	g_string_append_printf(w->s, "{\"name\":\"%s\",\"ph\":\"M\",\"pid\":%u,"
			       "\"tid\":%u,\"args\":{\"sort_index\":%" PRIu64
			       "}}", what, pid, tid, idx);
}

static void slice(struct tw *w, unsigned pid, ms_tid tid, uint64_t from,
		  uint64_t to)
{
	if (to <= from)		/* an instant on the CPU: nothing to draw */
		return;
	tw_begin(w);
	g_string_append_printf(w->s, "{\"name\":\"running\",\"cat\":\"sched\","
			       "\"ph\":\"X\",\"pid\":%u,\"tid\":%u,\"ts\":%"
			       PRIu64 ",\"dur\":%" PRIu64 "}", pid, tid, from,
			       to - from);
	tw_maybe_flush(w);
}

static const char *category(uint32_t type)
{
	switch (type) {
	case MS_EV_SYSCALL:
		return "syscall";
	case MS_EV_ALLOC:
	case MS_EV_FREE:
	case MS_EV_DENY_QUOTA:
	case MS_EV_DENY_NOMEM:
		return "heap";
	case MS_EV_FAULT:
	case MS_EV_PANIC:
		return "fault";
	case MS_EV_OBJ_NEW:
	case MS_EV_OBJ_FREE:
	case MS_EV_PERM_GRANT:
	case MS_EV_PERM_REVOKE:
		return "object";
	case MS_EV_IPC_SEND:
	case MS_EV_IPC_RECV:
	case MS_EV_IPC_DENY:
		return "ipc";
	default:
		return "sched";
	}
}

static void instant(struct tw *w, unsigned pid, const struct ms_event *ev,
		    const struct ms_fault *f)
{
	char name[96];
	GString *s = w->s;

	if (ev->type == MS_EV_SYSCALL)
		g_snprintf(name, sizeof(name), "syscall %" PRIu64, ev->a);
	else if (ev->type == MS_EV_FAULT && f)
		g_snprintf(name, sizeof(name), "fault: %s",
			   ms_fault_kind_name(f->kind));
	else
		g_strlcpy(name, ms_event_type_name(ev->type), sizeof(name));

	tw_begin(w);
	g_string_append(s, "{\"name\":");
	ms__json_str(s, name);
	g_string_append_printf(s, ",\"cat\":\"%s\",\"ph\":\"i\",\"s\":\"%s\","
			       "\"pid\":%u,\"tid\":%u,\"ts\":%" PRIu64
			       ",\"args\":{", category(ev->type),
			       ev->tid ? "t" : "p", pid, ev->tid, ev->tick);
	switch (ev->type) {
	case MS_EV_SYSCALL:
		g_string_append_printf(s, "\"number\":%" PRIu64 ",\"result\":%"
				       PRId64, ev->a, (int64_t)ev->b);
		break;
	case MS_EV_ALLOC:
	case MS_EV_DENY_NOMEM:
		g_string_append_printf(s, "\"bytes\":%" PRIu64 ",\"heap\":%"
				       PRIu64, ev->a, ev->b);
		break;
	case MS_EV_DENY_QUOTA:
		g_string_append_printf(s, "\"bytes\":%" PRIu64, ev->a);
		break;
	case MS_EV_FREE:
		g_string_append_printf(s, "\"bytes\":%" PRIu64
				       ",\"requester\":%" PRIu64, ev->a, ev->b);
		break;
	case MS_EV_THREAD_CREATE:
		g_string_append_printf(s, "\"parent\":%" PRIu64
				       ",\"priority\":%" PRId64, ev->a,
				       (int64_t)ev->b);
		break;
	case MS_EV_THREAD_ABORT:
		g_string_append_printf(s, "\"by\":%" PRIu64, ev->a);
		break;
	case MS_EV_SLEEP:
		g_string_append_printf(s, "\"wake_tick\":%" PRIu64, ev->a);
		break;
	case MS_EV_BLOCK:
		g_string_append_printf(s, "\"timeout\":%" PRId64,
				       (int64_t)ev->a);
		break;
	case MS_EV_WAKE:
		g_string_append_printf(s, "\"result\":%" PRId64,
				       (int64_t)ev->a);
		break;
	case MS_EV_FAULT:
		if (f) {
			g_string_append(s, "\"kind\":");
			ms__json_str(s, ms_fault_kind_name(f->kind));
			g_string_append(s, ",\"reason\":");
			ms__json_str(s, ms_fault_reason_name(f->reason));
			g_string_append(s, ",\"object\":");
			ms__json_str(s, f->object);
			g_string_append_printf(s, ",\"offset\":%" PRIu64
					       ",\"detail\":", f->offset);
			ms__json_str(s, f->detail);
			break;
		}
		/* fall through */
	default:
		g_string_append_printf(s, "\"a\":%" PRIu64 ",\"b\":%" PRIu64,
				       ev->a, ev->b);
	}
	g_string_append(s, "}}");
	tw_maybe_flush(w);
}

static gint cmp_uint(gconstpointer a, gconstpointer b)
{
	guint x = *(const guint *)a, y = *(const guint *)b;

	return x < y ? -1 : x > y;
}

static void one_run(struct tw *w, unsigned pid,
		    const struct ms_scenario_result *res,
		    const struct ms_sim *sim)
{
	GHashTable *names = g_hash_table_new_full(NULL, NULL, NULL, g_free);
	size_t n = ms_sim_event_count(sim);
	size_t fault_i = 0;
	ms_tid cur = MS_TID_NONE, parked = MS_TID_NONE;
	uint64_t cur_start = 0, parked_wake = 0;
	GHashTableIter it;
	gpointer k, v;
	GArray *tids;
	char buf[128];

	g_snprintf(buf, sizeof(buf), "policy %s", res->policy);
	meta(w, "process_name", pid, 0, buf);
	sort_index(w, "process_sort_index", pid, 0, pid);
	g_hash_table_insert(names, GUINT_TO_POINTER(0), g_strdup("scheduler"));
	for (size_t i = 0; i < res->n_threads; i++)
		g_hash_table_insert(names,
				    GUINT_TO_POINTER(res->threads[i].tid),
				    g_strdup(res->threads[i].name));

	for (size_t i = 0; i < n; i++) {
		struct ms_event ev;
		const struct ms_fault *f = NULL;

		if (ms_sim_event_get(sim, i, &ev) < 0)
			break;
		if (ev.tid && !g_hash_table_contains(names,
						     GUINT_TO_POINTER(ev.tid)))
			g_hash_table_insert(names, GUINT_TO_POINTER(ev.tid),
				g_strdup_printf("thread %u", ev.tid));
		if (ev.type == MS_EV_SWITCH) {
			if (cur)
				slice(w, pid, cur, cur_start, ev.tick);
			cur = ev.tid;
			cur_start = ev.tick;
			parked = MS_TID_NONE;
			continue;
		}
		/* SLEEP is followed by the BLOCK that implements it: both
		 * still belong to going to sleep, not to waking up */
		if (!cur && parked && ev.tid == parked &&
		    ev.type != MS_EV_SLEEP && ev.type != MS_EV_BLOCK) {
			cur = parked;
			cur_start = parked_wake && parked_wake <= ev.tick ?
				    parked_wake : ev.tick;
			parked = MS_TID_NONE;
		}
		if (ev.type == MS_EV_FAULT)
			f = ms_sim_fault_get(sim, fault_i++);
		instant(w, pid, &ev, f);
		if (!cur || ev.tid != cur)
			continue;
		switch (ev.type) {
		case MS_EV_SLEEP:
		case MS_EV_BLOCK:
			slice(w, pid, cur, cur_start, ev.tick);
			parked = cur;
			parked_wake = ev.type == MS_EV_SLEEP ? ev.a : 0;
			cur = MS_TID_NONE;
			break;
		case MS_EV_THREAD_EXIT:
		case MS_EV_THREAD_ABORT:
		case MS_EV_FAULT:
			slice(w, pid, cur, cur_start, ev.tick);
			cur = MS_TID_NONE;
			break;
		default:
			break;
		}
	}
	if (cur)
		slice(w, pid, cur, cur_start, MAX(cur_start, res->final_tick));

	/* hash order is not deterministic: emit the names in tid order */
	tids = g_array_sized_new(FALSE, FALSE, sizeof(guint),
				 g_hash_table_size(names));
	g_hash_table_iter_init(&it, names);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		guint t = GPOINTER_TO_UINT(k);

		g_array_append_val(tids, t);
	}
	g_array_sort(tids, cmp_uint);
	for (guint a = 0; a < tids->len; a++) {
		guint t = g_array_index(tids, guint, a);

		meta(w, "thread_name", pid, t,
		     g_hash_table_lookup(names, GUINT_TO_POINTER(t)));
		sort_index(w, "thread_sort_index", pid, t, t);
	}
	g_array_free(tids, TRUE);
	g_hash_table_destroy(names);
}

int ms_report_write_trace(const struct ms_report *rep, FILE *out)
{
	struct tw w = { .out = out, .first = true };
	const struct ms_scenario_result *first;
	uint64_t dropped = 0;
	int ret;

	if (!rep || !out)
		return -EINVAL;
	for (size_t i = 0; i < rep->runs->len; i++) {
		const struct ms_scenario_result *res =
			ms__report_run(rep, i)->res;
		struct ms_sim *sim = ms_scenario_result_sim(res);

		if (!sim)
			return -ENODATA;
		dropped += ms_sim_event_total(sim) - ms_sim_event_count(sim);
	}
	first = ms_report_result(rep, 0);
	w.s = g_string_sized_new(FLUSH_AT + 4096);

	g_string_append(w.s, "{\"otherData\":{\"generator\":");
	ms__json_str(w.s, "memsim");
	g_string_append(w.s, ",\"memsim_version\":");
	ms__json_str(w.s, ms_version());
	g_string_append(w.s, ",\"scenario\":");
	ms__json_str(w.s, first ? first->scenario : "");
	g_string_append_printf(w.s, ",\"seed\":%" PRIu64, first ? first->seed : 0);
	g_string_append(w.s, ",\"time_unit\":\"simulated ticks: 1 tick is "
			"written as 1 microsecond\"");
	g_string_append_printf(w.s, ",\"events_not_kept\":%" PRIu64 "},\n"
			       "\"traceEvents\":[\n", dropped);
	for (size_t i = 0; i < rep->runs->len; i++) {
		const struct ms_scenario_result *res =
			ms__report_run(rep, i)->res;

		one_run(&w, (unsigned)i + 1, res, ms_scenario_result_sim(res));
	}
	g_string_append(w.s, "\n]}\n");
	ret = ms__report_flush(w.s, out);
	if (!ret)
		ret = w.err;
	g_string_free(w.s, TRUE);
	return ret;
}
