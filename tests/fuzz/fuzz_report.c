/* libFuzzer target: the report importers (Vitis HLS csynth XML through
 * libxml2, Vivado utilization text) and the JSON they produce. Inputs that
 * start with '<' go to the XML reader, others to the utilization reader. */
#include "report.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    ff_report r;
    ff_err e;
    memset(&r, 0, sizeof r);
    int rc = size && data[0] == '<' ? ff_report_csynth_mem((const char *)data, size, "fuzz.xml", &r, &e)
                                    : ff_report_vivado_mem((const char *)data, size, "fuzz.rpt", &r, &e);
    if (rc == FF_OK)
        free(ff_report_json(&r));
    return 0;
}
