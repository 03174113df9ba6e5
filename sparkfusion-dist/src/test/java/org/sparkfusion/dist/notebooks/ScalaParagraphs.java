package org.sparkfusion.dist.notebooks;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.apache.spark.sql.SparkSession;
import scala.tools.nsc.Settings;
import scala.tools.nsc.interpreter.IMain;
import scala.tools.nsc.interpreter.Results;
import scala.tools.nsc.interpreter.shell.ReplReporterImpl;

/**
 * Interprets Zeppelin {@code %spark} paragraphs with the Scala 2.13 interpreter, {@code spark} bound to the
 * session as in Zeppelin. Paragraphs only call precompiled classes (no closures are shipped to executors), so
 * the interpreter's own classes never need to reach an executor.
 */
final class ScalaParagraphs implements AutoCloseable {

  private final StringWriter output = new StringWriter();
  private final IMain interpreter;

  ScalaParagraphs(SparkSession spark) {
    Settings settings = new Settings();
    settings.processArgumentString("-usejavacp");
    interpreter = new IMain(settings, new ReplReporterImpl(settings, new PrintWriter(output, true)));
    scala.collection.immutable.List<String> noModifiers =
        scala.jdk.javaapi.CollectionConverters.asScala(java.util.List.<String>of()).toList();
    Results.Result bound = interpreter.bind("spark", "org.apache.spark.sql.SparkSession", spark, noModifiers);
    if (!(bound instanceof Results.Success$)) {
      throw new IllegalStateException("Could not bind spark in the Scala interpreter: " + output);
    }
  }

  /** Interprets a paragraph; null on success, else the interpreter's output. */
  String interpret(String code) {
    int mark = output.getBuffer().length();
    Results.Result result = interpreter.interpret(code);
    if (result instanceof Results.Success$) {
      return null;
    }
    return result + ": " + output.getBuffer().substring(mark);
  }

  @Override
  public void close() {
    interpreter.close();
  }
}
