/* SPDX-License-Identifier: MIT */
/* memsim: the whole public API. */
#ifndef MEMSIM_H
#define MEMSIM_H

#include <memsim/event.h>
#include <memsim/fault.h>
#include <memsim/sim.h>
#include <memsim/thread.h>

#if __has_include(<memsim/heap.h>)
#include <memsim/heap.h>
#endif
#if __has_include(<memsim/quota.h>)
#include <memsim/quota.h>
#endif
#if __has_include(<memsim/kobj.h>)
#include <memsim/kobj.h>
#endif
#if __has_include(<memsim/syscall.h>)
#include <memsim/syscall.h>
#endif
#if __has_include(<memsim/pool.h>)
#include <memsim/pool.h>
#endif
#if __has_include(<memsim/domain.h>)
#include <memsim/domain.h>
#endif
#if __has_include(<memsim/ipc.h>)
#include <memsim/ipc.h>
#endif
#if __has_include(<memsim/scenario.h>)
#include <memsim/scenario.h>
#endif
#if __has_include(<memsim/report.h>)
#include <memsim/report.h>
#endif

#endif
