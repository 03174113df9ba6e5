package org.sparkfusion.dlrm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.sparkfusion.common.test.TestDirs;
import org.sparkfusion.dlrm.core.DlrmScorer;

class ExecutorModelsTest {

  @Test
  void concurrentTasksShareOneLoad() throws Exception {
    Path model = TestDirs.newDir("shared-model").resolve("m.pt");
    Files.copy(Fixtures.path("dot_state_dict.pt"), model);
    ModelOptions options = new ModelOptions(model.toString(), "dot", false, false, null);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<DlrmScorer>> got = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        got.add(pool.submit(() -> {
          start.await();
          return ExecutorModels.get(options);
        }));
      }
      start.countDown();
      DlrmScorer first = got.get(0).get();
      for (Future<DlrmScorer> f : got) {
        assertThat(f.get()).isSameAs(first);
      }
      assertThat(ExecutorModels.loadCount(model.toString())).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }
}
