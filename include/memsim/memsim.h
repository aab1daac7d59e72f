/* SPDX-License-Identifier: MIT */
/* memsim: the whole public API. */
#ifndef MEMSIM_H
#define MEMSIM_H

#include <memsim/event.h>
#include <memsim/fault.h>
#include <memsim/sim.h>
#include <memsim/thread.h>

#include <memsim/heap.h>
#include <memsim/quota.h>
#include <memsim/kobj.h>
#include <memsim/syscall.h>
#include <memsim/pool.h>
#include <memsim/domain.h>
#include <memsim/device.h>
#include <memsim/ipc.h>
#include <memsim/scenario.h>
#include <memsim/report.h>

#endif
