/*
 * The baked-in configuration: config/default.conf as bytes in the image,
 * NUL-terminated, between apply_default_start and apply_default_end.
 */
	.section .rodata
	.globl	apply_default_start
	.globl	apply_default_end
apply_default_start:
	.incbin	"config/default.conf"
apply_default_end:
	.byte	0
	.section .note.GNU-stack, "", @progbits
