package org.sparkfusion.dlrm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/** The committed PyTorch fixtures (written by src/test/python/make_fixtures.py). */
public final class Fixtures {
  private Fixtures() {}

  /** Absolute path of a fixture under src/test/resources/fixtures. */
  public static Path path(String name) {
    try {
      return Paths.get(Fixtures.class.getResource("/fixtures/" + name).toURI());
    } catch (URISyntaxException | NullPointerException e) {
      throw new IllegalStateException("missing fixture " + name, e);
    }
  }

  /** One scored row: inputs and PyTorch's output. */
  public record Row(float[] dense, long[][] sparse, double expected) {}

  public static List<Row> rows(String name) {
    ObjectMapper mapper = new ObjectMapper();
    List<Row> out = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(path(name))) {
        JsonNode n = mapper.readTree(line);
        float[] dense = new float[n.get("dense").size()];
        for (int i = 0; i < dense.length; i++) {
          dense[i] = (float) n.get("dense").get(i).asDouble();
        }
        long[][] sparse = new long[n.get("sparse").size()][];
        for (int t = 0; t < sparse.length; t++) {
          JsonNode bag = n.get("sparse").get(t);
          sparse[t] = new long[bag.size()];
          for (int k = 0; k < bag.size(); k++) {
            sparse[t][k] = bag.get(k).asLong();
          }
        }
        out.add(new Row(dense, sparse, n.get("expected").asDouble()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }
}
