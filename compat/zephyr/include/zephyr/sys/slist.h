/* SPDX-License-Identifier: MIT */
/* memsim's Zephyr layer: the singly linked list node tests embed. */
#ifndef ZEPHYR_SYS_SLIST_H
#define ZEPHYR_SYS_SLIST_H

#include <stddef.h>

struct _snode {
	struct _snode *next;
};
typedef struct _snode sys_snode_t;

struct _slist {
	sys_snode_t *head;
	sys_snode_t *tail;
};
typedef struct _slist sys_slist_t;

#endif
