package org.scix.pipeline.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;
import org.scix.pipeline.client.PipelineClient;
import org.scix.pipeline.client.PipelineClientException;
import org.scix.pipeline.schemas.batch.BatchJob;
import org.scix.pipeline.schemas.batch.BatchJobsPage;
import org.scix.pipeline.schemas.batch.BatchRequest;
import org.scix.pipeline.schemas.batch.BatchSummary;
import org.scix.pipeline.schemas.batch.SplitRange;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ./pipeline batch submit|status|jobs|cancel}: batches over the gateway's Batches gRPC service. */
@Command(name = "batch", mixinStandardHelpOptions = true, description = "Submit many jobs at once, all or nothing; follow or cancel a batch.",
    subcommands = {BatchCommand.Submit.class, BatchCommand.Status.class, BatchCommand.Jobs.class, BatchCommand.Cancel.class})
final class BatchCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** Runs {@code call} with a client, turning a refused call into its message and exit code. */
  private static int withClient(GatewayTarget gateway, ClientCall call) throws Exception {
    try (PipelineClient client = PipelineClient.connect(gateway.target)) {
      return call.run(client);
    } catch (PipelineClientException e) {
      CliErrors.Explained explained = CliErrors.explain(e, gateway.target);
      System.err.println("error: " + explained.message());
      return explained.exitCode();
    }
  }

  @FunctionalInterface
  private interface ClientCall {
    int run(PipelineClient client) throws Exception;
  }

  private static void print(BatchSummary s) {
    System.out.printf("batch %s: %d job(s): %d pending, %d processing, %d success, %d error%s%n", s.getBatchId(), s.getTotal(),
        s.getPending(), s.getProcessing(), s.getSuccess(), s.getError(),
        s.getCancelRequested() > 0 ? "; " + s.getCancelRequested() + " unfinished job(s) cancelled" : "");
  }

  @Command(name = "submit", mixinStandardHelpOptions = true, description = "Submit a batch: a date range split into jobs, and/or a list of "
      + "dateranges (one per line from --dateranges-file, '-' for stdin). All of it is accepted, or none. Prints the batch id.")
  static final class Submit implements Callable<Integer> {
    @Mixin GatewayTarget gateway;

    @Option(names = "--task", required = true, description = "SYMBOL1, SYMBOL2 or SYMBOL3.")
    String task;

    @Option(names = "--ingest", arity = "1", description = "true or false.")
    Boolean ingest;

    @Option(names = "--ingest-type")
    String ingestType;

    @Option(names = "--priority", description = "bulk (the default for batches) or interactive.")
    String priority;

    @Option(names = "--from", description = "Split range start, YYYY-MM-DD (with --to).")
    String from;

    @Option(names = "--to", description = "Split range end, YYYY-MM-DD, included.")
    String to;

    @Option(names = "--days-per-job", defaultValue = "1", description = "Days per job of the split range (default 1).")
    int daysPerJob;

    @Option(names = "--idempotency-key", description = "Resubmitting with the same key returns the same batch, submitted once.")
    String idempotencyKey;

    @Option(names = "--dateranges-file", description = "One daterange per line (YYYY-MM-DD or YYYY-MM-DD:YYYY-MM-DD); '-' reads stdin.")
    String daterangesFile;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      if ((from == null) != (to == null)) {
        throw new CommandLine.ParameterException(spec.commandLine(), "give --from and --to together");
      }
      if (from == null && daterangesFile == null) {
        throw new CommandLine.ParameterException(spec.commandLine(), "give --from/--to, --dateranges-file, or both");
      }
      BatchRequest first = BatchRequest.newBuilder().setTask(task).setIngest(ingest).setIngestType(ingestType).setPriority(priority)
          .setSplit(from == null ? null : new SplitRange(from, to, daysPerJob)).setDateranges(List.of()).build();
      try (BufferedReader lines = daterangesFile == null ? null : open(daterangesFile)) {
        Iterator<List<String>> parts = lines == null ? List.<List<String>>of().iterator() : parts(lines);
        return withClient(gateway, client -> {
          BatchSummary accepted = client.submitBatch(first, parts, idempotencyKey);
          System.out.println(accepted.getBatchId());
          System.err.println(accepted.getTotal() + " job(s) submitted");
          return 0;
        });
      }
    }

    private static BufferedReader open(String file) throws IOException {
      return "-".equals(file) ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
          : Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8);
    }

    /** The file's non-blank lines, 1,000 per message, read as they are sent. */
    private static Iterator<List<String>> parts(BufferedReader lines) {
      return new Iterator<>() {
        private List<String> next = read();

        private List<String> read() {
          List<String> part = new ArrayList<>();
          try {
            String line;
            while (part.size() < 1000 && (line = lines.readLine()) != null) {
              if (!line.isBlank()) {
                part.add(line.trim());
              }
            }
          } catch (IOException e) {
            throw new IllegalStateException("cannot read the dateranges: " + e.getMessage(), e);
          }
          return part;
        }

        @Override
        public boolean hasNext() {
          return !next.isEmpty();
        }

        @Override
        public List<String> next() {
          if (next.isEmpty()) {
            throw new NoSuchElementException();
          }
          List<String> part = next;
          next = read();
          return part;
        }
      };
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "A batch's jobs counted by status.")
  static final class Status implements Callable<Integer> {
    @Mixin GatewayTarget gateway;

    @Parameters(paramLabel = "BATCH_ID")
    String batchId;

    @Override
    public Integer call() throws Exception {
      return withClient(gateway, client -> {
        print(client.batchStatus(batchId));
        return 0;
      });
    }
  }

  @Command(name = "jobs", mixinStandardHelpOptions = true, description = "A batch's jobs with their status, a page at a time.")
  static final class Jobs implements Callable<Integer> {
    @Mixin GatewayTarget gateway;

    @Parameters(paramLabel = "BATCH_ID")
    String batchId;

    @Option(names = "--after", description = "The last job id of the previous page.")
    String after;

    @Option(names = "--limit", defaultValue = "100", description = "Jobs per page (1 to 1000).")
    int limit;

    @Override
    public Integer call() throws Exception {
      return withClient(gateway, client -> {
        BatchJobsPage page = client.batchJobs(batchId, after, limit);
        for (BatchJob job : page.getJobs()) {
          System.out.println(job.getJobId() + " " + job.getStatus());
        }
        if (page.getNext() != null) {
          System.err.println("more: --after " + page.getNext());
        }
        return 0;
      });
    }
  }

  @Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel a batch: its jobs not started never start, running ones "
      + "are stopped; ended ones keep their status.")
  static final class Cancel implements Callable<Integer> {
    @Mixin GatewayTarget gateway;

    @Parameters(paramLabel = "BATCH_ID")
    String batchId;

    @Override
    public Integer call() throws Exception {
      return withClient(gateway, client -> {
        print(client.cancelBatch(batchId));
        return 0;
      });
    }
  }
}
