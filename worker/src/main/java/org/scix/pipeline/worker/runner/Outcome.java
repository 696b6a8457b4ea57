package org.scix.pipeline.worker.runner;

import java.util.List;
import org.scix.pipeline.schemas.output.TemplateOutput;

/**
 * How a record ended. {@code deadLetter} means: copy the input record to the dead-letter topic.
 * {@code writes} is false for records that write nothing (control records, and records skipped
 * because their job already ran): only their offset is committed. {@code park} means: copy the
 * record, as it came, to the parked topic (a job of a paused task, or a cancel following one there).
 */
record Outcome(boolean success, String errorReason, boolean deadLetter, int attempts, List<TemplateOutput> outputs, boolean writes,
    boolean park) {
  static Outcome success(int attempts, List<TemplateOutput> outputs) {
    return new Outcome(true, null, false, attempts, outputs, true, false);
  }

  static Outcome error(String reason, int attempts) {
    return new Outcome(false, reason, false, attempts, List.of(), true, false);
  }

  static Outcome deadLetter(String reason, int attempts) {
    return new Outcome(false, reason, true, attempts, List.of(), true, false);
  }

  /** Nothing to write: only the record's offset is committed. */
  static Outcome nothing() {
    return new Outcome(false, null, false, 0, List.of(), false, false);
  }

  /** Copied to the parked topic with the record's offset; no status (the job stays Pending until it runs). */
  static Outcome parked() {
    return new Outcome(false, null, false, 0, List.of(), false, true);
  }
}
