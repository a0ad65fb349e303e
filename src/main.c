/* SPDX-License-Identifier: MPL-2.0 */
/* main.c: placeholder until the command table lands. */
#include <stdio.h>
int main(void) { return 0; }
