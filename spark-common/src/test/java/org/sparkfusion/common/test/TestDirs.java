package org.sparkfusion.common.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Fresh directories under the module's {@code target/test-tmp} (never /tmp, so a clean build removes them). */
public final class TestDirs {

  private TestDirs() {}

  public static Path root() {
    String configured = System.getProperty("sparkfusion.test.tmp");
    Path root = Paths.get(configured != null ? configured : "target/test-tmp").toAbsolutePath();
    try {
      return Files.createDirectories(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A new, empty directory whose name starts with {@code prefix}. */
  public static Path newDir(String prefix) {
    try {
      return Files.createTempDirectory(root(), prefix + "-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The repository's top folder (where README.md is), for tests that read committed files. */
  public static Path projectRoot() {
    String configured = System.getProperty("sparkfusion.project.root");
    Path p = Paths.get(configured != null ? configured : "..").toAbsolutePath().normalize();
    while (p != null && !Files.exists(p.resolve("README.md"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("Cannot find the project root (a folder with README.md)");
    }
    return p;
  }
}
