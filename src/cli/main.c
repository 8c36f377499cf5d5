#include <stdio.h>
#include "vitrum.h"
int main(void) { printf("vitrum %s\n", vt_version()); return 0; }
