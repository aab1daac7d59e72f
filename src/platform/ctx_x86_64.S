/* SPDX-License-Identifier: MIT */
/*
 * x86-64 System V context switch: save what a callee must preserve, swap
 * stack pointers, restore. See ctx.h. Frame, from the saved sp upwards:
 *   [0] MXCSR (4 bytes), x87 control word (2 bytes), pad
 *   [8] r15 [16] r14 [24] r13 [32] r12 [40] rbx [48] rbp [56] return address
 */
	.text

/* void ms__ctx_swap_asm(void **save_sp, void *load_sp) */
	.globl	ms__ctx_swap_asm
	.hidden	ms__ctx_swap_asm
	.type	ms__ctx_swap_asm, @function
ms__ctx_swap_asm:
	.cfi_startproc
	endbr64
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	subq	$8, %rsp
	stmxcsr	(%rsp)
	fnstcw	4(%rsp)
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	ldmxcsr	(%rsp)
	fldcw	4(%rsp)
	addq	$8, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.cfi_endproc
	.size	ms__ctx_swap_asm, .-ms__ctx_swap_asm

/*
 * First code of a new context: r12 = fn, r13 = arg. The stack pointer is
 * 16-byte aligned here. fn never returns. The return address is marked
 * undefined so that unwinders stop here.
 */
	.globl	ms__ctx_entry_asm
	.hidden	ms__ctx_entry_asm
	.type	ms__ctx_entry_asm, @function
ms__ctx_entry_asm:
	.cfi_startproc
	.cfi_undefined rip
	endbr64
	movq	%r13, %rdi
	callq	*%r12
	ud2
	.cfi_endproc
	.size	ms__ctx_entry_asm, .-ms__ctx_entry_asm

/* int ms__ctx_call_on_stack_asm(void *top, int (*fn)(void *), void *arg) */
	.globl	ms__ctx_call_on_stack_asm
	.hidden	ms__ctx_call_on_stack_asm
	.type	ms__ctx_call_on_stack_asm, @function
ms__ctx_call_on_stack_asm:
	.cfi_startproc
	endbr64
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset rbp, -16
	movq	%rsp, %rbp
	.cfi_def_cfa_register rbp
	movq	%rdi, %rsp
	movq	%rdx, %rdi
	callq	*%rsi
	movq	%rbp, %rsp
	popq	%rbp
	.cfi_def_cfa rsp, 8
	ret
	.cfi_endproc
	.size	ms__ctx_call_on_stack_asm, .-ms__ctx_call_on_stack_asm

	.section .note.GNU-stack,"",@progbits
