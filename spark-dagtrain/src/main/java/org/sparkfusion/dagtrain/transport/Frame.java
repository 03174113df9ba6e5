package org.sparkfusion.dagtrain.transport;

/** One message between tasks: type, sender, step, micro-batch and payload. */
public record Frame(byte type, int from, int step, int micro, byte[] payload) {
  public static final byte HELLO = 1;
  public static final byte ACTIVATIONS = 2;
  public static final byte GRADIENTS = 3;
  static final byte PING = 4;
  static final byte PONG = 5;
  static final byte PROBE = 6;
  static final byte PROBE_ACK = 7;
  static final byte BYE = 8;
  static final byte START = 9;
  /**
   * After a step's last gradients, only when a stop rule is set: payload one byte, 1 if every stage stops after this
   * step (the last stage's decision, passed on towards the first).
   */
  public static final byte STEP_END = 13;
  /** Handshake ({@link ConnectionAuth}): the accepting side's nonce. */
  static final byte AUTH_CHALLENGE = 10;
  /** Handshake: the connecting side's nonce and proof; {@code from} is the task it claims to be. */
  static final byte AUTH_RESPONSE = 11;
  /** Handshake: the accepting side's proof. */
  static final byte AUTH_OK = 12;

  static String typeName(byte t) {
    return switch (t) {
      case HELLO -> "hello";
      case ACTIVATIONS -> "activations";
      case GRADIENTS -> "gradients";
      case PING -> "ping";
      case PONG -> "pong";
      case PROBE -> "probe";
      case PROBE_ACK -> "probe-ack";
      case BYE -> "bye";
      case START -> "start";
      case STEP_END -> "step-end";
      case AUTH_CHALLENGE -> "auth-challenge";
      case AUTH_RESPONSE -> "auth-response";
      case AUTH_OK -> "auth-ok";
      default -> "type-" + t;
    };
  }
}
