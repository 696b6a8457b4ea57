package org.scix.pipeline.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time a process has used (user + system, all its threads), from /proc: independent of what else the machine runs. */
final class ProcessCpu {
  /** Linux's USER_HZ: /proc reports CPU time in these ticks (100 on every mainstream kernel build). */
  private static final long TICKS_PER_SECOND = 100;

  private ProcessCpu() {}

  static long nanos(long pid) {
    try {
      return nanos(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("cannot read the CPU time of pid " + pid + " from /proc: " + e, e);
    }
  }

  /**
   * CPU time of a JVM's JIT compiler threads ("C1 CompilerThre", "C2 CompilerThre" in /proc) now
   * alive: HotSpot starts and stops them as the compile queue grows and shrinks, so this is a
   * lower bound of the JIT's share.
   */
  static long compilerThreadNanos(long pid) {
    long total = 0;
    try (DirectoryStream<Path> threads = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path thread : threads) {
        try {
          String stat = Files.readString(thread.resolve("stat"));
          String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
            total += nanos(stat);
          }
        } catch (IOException e) {
          // the thread exited meanwhile
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list the threads of pid " + pid + " in /proc: " + e, e);
    }
    return total;
  }

  /** utime + stime of a /proc stat line. The command name (field 2) may hold spaces; the fields after its closing parenthesis do not. */
  private static long nanos(String stat) {
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime (fields 14 and 15)
    return ticks * 1_000_000_000L / TICKS_PER_SECOND;
  }
}
