/* SPDX-License-Identifier: MIT */
#ifndef MS_CORE_SUBSYS_H
#define MS_CORE_SUBSYS_H

#include "core/core.h"

extern const struct ms__subsys *const ms__subsystems[MS__SUB__COUNT];

#endif
