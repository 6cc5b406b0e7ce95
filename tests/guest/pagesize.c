// SPDX-License-Identifier: GPL-2.0
/*
 * Print the kernel's page size in bytes (4096, 16384, ...), for the guest
 * scripts' allowances in pages: busybox has no getconf.
 *
 * usage: pagesize
 */
#include <stdio.h>

#include "zsd.h"

int main(int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: pagesize\n");
		return 2;
	}
	printf("%ld\n", zsd_kpage());
	return 0;
}
