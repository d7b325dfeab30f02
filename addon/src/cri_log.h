#ifndef PODRUN_LOGS_H
#define PODRUN_LOGS_H

#include "launch.h"

/* Reads what is available on S (non-blocking) and appends CRI records to its log.  Returns 1 once
   the stream reached EOF (S->fd closed and set to -1, a trailing partial line flushed), else 0.  */
/* Reads what is there (at most 16 reads when BOUNDED); 1 once the stream is closed.  */
int podrun_log_stream_read (struct podrun_log_stream *s, int bounded);

/* Flushes a pending partial line as a `P` record (at shutdown).  */
void podrun_log_stream_flush (struct podrun_log_stream *s);

#endif
