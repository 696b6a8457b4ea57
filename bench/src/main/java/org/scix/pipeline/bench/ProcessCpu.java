package org.scix.pipeline.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time a process has used (user + system, all its threads), from /proc: independent of what else the machine runs. */
final class ProcessCpu {
  /** Linux's USER_HZ: /proc reports CPU time in these ticks (100 on every mainstream kernel build). */
  private static final long TICKS_PER_SECOND = 100;

  private ProcessCpu() {}

  static long nanos(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime (fields 14 and 15)
      return ticks * 1_000_000_000L / TICKS_PER_SECOND;
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("cannot read the CPU time of pid " + pid + " from /proc: " + e, e);
    }
  }
}
