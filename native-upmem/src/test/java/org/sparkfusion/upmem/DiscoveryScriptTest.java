package org.sparkfusion.upmem;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparkfusion.common.test.TestDirs;

class DiscoveryScriptTest {

  static String[] run(Map<String, String> env) throws IOException, InterruptedException {
    Path script = TestDirs.projectRoot().resolve("native-upmem/bin/discover-upmem.sh");
    ProcessBuilder pb = new ProcessBuilder(script.toString());
    pb.environment().remove("SPARKFUSION_UPMEM_EMULATED_RANKS");
    pb.environment().remove("SPARKFUSION_UPMEM_RANKS_PER_EXECUTOR");
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    return new String[] {String.valueOf(p.waitFor()), out, err};
  }

  @Test
  void reportsEmulatedRanksWhenNoDevicesExist() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(UpmemBackendProvider.deviceRanks() == 0);
    assertThat(run(Map.of("SPARKFUSION_UPMEM_EMULATED_RANKS", "3"))[1])
        .isEqualTo("{\"name\":\"upmem\",\"addresses\":[\"0\",\"1\",\"2\"]}");
    assertThat(run(Map.of())[1]).isEqualTo("{\"name\":\"upmem\",\"addresses\":[]}");
  }

  @Test
  void claimsGiveEachInvocationDisjointRanks() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(UpmemBackendProvider.deviceRanks() == 0);
    Map<String, String> env = Map.of("SPARKFUSION_UPMEM_EMULATED_RANKS", "3", "SPARKFUSION_UPMEM_RANKS_PER_EXECUTOR",
        "2", "SPARKFUSION_UPMEM_CLAIM_DIR", TestDirs.newDir("claims").toString());
    // the claims belong to this test JVM (the script's parent), which stays alive
    assertThat(run(env)[1]).isEqualTo("{\"name\":\"upmem\",\"addresses\":[\"0\",\"1\"]}");
    assertThat(run(env)[1]).isEqualTo("{\"name\":\"upmem\",\"addresses\":[\"2\"]}");
    assertThat(run(env)[1]).isEqualTo("{\"name\":\"upmem\",\"addresses\":[]}");
  }

  @Test
  void rejectsANonNumericRankCount() throws Exception {
    String[] r = run(Map.of("SPARKFUSION_UPMEM_EMULATED_RANKS", "two"));
    assertThat(r[0]).isEqualTo("1");
    assertThat(r[2]).contains("SPARKFUSION_UPMEM_EMULATED_RANKS='two' is not a whole number");
  }
}
