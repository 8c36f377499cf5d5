/* pmgjson.h - internal: the pymatgen Structure.as_dict() parser of io/pmgjson.c on an already
** parsed cJSON object, for files that embed structures (store/import.c: MPContribs-style JSON). */
#ifndef VT_IO_PMGJSON_H
#define VT_IO_PMGJSON_H
#include <cjson/cJSON.h>
#include "vitrum.h"

/* One Structure dict (rules in io/pmgjson.c; keys it does not use are ignored, as pymatgen's own
 * "@module", "charge" and "properties"). file names the file in messages and prefix (NULL: none)
 * the object's place in it: errors read "file: prefix.sites[3].species[0].element: ...".
 * *out is NULL on failure; free with vt_cell_free(). */
vt_status vt_pmgjson_parse(const cJSON *obj, const char *file, const char *prefix, vt_cell **out);
#endif
