/* SPDX-License-Identifier: MIT */
/* memsim's Zephyr layer: the doubly linked list node. */
#ifndef ZEPHYR_SYS_DLIST_H
#define ZEPHYR_SYS_DLIST_H

struct _dnode {
	struct _dnode *next;
	struct _dnode *prev;
};
typedef struct _dnode sys_dlist_t;
typedef struct _dnode sys_dnode_t;

#endif
