/* SPDX-License-Identifier: MIT */
/* Private to the core: the fault subsystem's lifecycle and run hooks. */
#ifndef MS_FAULT_PRIV_H
#define MS_FAULT_PRIV_H

#include "fault/fault.h"

int ms__faults_new(struct ms_sim *sim, struct ms__faults **out);
void ms__faults_free(struct ms_sim *sim, struct ms__faults *f);

/* Install the signal handler for the run; undo it. */
int ms__faults_arm(struct ms_sim *sim);
void ms__faults_disarm(struct ms_sim *sim);

/* The fault the handler captured before escaping (NULL if none). */
struct ms_fault *ms__faults_take_pending(struct ms_sim *sim);
/* Append to the sim's record, emit the event, call the fatal hook. */
void ms__faults_commit(struct ms_sim *sim, const struct ms_fault *f);

#endif
