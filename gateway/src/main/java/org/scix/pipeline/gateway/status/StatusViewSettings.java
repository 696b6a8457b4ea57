package org.scix.pipeline.gateway.status;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.scix.pipeline.core.config.Settings;

/**
 * The status view a replica keeps.
 *
 * @param storeDir where the view's store lives (one subdirectory per instance id; a restart resumes
 *     from it); empty: a temporary directory, and a restart reads the whole status topic again
 * @param maxStall how long the reader may go without completing a poll before the replica reports NOT_SERVING
 * @param retention how long a finished job is kept (view and status topic) before it is forgotten
 */
public record StatusViewSettings(Optional<Path> storeDir, Duration maxStall, Duration retention) {
  public static final String STORE_DIR = "STATUS_STORE_DIR";
  public static final String MAX_STALL = "STATUS_VIEW_MAX_STALL_MS";
  public static final String RETENTION = "JOB_RETENTION_MS";

  public static StatusViewSettings from(Settings s) {
    return new StatusViewSettings(
        s.optional(STORE_DIR).map(Path::of),
        s.duration(MAX_STALL, Duration.ofSeconds(30), Duration.ofSeconds(1)),
        s.duration(RETENTION, Duration.ofDays(7), Duration.ofSeconds(1)));
  }
}
