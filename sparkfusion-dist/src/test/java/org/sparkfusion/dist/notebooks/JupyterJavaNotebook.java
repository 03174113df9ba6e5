package org.sparkfusion.dist.notebooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;

/**
 * Runs every code cell of a Java Jupyter notebook ({@code .ipynb}, as JJava and other JShell-based kernels run
 * it) in order through the JDK's own JShell, in a fresh JVM with the given class path and JVM options. Lines
 * starting with {@code %} are kernel magics and are skipped. A compile error or an exception (including a failed
 * {@code AssertionError} check) stops the run with the cell number and the snippet.
 */
final class JupyterJavaNotebook {

  private final Path file;
  private final List<String> cells;

  JupyterJavaNotebook(Path file) throws IOException {
    this.file = file;
    JsonNode root = new ObjectMapper().readTree(file.toFile());
    String kernel = root.path("metadata").path("kernelspec").path("language").asText("");
    if (!kernel.equalsIgnoreCase("java")) {
      throw new IllegalArgumentException(file + ": kernelspec language is '" + kernel + "', expected java");
    }
    List<String> code = new ArrayList<>();
    for (JsonNode cell : root.path("cells")) {
      if (cell.path("cell_type").asText().equals("code")) {
        code.add(sourceOf(cell));
      }
    }
    if (code.isEmpty()) {
      throw new IllegalArgumentException(file + " has no code cells");
    }
    this.cells = code;
  }

  int codeCells() {
    return cells.size();
  }

  /** Runs all cells; returns what the notebook printed. Throws AssertionError naming the failing cell. */
  String run(List<String> classPath, List<String> jvmOptions) {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
    List<String> remote = new ArrayList<>(jvmOptions);
    remote.add("-cp");
    remote.add(String.join(java.io.File.pathSeparator, classPath));
    // The class path goes to the kernel JVM's -cp (classes load from the application class loader, as with a
    // kernel started with JJAVA_CLASSPATH) and to the snippet compiler.
    String joined = String.join(java.io.File.pathSeparator, classPath);
    try (JShell shell = JShell.builder().out(out).err(out)
        .remoteVMOptions(remote.toArray(String[]::new))
        .compilerOptions("-classpath", joined)
        .build()) {
      for (int i = 0; i < cells.size(); i++) {
        runCell(shell, i + 1, cells.get(i), printed);
      }
    }
    return printed.toString(StandardCharsets.UTF_8);
  }

  private void runCell(JShell shell, int number, String cell, ByteArrayOutputStream printed) {
    String remaining = cell.lines().filter(l -> !l.stripLeading().startsWith("%")).collect(Collectors.joining("\n"));
    SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
    while (!remaining.isBlank()) {
      SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(remaining);
      if (!info.completeness().isComplete()) {
        throw failure(number, remaining, "incomplete code (" + info.completeness() + ")", printed);
      }
      String source = info.source();
      for (SnippetEvent event : shell.eval(source)) {
        if (event.status() == Snippet.Status.REJECTED) {
          String diags = shell.diagnostics(event.snippet())
              .map(d -> d.getMessage(java.util.Locale.ROOT)).collect(Collectors.joining("; "));
          throw failure(number, source, "does not compile: " + diags, printed);
        }
        if (event.exception() != null) {
          Throwable e = event.exception();
          String what = e instanceof EvalException ee ? ee.getExceptionClassName() + ": " + e.getMessage() : e.toString();
          throw failure(number, source, "threw " + what, printed);
        }
        if (event.status() == Snippet.Status.RECOVERABLE_NOT_DEFINED) {
          String diags = shell.diagnostics(event.snippet()).map(Diag::toString).collect(Collectors.joining("; "));
          throw failure(number, source, "refers to something undefined: " + diags, printed);
        }
      }
      remaining = info.remaining();
    }
  }

  private AssertionError failure(int cell, String source, String what, ByteArrayOutputStream printed) {
    String output = printed.toString(StandardCharsets.UTF_8);
    String tail = output.length() > 4000 ? output.substring(output.length() - 4000) : output;
    return new AssertionError(file.getFileName() + " code cell " + cell + " " + what + "\n--- snippet ---\n"
        + source.strip() + "\n--- notebook output (tail) ---\n" + tail);
  }

  static String sourceOf(JsonNode cell) {
    JsonNode source = cell.path("source");
    if (source.isArray()) {
      StringBuilder sb = new StringBuilder();
      source.forEach(line -> sb.append(line.asText()));
      return sb.toString();
    }
    return source.asText();
  }
}
