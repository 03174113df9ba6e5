package org.sparkfusion.common.nativelib;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Loads JNI libraries shipped in module jars under {@code native/<os>-<arch>/} (extracted to a temporary file once
 * per JVM). A library that failed to load keeps failing with the same reason, so callers can fall back and say why.
 */
public final class NativeLibraries {
  private static final Map<String, Object> LOADED = new HashMap<>();

  private NativeLibraries() {}

  /** {@code linux-x86_64} style name of this JVM's platform, as used in the resource paths. */
  public static String platform() {
    String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
    String arch = System.getProperty("os.arch", "");
    return (os.contains("linux") ? "linux" : os) + "-" + (arch.equals("amd64") ? "x86_64" : arch);
  }

  /** Loads lib{name}.so; throws UnsatisfiedLinkError with the reason if it is missing or cannot link. */
  public static synchronized void load(String name) {
    Object state = LOADED.get(name);
    if (state instanceof Error) {
      throw (Error) state;
    }
    if (state != null) {
      return;
    }
    String resource = "/native/" + platform() + "/lib" + name + ".so";
    try {
      Path file = extract(resource, "lib" + name, ".so");
      System.load(file.toString());
      LOADED.put(name, Boolean.TRUE);
    } catch (IOException | UnsatisfiedLinkError e) {
      UnsatisfiedLinkError err = new UnsatisfiedLinkError("cannot load " + resource + ": " + e.getMessage());
      LOADED.put(name, err);
      throw err;
    }
  }

  /** Copies a class path resource to a temporary file deleted on exit. */
  public static Path extract(String resource, String prefix, String suffix) throws IOException {
    try (InputStream in = NativeLibraries.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("not on the class path (the native build of this module did not run for " + platform() + ")");
      }
      Path file = Files.createTempFile(prefix, suffix);
      file.toFile().deleteOnExit();
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
      return file;
    }
  }
}
