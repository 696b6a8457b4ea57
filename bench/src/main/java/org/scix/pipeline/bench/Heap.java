package org.scix.pipeline.bench;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Live heap of a child service: a full GC through jcmd, then the heap pools' used bytes from its metrics. */
final class Heap {
  private Heap() {}

  static long liveBytes(Services services, Services.Service service) throws Exception {
    for (int i = 0; i < 2; i++) {
      Process gc = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(service.pid()), "GC.run")
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!gc.waitFor(60, TimeUnit.SECONDS) || gc.exitValue() != 0) {
        throw new IllegalStateException("jcmd GC.run failed for pid " + service.pid());
      }
    }
    long used = 0;
    for (String line : services.get(service, "/metrics").split("\n")) {
      if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
        used += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    if (used == 0) {
      throw new IllegalStateException("no heap figures in the metrics of pid " + service.pid());
    }
    return used;
  }
}
