/* campaign.h - internal to the CLI: what cmd_campaign.c (create, work, status) and
** campaign_report.c (report) share. */
#ifndef VT_CLI_CAMPAIGN_H
#define VT_CLI_CAMPAIGN_H
#include "cli.h"

/* --db URL, else $VITRUM_DB, else vitrum.db (as every command that opens the store). */
const char *campaign_db_url(const cli_cmd *cmd, const cli_args *a);
/* url as shown in output: a password in it ("postgresql://user:secret@host/db") as "***". */
void campaign_url_shown(const char *url, char *buf, size_t size);
/* mkdir -p path; on failure prints one error line and returns the exit code (1, or 2 for a path
 * too long). */
int campaign_mkdirs(const char *path);
#endif
