package org.sparkfusion.dlrm.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle reader that understands only what {@code torch.save} checkpoints need and never runs code: values
 * become Java objects (String, Long, Double, Boolean, null, {@link List}, {@link Tuple}, {@link Map}), the only
 * callables are an allow-list of globals (OrderedDict, the tensor rebuild functions and storage types), which
 * are interpreted here, and every other global is rejected when it is first named, before anything is called.
 */
final class RestrictedUnpickler {

  /** An immutable pickle tuple. */
  record Tuple(Object[] items) {
    Object get(int i) {
      return items[i];
    }

    int size() {
      return items.length;
    }
  }

  /** A global the pickle named (already checked against the allow-list). */
  record Global(String module, String name) {
    String qualified() {
      return module + "." + name;
    }
  }

  /** A persistent storage reference: {@code ('storage', torch.FloatStorage, key, location, numel)}. */
  record StorageRef(String dtype, String key, long numel) {}

  /** A tensor view over a storage, as {@code torch._utils._rebuild_tensor_v2} describes it. */
  record TensorRef(StorageRef storage, long offset, long[] shape, long[] stride) {}

  private static final Map<String, String> STORAGE_DTYPES = Map.ofEntries(
      Map.entry("FloatStorage", "float32"), Map.entry("DoubleStorage", "float64"),
      Map.entry("HalfStorage", "float16"), Map.entry("BFloat16Storage", "bfloat16"),
      Map.entry("LongStorage", "int64"), Map.entry("IntStorage", "int32"),
      Map.entry("ShortStorage", "int16"), Map.entry("CharStorage", "int8"),
      Map.entry("ByteStorage", "uint8"), Map.entry("BoolStorage", "bool"));

  static final Set<String> ALLOWED_CALLABLES = Set.of("collections.OrderedDict", "torch._utils._rebuild_tensor_v2",
      "torch._utils._rebuild_parameter");

  private static final Object MARK = new Object();
  /**
   * Budgets that bound the memory and time a hostile pickle can take, far above what a state_dict needs (a few
   * dozen opcodes per tensor, a stack a handful deep): opcodes run, values on the stack, open MARKs, memo entries.
   */
  static final int MAX_OPS = 4_000_000;
  static final int MAX_STACK = 1_000_000;
  static final int MAX_MARKS = 10_000;
  static final int MAX_MEMO = 1_000_000;

  private final String source;
  private final ByteBuffer in;
  private final ArrayList<Object> stack = new ArrayList<>();
  private final ArrayList<Integer> marks = new ArrayList<>();
  private final Map<Integer, Object> memo = new HashMap<>();

  private RestrictedUnpickler(String source, byte[] bytes) {
    this.source = source;
    this.in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Reads one pickled value; {@code source} names the file in errors. */
  static Object load(String source, byte[] bytes) {
    try {
      return new RestrictedUnpickler(source, bytes).run();
    } catch (java.nio.BufferUnderflowException | IndexOutOfBoundsException e) {
      throw new CheckpointFormatException(source + ": pickle data ends unexpectedly (truncated or corrupt)", e);
    } catch (StackOverflowError e) {
      // Not expected (the reader is iterative and no value is hashed or printed recursively); kept as a last guard.
      throw new CheckpointFormatException(source + ": pickle nests too deeply", null);
    }
  }

  static boolean allowedGlobal(String module, String name) {
    String q = module + "." + name;
    return ALLOWED_CALLABLES.contains(q) || (module.equals("torch") && STORAGE_DTYPES.containsKey(name));
  }

  private Object run() {
    int ops = 0;
    while (true) {
      int pos = in.position();
      if (++ops > MAX_OPS) {
        throw error(pos, "pickle runs more than " + MAX_OPS + " opcodes (not a tensor checkpoint)");
      }
      if (stack.size() > MAX_STACK || marks.size() > MAX_MARKS || memo.size() > MAX_MEMO) {
        throw error(pos, "pickle holds more than " + (stack.size() > MAX_STACK ? MAX_STACK + " stack values"
            : marks.size() > MAX_MARKS ? MAX_MARKS + " open MARKs (nesting)" : MAX_MEMO + " memo entries"));
      }
      int op = in.get() & 0xff;
      switch (op) {
        case 0x80 -> in.get(); // PROTO
        case 0x95 -> in.getLong(); // FRAME
        case '.' -> { // STOP
          // Python's unpickler returns the top value and ignores the rest; torch.save leaves exactly one value and
          // nothing after STOP, so anything else is a forged or damaged pickle, refused rather than half-read.
          Object top = pop();
          if (!stack.isEmpty() || !marks.isEmpty() || in.hasRemaining()) {
            throw error(pos, "pickle stops with " + stack.size() + " more values on the stack and "
                + in.remaining() + " bytes after STOP (a torch.save pickle ends with exactly one value)");
          }
          return top;
        }
        case '(' -> { // MARK
          marks.add(stack.size());
          stack.add(MARK);
        }
        case '}' -> stack.add(new LinkedHashMap<Object, Object>()); // EMPTY_DICT
        case ']' -> stack.add(new ArrayList<>()); // EMPTY_LIST
        case ')' -> stack.add(new Tuple(new Object[0])); // EMPTY_TUPLE
        case 't' -> stack.add(new Tuple(popMark().toArray())); // TUPLE
        case 0x85 -> stack.add(new Tuple(new Object[] {pop()})); // TUPLE1
        case 0x86 -> { // TUPLE2
          Object b = pop();
          Object a = pop();
          stack.add(new Tuple(new Object[] {a, b}));
        }
        case 0x87 -> { // TUPLE3
          Object c = pop();
          Object b = pop();
          Object a = pop();
          stack.add(new Tuple(new Object[] {a, b, c}));
        }
        case 'l' -> stack.add(new ArrayList<>(popMark())); // LIST
        case 'd' -> { // DICT
          List<Object> items = popMark();
          Map<Object, Object> m = new LinkedHashMap<>();
          if (items.size() % 2 != 0) {
            throw error(pos, "DICT with an odd number of items");
          }
          for (int i = 0; i + 1 < items.size(); i += 2) {
            m.put(key(pos, items.get(i)), items.get(i + 1));
          }
          stack.add(m);
        }
        case 'N' -> stack.add(null);
        case 0x88 -> stack.add(Boolean.TRUE);
        case 0x89 -> stack.add(Boolean.FALSE);
        case 'J' -> stack.add((long) in.getInt()); // BININT
        case 'K' -> stack.add((long) (in.get() & 0xff)); // BININT1
        case 'M' -> stack.add((long) (in.getShort() & 0xffff)); // BININT2
        case 0x8a -> stack.add(readLong1()); // LONG1
        case 'G' -> stack.add(ByteBuffer.wrap(bytes(8)).order(ByteOrder.BIG_ENDIAN).getDouble()); // BINFLOAT
        case 'X' -> stack.add(utf8(in.getInt())); // BINUNICODE
        case 0x8c -> stack.add(utf8(in.get() & 0xff)); // SHORT_BINUNICODE
        case 0x8d -> stack.add(utf8(checkedLength(in.getLong()))); // BINUNICODE8
        case 'C' -> stack.add(bytes(in.get() & 0xff)); // SHORT_BINBYTES
        case 'B' -> stack.add(bytes(in.getInt())); // BINBYTES
        case 'q' -> memo.put(in.get() & 0xff, peek()); // BINPUT
        case 'r' -> memo.put(in.getInt(), peek()); // LONG_BINPUT
        case 0x94 -> memo.put(memo.size(), peek()); // MEMOIZE
        case 'h' -> stack.add(memoGet(in.get() & 0xff)); // BINGET
        case 'j' -> stack.add(memoGet(in.getInt())); // LONG_BINGET
        case 'a' -> { // APPEND
          Object v = pop();
          asList(peek()).add(v);
        }
        case 'e' -> { // APPENDS
          List<Object> items = popMark();
          asList(peek()).addAll(items);
        }
        case 's' -> { // SETITEM
          Object v = pop();
          Object k = key(pos, pop());
          asMap(peek()).put(k, v);
        }
        case 'u' -> { // SETITEMS
          List<Object> items = popMark();
          Map<Object, Object> m = asMap(peek());
          if (items.size() % 2 != 0) {
            throw error(pos, "SETITEMS with an odd number of items");
          }
          for (int i = 0; i + 1 < items.size(); i += 2) {
            m.put(key(pos, items.get(i)), items.get(i + 1));
          }
        }
        case 'c' -> stack.add(global(readLine(), readLine())); // GLOBAL
        case 0x93 -> { // STACK_GLOBAL
          Object name = pop();
          Object module = pop();
          if (!(module instanceof String) || !(name instanceof String)) {
            throw error(pos, "STACK_GLOBAL expects two strings");
          }
          stack.add(global((String) module, (String) name));
        }
        case 'R' -> { // REDUCE
          Object args = pop();
          Object callable = pop();
          stack.add(reduce(pos, callable, args));
        }
        case 'Q' -> stack.add(persistentLoad(pos, pop())); // BINPERSID
        case 'b' -> { // BUILD: only the attribute dict of an OrderedDict (state_dict._metadata) is accepted, and ignored
          Object state = pop();
          Object target = peek();
          if (!(target instanceof Map) && !(target instanceof TensorRef)) {
            throw error(pos, "BUILD on " + describe(target) + " is not allowed");
          }
          if (state != null && !(state instanceof Map) && !(state instanceof Tuple)) {
            throw error(pos, "BUILD with state " + describe(state) + " is not allowed");
          }
        }
        default -> throw error(pos, String.format("pickle opcode 0x%02x is not allowed in a tensor checkpoint", op));
      }
    }
  }

  /**
   * Dict keys are limited to values whose hashCode and equals cannot recurse: a list holding itself (or nested a
   * million deep) as a key would overflow the stack while being hashed. state_dict keys are strings; optimizer
   * state uses ints.
   */
  private Object key(int pos, Object k) {
    if (k == null || k instanceof String || k instanceof Long || k instanceof Double || k instanceof Boolean
        || k instanceof Tuple) {
      return k;
    }
    throw error(pos, "dict key of type " + describe(k) + " is not allowed");
  }

  private Global global(String module, String name) {
    if (!allowedGlobal(module, name)) {
      throw new CheckpointFormatException(source + ": refusing to load: the pickle references global '" + module + "."
          + name + "', which is not allowed in a tensor checkpoint (allowed: " + ALLOWED_CALLABLES
          + " and torch.*Storage). A checkpoint must never run code.");
    }
    return new Global(module, name);
  }

  private Object reduce(int pos, Object callable, Object args) {
    if (!(callable instanceof Global g) || !(args instanceof Tuple t)) {
      throw error(pos, "REDUCE of " + describe(callable) + " is not allowed");
    }
    switch (g.qualified()) {
      case "collections.OrderedDict":
        if (t.size() != 0) {
          throw error(pos, "OrderedDict with constructor arguments is not supported");
        }
        return new LinkedHashMap<Object, Object>();
      case "torch._utils._rebuild_tensor_v2": {
        if (t.size() < 4 || !(t.get(0) instanceof StorageRef s)) {
          throw error(pos, "malformed _rebuild_tensor_v2 arguments");
        }
        return new TensorRef(s, asLong(pos, t.get(1)), longs(pos, t.get(2)), longs(pos, t.get(3)));
      }
      case "torch._utils._rebuild_parameter":
        if (t.size() < 1 || !(t.get(0) instanceof TensorRef)) {
          throw error(pos, "malformed _rebuild_parameter arguments");
        }
        return t.get(0);
      default:
        throw error(pos, "calling " + g.qualified() + " is not allowed");
    }
  }

  private Object persistentLoad(int pos, Object pid) {
    if (!(pid instanceof Tuple t) || t.size() < 5 || !"storage".equals(t.get(0)) || !(t.get(1) instanceof Global g)
        || !(t.get(2) instanceof String key)) {
      throw error(pos, "unsupported persistent id " + describe(pid));
    }
    String dtype = STORAGE_DTYPES.get(g.name());
    if (dtype == null || !g.module().equals("torch")) {
      throw error(pos, "unsupported storage type " + g.qualified());
    }
    return new StorageRef(dtype, key, asLong(pos, t.get(4)));
  }

  private long[] longs(int pos, Object o) {
    if (!(o instanceof Tuple t)) {
      throw error(pos, "expected a tuple of ints, got " + describe(o));
    }
    long[] out = new long[t.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = asLong(pos, t.get(i));
    }
    return out;
  }

  private long asLong(int pos, Object o) {
    if (o instanceof Long l) {
      return l;
    }
    throw error(pos, "expected an int, got " + describe(o));
  }

  private long readLong1() {
    int n = in.get() & 0xff;
    if (n > 8) {
      throw error(in.position(), "integer wider than 64 bits");
    }
    long v = 0;
    byte[] b = bytes(n);
    for (int i = n - 1; i >= 0; i--) {
      v = (v << 8) | (b[i] & 0xff);
    }
    if (n > 0 && n < 8 && (b[n - 1] & 0x80) != 0) {
      v -= 1L << (8 * n);
    }
    return v;
  }

  private int checkedLength(long n) {
    if (n < 0 || n > in.remaining()) {
      throw error(in.position(), "string length " + n + " exceeds the data");
    }
    return (int) n;
  }

  private byte[] bytes(int n) {
    if (n < 0 || n > in.remaining()) {
      throw error(in.position(), "length " + n + " exceeds the data (truncated)");
    }
    byte[] b = new byte[n];
    in.get(b);
    return b;
  }

  private String utf8(int n) {
    return new String(bytes(n), StandardCharsets.UTF_8);
  }

  private String readLine() {
    StringBuilder sb = new StringBuilder();
    while (true) {
      byte b = in.get();
      if (b == '\n') {
        return sb.toString();
      }
      sb.append((char) (b & 0xff));
      if (sb.length() > 256) {
        throw error(in.position(), "GLOBAL name too long");
      }
    }
  }

  private Object memoGet(int key) {
    if (!memo.containsKey(key)) {
      throw error(in.position(), "memo key " + key + " was never stored");
    }
    return memo.get(key);
  }

  private Object pop() {
    if (stack.isEmpty()) {
      throw error(in.position(), "stack underflow");
    }
    Object o = stack.remove(stack.size() - 1);
    if (o == MARK) {
      throw error(in.position(), "unexpected MARK");
    }
    return o;
  }

  private Object peek() {
    if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
      throw error(in.position(), "stack underflow");
    }
    return stack.get(stack.size() - 1);
  }

  private List<Object> popMark() {
    if (marks.isEmpty()) {
      throw error(in.position(), "no MARK on the stack");
    }
    int m = marks.remove(marks.size() - 1);
    List<Object> items = new ArrayList<>(stack.subList(m + 1, stack.size()));
    while (stack.size() > m) {
      stack.remove(stack.size() - 1);
    }
    return items;
  }

  @SuppressWarnings("unchecked")
  private List<Object> asList(Object o) {
    if (o instanceof List) {
      return (List<Object>) o;
    }
    throw error(in.position(), "APPEND to " + describe(o));
  }

  @SuppressWarnings("unchecked")
  private Map<Object, Object> asMap(Object o) {
    if (o instanceof Map) {
      return (Map<Object, Object>) o;
    }
    throw error(in.position(), "SETITEM on " + describe(o));
  }

  static String describe(Object o) {
    if (o == null) {
      return "None";
    }
    if (o instanceof Global g) {
      return "global " + g.qualified();
    }
    if (o instanceof Long || o instanceof Boolean || o instanceof Double) {
      return o.getClass().getSimpleName() + " " + o;
    }
    return o.getClass().getSimpleName();
  }

  private CheckpointFormatException error(int pos, String what) {
    return new CheckpointFormatException(source + ": " + what + " (pickle offset " + pos + ")");
  }
}
