package org.sparkfusion.dist.notebooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A Zeppelin note ({@code .zpln}, Zeppelin 0.9+ JSON) run the way Zeppelin's Spark interpreter group runs it:
 * {@code %spark.conf} paragraphs configure the session before it starts; {@code %spark.sql} paragraphs run
 * their statements in order; {@code %spark} paragraphs are Scala, interpreted with {@code spark} bound to the
 * session; {@code %md} is text. A SQL result with a column named {@code check} must be true on every row.
 */
final class ZeppelinNote {

  record Paragraph(int index, String interpreter, String body) {}

  private final Path file;
  private final List<Paragraph> paragraphs = new ArrayList<>();

  ZeppelinNote(Path file) throws IOException {
    this.file = file;
    JsonNode root = new ObjectMapper().readTree(file.toFile());
    if (!root.path("paragraphs").isArray()) {
      throw new IllegalArgumentException(file + ": no paragraphs[] (not a Zeppelin .zpln note)");
    }
    int index = 0;
    for (JsonNode p : root.path("paragraphs")) {
      index++;
      String text = p.path("text").asText("");
      String first = text.lines().findFirst().orElse("").strip();
      String interpreter = first.startsWith("%") ? first.split("\\s+")[0] : "%spark";
      String body = first.startsWith("%") ? text.substring(text.indexOf(first) + first.length()) : text;
      paragraphs.add(new Paragraph(index, interpreter, body));
    }
  }

  List<Paragraph> paragraphs() {
    return paragraphs;
  }

  /** Settings of every {@code %spark.conf} paragraph, in order ({@code key value} per line, {@code #} comments). */
  Map<String, String> conf() {
    Map<String, String> conf = new LinkedHashMap<>();
    for (Paragraph p : paragraphs) {
      if (!p.interpreter().equals("%spark.conf")) {
        continue;
      }
      for (String line : p.body().split("\n")) {
        String l = line.strip();
        if (l.isEmpty() || l.startsWith("#")) {
          continue;
        }
        String[] kv = l.split("\\s+", 2);
        conf.put(kv[0], kv.length > 1 ? kv[1].strip() : "");
      }
    }
    return conf;
  }

  /** Runs every paragraph; returns a short log. Throws AssertionError naming the paragraph that failed. */
  String run(SparkSession spark) {
    StringBuilder log = new StringBuilder();
    ScalaParagraphs scala = null;
    try {
      for (Paragraph p : paragraphs) {
        switch (p.interpreter()) {
          case "%spark.conf", "%md", "%angular" -> { }
          case "%spark.sql", "%sql" -> runSql(spark, p, log);
          case "%spark", "%spark.spark" -> {
            if (scala == null) {
              scala = new ScalaParagraphs(spark);
            }
            String error = scala.interpret(p.body());
            if (error != null) {
              throw new AssertionError(file.getFileName() + " paragraph " + p.index() + " (%spark) failed: " + error);
            }
            log.append("paragraph ").append(p.index()).append(" (%spark) ok\n");
          }
          default -> throw new AssertionError(file.getFileName() + " paragraph " + p.index()
              + ": interpreter " + p.interpreter() + " is not supported by the note runner");
        }
      }
    } finally {
      if (scala != null) {
        scala.close();
      }
    }
    return log.toString();
  }

  private void runSql(SparkSession spark, Paragraph p, StringBuilder log) {
    for (String statement : statements(p.body())) {
      Dataset<Row> result;
      try {
        result = spark.sql(statement);
        List<String> columns = List.of(result.columns());
        if (columns.contains("check")) {
          List<Row> rows = result.collectAsList();
          if (rows.isEmpty()) {
            throw new AssertionError("check query returned no rows");
          }
          for (Row row : rows) {
            Object v = row.get(row.fieldIndex("check"));
            if (!Boolean.TRUE.equals(v)) {
              throw new AssertionError("check is " + v + " in row " + row);
            }
          }
          log.append("paragraph ").append(p.index()).append(" check ok: ").append(rows).append('\n');
        } else {
          List<Row> rows = result.limit(20).collectAsList();
          log.append("paragraph ").append(p.index()).append(" -> ").append(rows.size()).append(" rows\n");
        }
      } catch (RuntimeException | AssertionError e) {
        throw new AssertionError(file.getFileName() + " paragraph " + p.index() + " (%spark.sql) failed on:\n"
            + statement + "\n" + e, e);
      }
    }
  }

  /** Splits on semicolons that end a line (Zeppelin's convention), dropping {@code --} comment lines. */
  static List<String> statements(String body) {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : body.split("\n")) {
      String stripped = line.strip();
      if (stripped.startsWith("--")) {
        continue;
      }
      current.append(line).append('\n');
      if (stripped.endsWith(";")) {
        add(out, current);
      }
    }
    add(out, current);
    return out;
  }

  private static void add(List<String> out, StringBuilder current) {
    String s = current.toString().strip();
    if (s.endsWith(";")) {
      s = s.substring(0, s.length() - 1).strip();
    }
    if (!s.isEmpty()) {
      out.add(s);
    }
    current.setLength(0);
  }
}
