/* dataset.h - internal: read a table from an open stream (the fuzzer feeds memory through it). */
#ifndef VT_ML_DATASET_H
#define VT_ML_DATASET_H
#include <stdio.h>
#include "vitrum.h"

/* As vt_dataset_read(); name is used in messages only. */
vt_status vt_dataset_read_stream(FILE *f, const char *name, vt_dataset **out);
#endif
