package org.scix.pipeline.localstack;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A child JVM started under {@link ParentWatchdog}, its output in a log file. {@link #stop()}
 * sends SIGTERM and waits, then SIGKILL; a JVM shutdown hook stops it if the parent exits
 * normally, and the watchdog if the parent dies abruptly.
 */
public final class ChildProcess implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChildProcess.class);

  private final String name;
  private final Process process;
  private final Path logFile;
  private final Thread shutdownHook;

  private ChildProcess(String name, Process process, Path logFile) {
    this.name = name;
    this.process = process;
    this.logFile = logFile;
    this.shutdownHook = new Thread(this::stop, "stop-" + name);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Starts {@code mainClass} in a new JVM.
   *
   * @param classpath the child's classpath; this module's own code is prepended for the watchdog
   */
  public static ChildProcess startJava(String name, List<String> jvmOptions, String classpath, String mainClass,
      List<String> args, Path workDir, Path logFile) throws IOException {
    return startJava(name, jvmOptions, classpath, mainClass, args, Map.of(), workDir, logFile);
  }

  /** As above, with extra environment variables for the child. */
  public static ChildProcess startJava(String name, List<String> jvmOptions, String classpath, String mainClass,
      List<String> args, Map<String, String> env, Path workDir, Path logFile) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-cp");
    // Our location first: Quarkus finds its application data next to the last classpath entry.
    command.add(ownCodeLocation() + File.pathSeparator + classpath);
    command.add(ParentWatchdog.class.getName());
    command.add(Long.toString(ProcessHandle.current().pid()));
    command.add(mainClass);
    command.addAll(args);
    return start(name, command, env, workDir, logFile);
  }

  /** Starts any command; used for one-shot tools (storage formatting) too. */
  public static ChildProcess start(String name, List<String> command, Map<String, String> env, Path workDir,
      Path logFile) throws IOException {
    logFile.getParent().toFile().mkdirs();
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().putAll(env);
    builder
        .directory(workDir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    Process process = builder.start();
    log.debug("started {} (pid {}): {}", name, process.pid(), command);
    return new ChildProcess(name, process, logFile);
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public Path logFile() {
    return logFile;
  }

  /** The exit code of a process that has exited. */
  public int exitValue() {
    return process.exitValue();
  }

  /** Waits for a one-shot command and returns its exit code. */
  public int waitFor(long timeout, TimeUnit unit) throws InterruptedException {
    if (!process.waitFor(timeout, unit)) {
      stop();
      throw new IllegalStateException(name + " did not finish within " + timeout + " " + unit + "; see " + logFile);
    }
    removeHook();
    return process.exitValue();
  }

  /** SIGTERM, up to 15 s for a clean exit, then SIGKILL. Idempotent. */
  public void stop() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
          log.warn("{} (pid {}) ignored SIGTERM for 15 s; killing it", name, process.pid());
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    removeHook();
  }

  /** For owners that stop their children in a particular order from their own shutdown hook. */
  public void unregisterShutdownHook() {
    removeHook();
  }

  /** Sends a signal by name ({@code STOP}, {@code CONT}), for fault-injection tests: STOP freezes the process, CONT thaws it. */
  public void signal(String name) throws IOException, InterruptedException {
    int exit = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor();
    if (exit != 0) {
      throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed (exit " + exit + ")");
    }
  }

  /** SIGKILL without any chance to clean up, for fault-injection tests. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    removeHook();
  }

  @Override
  public void close() {
    stop();
  }

  private void removeHook() {
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException alreadyShuttingDown) {
      // the hook is running or has run
    }
  }

  private static String ownCodeLocation() {
    try {
      return Path.of(ParentWatchdog.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (Exception e) {
      throw new IllegalStateException("cannot locate the local-stack classes", e);
    }
  }
}
