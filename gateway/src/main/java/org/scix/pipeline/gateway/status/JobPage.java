package org.scix.pipeline.gateway.status;

import java.util.List;

/**
 * One page of ListJobs. {@code next} is where to continue (null: nothing older matches). A page
 * may hold fewer jobs than asked for, with a {@code next}, when a selective filter passed over
 * {@code scanned} jobs without filling it: ask again with the cursor.
 */
public record JobPage(List<JobRecord> jobs, JobQuery.Cursor next, int scanned) {}
