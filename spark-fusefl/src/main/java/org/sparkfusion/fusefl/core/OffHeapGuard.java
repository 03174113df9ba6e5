package org.sparkfusion.fusefl.core;

import java.lang.reflect.Method;
import org.bytedeco.javacpp.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the off-heap memory of ND4J arrays bounded. ND4J (1.0.0-M2.1, CPU backend) allocates every detached
 * array's buffer with plain malloc and frees it only when the Java garbage collector has found the array
 * unreachable; JavaCPP's own accounting ({@code Pointer.totalBytes()}, {@code org.bytedeco.javacpp.maxbytes})
 * does not see those buffers. Training creates several MB of such arrays per mini-batch while the Java heap
 * fills slowly, so with a large heap the collector ran rarely and a Fashion-MNIST job reached 24 GB resident
 * (JavaCPP's default {@code maxphysicalbytes} is 4 x the heap) before the kernel killed it.
 *
 * <p>{@link #check} is called once per mini-batch by every loop over a client's data. When the resident memory
 * outside the committed Java heap exceeds {@code org.bytedeco.javacpp.maxbytes} it runs the collector (which
 * lets ND4J free the dead arrays) and gives the freed memory back to the system. If the resident memory is then
 * still above {@code org.bytedeco.javacpp.maxphysicalbytes} it fails with {@link OffHeapLimitException}, whose
 * one-line message names the setting to raise, rather than growing until the kernel's OOM killer ends the JVM.
 */
public final class OffHeapGuard {
  private static final Logger LOG = LoggerFactory.getLogger(OffHeapGuard.class);
  private static final Object LOCK = new Object();
  private static final Method TRIM = trimMethod();
  /** Off-heap bytes above which the next collection is asked for; raised when live memory sits near it. */
  private static volatile long trigger = -1;
  private static volatile long collections;
  private static boolean warned;

  private OffHeapGuard() {}

  /** Collections this guard asked for so far (for logs and tests). */
  public static long collections() {
    return collections;
  }

  /** Resident bytes of this process outside the committed Java heap (ND4J buffers, metaspace, stacks, ...). */
  public static long offHeapBytes() {
    return Pointer.physicalBytes() - Runtime.getRuntime().totalMemory();
  }

  /**
   * Called once per mini-batch: collects garbage when the off-heap memory passed its budget, and fails when the
   * process is still above its physical limit afterwards.
   *
   * @param where what is running, for the error message (e.g. "client 3, FuseFL stage 2")
   */
  public static void check(String where) {
    long budget = Pointer.maxBytes();
    if (budget <= 0) {
      return;
    }
    long t = trigger < 0 ? budget : trigger;
    if (offHeapBytes() <= t) {
      return;
    }
    synchronized (LOCK) {
      t = trigger < 0 ? budget : trigger;
      if (offHeapBytes() <= t) {
        return; // another task collected meanwhile
      }
      collect();
      long off = offHeapBytes();
      long rss = Pointer.physicalBytes();
      // Live off-heap memory close to the budget: move the trigger up so that the loop does not collect on
      // every batch (the hard limit below still applies).
      if (off > budget * 3 / 4) {
        trigger = off + budget / 4;
        if (!warned) {
          warned = true;
          LOG.warn("off-heap memory in use after garbage collection is {} MB, near org.bytedeco.javacpp.maxbytes "
              + "({} MB); collections now start at {} MB", off >> 20, budget >> 20, trigger >> 20);
        }
      } else {
        trigger = budget;
      }
      long limit = Pointer.maxPhysicalBytes();
      if (limit > 0 && rss > limit) {
        throw new OffHeapLimitException(String.format("resident memory %d MB (%d MB outside the Java heap) is above "
            + "org.bytedeco.javacpp.maxphysicalbytes (%d MB) after garbage collection, in %s: raise that limit "
            + "(-Dorg.bytedeco.javacpp.maxphysicalbytes=...) or use fewer clients per executor", rss >> 20, off >> 20,
            limit >> 20, where));
      }
    }
  }

  /** Runs the collector, lets ND4J's deallocator threads free what it found, and returns freed pages. */
  static void collect() {
    long before = offHeapBytes();
    System.gc();
    long off = before;
    for (int i = 0; i < 20; i++) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      trim();
      long now = offHeapBytes();
      if (now >= off && i >= 2) {
        off = now;
        break; // the deallocators are done
      }
      off = now;
    }
    collections++;
    LOG.debug("off-heap {} MB -> {} MB after garbage collection", before >> 20, off >> 20);
  }

  /** JavaCPP's malloc_trim(0) (private in JavaCPP 1.5.7, which calls it in its own collection loop). */
  private static void trim() {
    if (TRIM != null) {
      try {
        TRIM.invoke(null);
      } catch (ReflectiveOperationException | RuntimeException e) {
        // Trimming only speeds up the release of freed pages; the collection itself already happened.
      }
    }
  }

  private static Method trimMethod() {
    try {
      Method m = Pointer.class.getDeclaredMethod("trimMemory");
      m.setAccessible(true);
      return m;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /**
   * A one-line explanation for JavaCPP's own OutOfMemoryError ("Failed to allocate memory within limits" /
   * "Physical memory usage is too high"), naming the property to raise; null for any other error.
   */
  public static String explain(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof OffHeapLimitException) {
        return c.getMessage();
      }
      String m = c.getMessage();
      if (c instanceof OutOfMemoryError && m != null) {
        if (m.contains("maxPhysicalBytes")) {
          return "off-heap allocation refused: resident memory is above org.bytedeco.javacpp.maxphysicalbytes ("
              + (Pointer.maxPhysicalBytes() >> 20) + " MB): raise it (-Dorg.bytedeco.javacpp.maxphysicalbytes=...)";
        }
        if (m.contains("maxBytes")) {
          return "off-heap allocation refused: JavaCPP memory is above org.bytedeco.javacpp.maxbytes ("
              + (Pointer.maxBytes() >> 20) + " MB): raise it (-Dorg.bytedeco.javacpp.maxbytes=...)";
        }
      }
    }
    return null;
  }

  /** The process is above {@code org.bytedeco.javacpp.maxphysicalbytes} even after garbage collection. */
  public static final class OffHeapLimitException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public OffHeapLimitException(String message) {
      super(message);
    }
  }
}
