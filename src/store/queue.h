/* queue.h - internal: the campaign work queue's schema step (table campaign_jobs), applied by
** store.c's migration list as version 1 -> 2. The functions are public (vitrum.h, "Campaigns"). */
#ifndef VT_STORE_QUEUE_H
#define VT_STORE_QUEUE_H

/* DDL of schema version 2 in store.c's dialect (@ID@ becomes the driver's key type). */
extern const char vt_store_queue_ddl[];
#endif
