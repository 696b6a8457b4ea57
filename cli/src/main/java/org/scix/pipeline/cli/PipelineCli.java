package org.scix.pipeline.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine;

/** {@code ./pipeline}: one entry point for running, using and inspecting the pipeline. */
@Command(name = "pipeline", mixinStandardHelpOptions = true, version = "scix-pipeline 0.1.0",
    description = "SciX pipeline: gRPC gateway, Kafka, workers.",
    subcommands = {UpCommand.class, GatewayCommand.class, WorkerCommand.class, SubmitCommand.class,
        MonitorCommand.class, CancelCommand.class, InspectCommand.class, JobsCommand.class, JobCommand.class, DltCommand.class, ScheduleCommand.class, TaskCommand.class, CancelAllCommand.class, AuditCommand.class, BatchCommand.class,
        BenchCommand.class, ChaosCommand.class})
public final class PipelineCli implements Runnable {
  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  public static int execute(String... args) {
    CommandLine cli = new CommandLine(new PipelineCli());
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      CliErrors.Explained explained = CliErrors.explain(e);
      commandLine.getErr().println("error: " + explained.message());
      return explained.exitCode();
    });
    return cli.execute(args);
  }
}
