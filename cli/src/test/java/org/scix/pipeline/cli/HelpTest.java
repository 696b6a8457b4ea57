package org.scix.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code ./pipeline <command> --help} prints that command's usage and exits 0, for every command. */
class HelpTest {
  static Iterable<String> commands() {
    return new CommandLine(new PipelineCli()).getSubcommands().keySet();
  }

  @ParameterizedTest
  @MethodSource("commands")
  void everyCommandAnswersHelpWithItsUsage(String command) {
    PrintStream out = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int exit;
    try {
      exit = PipelineCli.execute(command, "--help");
    } finally {
      System.setOut(out);
    }
    assertThat(exit).isZero();
    assertThat(captured.toString(StandardCharsets.UTF_8)).startsWith("Usage: pipeline " + command);
  }
}
