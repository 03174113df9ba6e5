package org.sparkfusion.dagtrain.transport;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The challenge-response handshake that every connection between training tasks must pass before any frame is
 * accepted. The driver draws a random secret per training run ({@link #newSecret()}) and ships it to the tasks inside
 * the task closure. On a new connection the accepting task sends a random nonce; the connecting task answers with its
 * own nonce and HMAC-SHA256(secret, "client" || client task || server task || server nonce || client nonce); the
 * accepting task checks it and proves itself with the same MAC under the label "server". Fresh nonces on both sides
 * make a recorded handshake useless on another connection, and the task numbers in the MAC bind the connection to the
 * task it claims to come from: every frame on it is filed under that task, whatever its header says.
 *
 * <p>The secret never appears in logs, exception messages or {@code toString}.
 */
public final class ConnectionAuth {
  static final int SECRET_BYTES = 32;
  static final int NONCE_BYTES = 32;
  static final int MAC_BYTES = 32;
  /** The largest payload a handshake frame has (nonce + MAC); the limit of frames before authentication. */
  static final int MAX_HANDSHAKE_PAYLOAD = NONCE_BYTES + MAC_BYTES;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final byte[] CLIENT = "sparkfusion-dagtrain-auth-v1 client".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SERVER = "sparkfusion-dagtrain-auth-v1 server".getBytes(StandardCharsets.US_ASCII);

  private final SecretKeySpec key;

  ConnectionAuth(byte[] secret) {
    if (secret == null || secret.length != SECRET_BYTES) {
      throw new IllegalArgumentException("dagtrain connection secret must be " + SECRET_BYTES + " bytes, got "
          + (secret == null ? "none" : secret.length + " bytes"));
    }
    this.key = new SecretKeySpec(secret, "HmacSHA256");
  }

  /** A new per-run secret (driver side). */
  public static byte[] newSecret() {
    byte[] s = new byte[SECRET_BYTES];
    RANDOM.nextBytes(s);
    return s;
  }

  static byte[] nonce() {
    byte[] n = new byte[NONCE_BYTES];
    RANDOM.nextBytes(n);
    return n;
  }

  /** What the connecting task {@code client} sends to {@code server}. */
  byte[] clientProof(int client, int server, byte[] serverNonce, byte[] clientNonce) {
    return mac(CLIENT, client, server, serverNonce, clientNonce);
  }

  /** What the accepting task {@code server} answers. */
  byte[] serverProof(int client, int server, byte[] serverNonce, byte[] clientNonce) {
    return mac(SERVER, client, server, serverNonce, clientNonce);
  }

  /** Constant-time comparison, so the time to reject reveals nothing about how much of a MAC was right. */
  static boolean matches(byte[] expected, byte[] actual) {
    return MessageDigest.isEqual(expected, actual);
  }

  /** The connecting side's handshake payload: its nonce, then its proof. */
  static byte[] responsePayload(byte[] clientNonce, byte[] proof) {
    byte[] p = Arrays.copyOf(clientNonce, NONCE_BYTES + MAC_BYTES);
    System.arraycopy(proof, 0, p, NONCE_BYTES, MAC_BYTES);
    return p;
  }

  private byte[] mac(byte[] label, int client, int server, byte[] serverNonce, byte[] clientNonce) {
    if (serverNonce.length != NONCE_BYTES || clientNonce.length != NONCE_BYTES) {
      throw new IllegalArgumentException("handshake nonces must be " + NONCE_BYTES + " bytes");
    }
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(key);
      m.update(label);
      m.update(ByteBuffer.allocate(8).putInt(client).putInt(server).array());
      m.update(serverNonce);
      m.update(clientNonce);
      return m.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
    }
  }

  @Override
  public String toString() {
    return "ConnectionAuth[secret hidden]";
  }
}
