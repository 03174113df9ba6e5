package org.sparkfusion.dagtrain.transport;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Arrays;

/**
 * A hand-made client on a plain socket, for tests: it speaks the wire format byte by byte (not through Netty), so it
 * can do the handshake right, do it wrong, or skip it.
 */
public final class RawPeer implements AutoCloseable {
  public final Socket socket;
  public final OutputStream out;
  public final DataInputStream in;

  public RawPeer(String address) throws IOException {
    String[] hp = address.split(":");
    socket = new Socket(hp[0], Integer.parseInt(hp[1]));
    socket.setSoTimeout(10_000);
    out = socket.getOutputStream();
    in = new DataInputStream(socket.getInputStream());
  }

  /** Reads one whole frame (the wire format's header, then the payload it announces). */
  public Frame read() throws IOException {
    byte[] header = new byte[FrameCodec.HEADER_BYTES];
    in.readFully(header);
    byte[] payload = new byte[FrameCodec.payloadLength(header, 1 << 20)];
    in.readFully(payload);
    return FrameCodec.decode(header, payload);
  }

  public void send(Frame f) throws IOException {
    out.write(FrameCodec.encode(f));
    out.flush();
  }

  /** As {@link #send}, ignoring a connection the other side has already closed. */
  public void trySend(Frame f) {
    try {
      send(f);
    } catch (IOException e) {
      // refused already: fine for an intruder
    }
  }

  /** The challenge the accepting task sends first. */
  public byte[] challenge() throws IOException {
    Frame f = read();
    if (f.type() != Frame.AUTH_CHALLENGE) {
      throw new IOException("expected a challenge, got " + Frame.typeName(f.type()));
    }
    return f.payload();
  }

  /** Answers the challenge as task {@code me} connecting to task {@code server}, with {@code secret}. */
  public byte[] respond(byte[] secret, int me, int server, byte[] challenge) throws IOException {
    byte[] nonce = ConnectionAuth.nonce();
    byte[] payload = ConnectionAuth.responsePayload(nonce, new ConnectionAuth(secret).clientProof(me, server, challenge,
        nonce));
    send(new Frame(Frame.AUTH_RESPONSE, me, 0, 0, payload));
    return payload;
  }

  /** The whole handshake with the right secret; returns once the server's proof arrived. */
  public void authenticate(byte[] secret, int me, int server) throws IOException {
    byte[] c = challenge();
    byte[] p = respond(secret, me, server, c);
    Frame ok = read();
    byte[] expected = new ConnectionAuth(secret).serverProof(me, server, c, Arrays.copyOf(p, ConnectionAuth.NONCE_BYTES));
    if (ok.type() != Frame.AUTH_OK || !Arrays.equals(expected, ok.payload())) {
      throw new IOException("the server did not prove the secret");
    }
  }

  /** True if the other side closed the connection (end of stream within the socket timeout). */
  public boolean closedByPeer() {
    try {
      while (true) {
        if (in.read() < 0) {
          return true;
        }
      }
    } catch (IOException e) {
      return e instanceof java.net.SocketException;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
