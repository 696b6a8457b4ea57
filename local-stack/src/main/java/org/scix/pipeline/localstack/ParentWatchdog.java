package org.scix.pipeline.localstack;

import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * Entry point of every child JVM the local stack starts: {@code ParentWatchdog <parentPid>
 * <mainClass> <args...>}. It runs the real main class and exits (running the child's own shutdown
 * hooks, so the broker stops cleanly) as soon as the parent process is gone, even when the
 * parent was killed with SIGKILL and could not clean up. This is what prevents orphans.
 */
public final class ParentWatchdog {
  private ParentWatchdog() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: ParentWatchdog <parentPid> <mainClass> [args...]");
      System.exit(2);
    }
    long parentPid = Long.parseLong(args[0]);
    Thread watchdog = new Thread(() -> {
      while (ProcessHandle.of(parentPid).map(ProcessHandle::isAlive).orElse(false)) {
        try {
          Thread.sleep(500);
        } catch (InterruptedException e) {
          return;
        }
      }
      System.err.println("parent process " + parentPid + " is gone; shutting down");
      System.exit(0);
    }, "parent-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    Method main = Class.forName(args[1]).getMethod("main", String[].class);
    main.invoke(null, (Object) Arrays.copyOfRange(args, 2, args.length));
  }
}
