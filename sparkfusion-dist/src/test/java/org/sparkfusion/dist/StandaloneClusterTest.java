package org.sparkfusion.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparkfusion.common.test.TestDirs;

/**
 * Starts a real Spark standalone cluster (Master + 2 Workers) with {@code bin/sparkfusion cluster start}, submits
 * {@code bin/sparkfusion check} to it and reads the job's JSON: two executors in separate JVMs, the project's
 * modules loaded on each, ND4J arrays intact after a Kryo shuffle.
 */
class StandaloneClusterTest {

  private static Path clusterDir;
  private static int port;

  @BeforeAll
  static void startCluster() throws Exception {
    clusterDir = TestDirs.newDir("standalone");
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Result start = launcher(List.of("cluster", "start"), 180);
    assertThat(start.exitCode).as("cluster start output:\n%s", start.output).isZero();
    assertThat(start.output).contains("spark://127.0.0.1:" + port);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    launcher(List.of("cluster", "stop"), 60);
  }

  @Test
  void checkJobRunsOnTwoWorkerExecutors() throws Exception {
    Path json = clusterDir.resolve("check.json");
    Result run = launcher(List.of("check", "--master", "spark://127.0.0.1:" + port, "--executors", "2",
        "--json", json.toString()), 300);
    assertThat(run.exitCode).as("check output:\n%s", run.output).isZero();

    String report = Files.readString(json, StandardCharsets.UTF_8);
    assertThat(report).contains("\"master\": \"spark://127.0.0.1:" + port + "\"");
    assertThat(report).contains("\"executors\": 2").contains("\"nd4j_shuffle_ok\": true").contains("\"ok\": true");
    long pids = report.lines().findFirst().orElse("").split("executor ", -1).length - 1;
    assertThat(pids).as("distinct executor reports in %s", report).isGreaterThanOrEqualTo(2);
    assertThat(report).contains("fusefl").contains("dlrm");
  }

  private record Result(int exitCode, String output) {}

  private static Result launcher(List<String> args, int timeoutSeconds) throws IOException, InterruptedException {
    Path root = TestDirs.projectRoot();
    List<String> command = new java.util.ArrayList<>();
    command.add(root.resolve("bin/sparkfusion").toString());
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("SPARKFUSION_SKIP_BUILD", "1");
    // The launcher owns (and empties) its cluster folder; our logs stay beside it.
    pb.environment().put("SPARKFUSION_CLUSTER_DIR", clusterDir.resolve("cluster").toString());
    pb.environment().put("SPARKFUSION_MASTER_PORT", Integer.toString(port));
    pb.environment().put("SPARKFUSION_DRIVER_MEMORY", "1g");
    pb.environment().remove("SPARK_HOME");
    pb.environment().remove("SPARK_DIST_CLASSPATH");
    Path log = clusterDir.resolve("launcher-" + String.join("-", args.subList(0, Math.min(2, args.size()))) + ".log");
    pb.redirectOutput(log.toFile());
    Process p = pb.start();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return new Result(-1, Files.readString(log) + "\n(timed out after " + timeoutSeconds + " s)");
    }
    return new Result(p.exitValue(), Files.readString(log));
  }
}
