/* topomix report — the state behind report.h (shared by report.c and cmd_report.c only). */
#ifndef TMX_REPORT_INTERNAL_H
#define TMX_REPORT_INTERNAL_H

#include <stdio.h>

#include "cli_common.h"
#include "report.h"

struct report {
    const char *name;   /* "exp-graphs" */
    const char *folder; /* DIR/NAME, where commands run and files go */
    const char *exe;    /* this executable */
    int quick;
    FILE *md;     /* the body, in memory until the report ends */
    FILE *cmds;   /* the commands run, one a line, in memory */
    FILE *claims; /* NAME.claims lines, in memory */
    int nclaims, nfailed;
};

#endif
