package org.scix.pipeline.worker.runner;

import java.util.List;
import org.scix.pipeline.schemas.output.TemplateOutput;

/** How a job ended. {@code deadLetter} means: copy the input record to the dead-letter topic. */
record Outcome(boolean success, String errorReason, boolean deadLetter, int attempts, List<TemplateOutput> outputs) {
  static Outcome success(int attempts, List<TemplateOutput> outputs) {
    return new Outcome(true, null, false, attempts, outputs);
  }

  static Outcome error(String reason, int attempts) {
    return new Outcome(false, reason, false, attempts, List.of());
  }

  static Outcome deadLetter(String reason, int attempts) {
    return new Outcome(false, reason, true, attempts, List.of());
  }

  /** A control record's outcome: it writes nothing. */
  static Outcome nothing() {
    return new Outcome(false, null, false, 0, List.of());
  }
}
